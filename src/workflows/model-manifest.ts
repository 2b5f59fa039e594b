import { HeadstartError } from '../core/index.js';
import type { ClassificationMetrics } from '../evaluate/index.js';
import type { EpochRecord, HeadKind } from '../heads/index.js';
import type { InputSpec } from '../data/index.js';
import type { Pooling } from '../engines/index.js';

export const MODEL_FORMAT_VERSION = 1;

/** headstart.json: what a model directory holds and how to rebuild its pipeline. */
export interface ModelManifest {
  formatVersion: number;
  createdAt: string;
  labels: string[];
  backbone: {
    id: string;
    weightsSha256: string;
    cut: string;
    pooling: Pooling;
    /** 'zoo': bundled, loaded from the zoo by id; 'included': a copy of its files is in backbone/. */
    location: 'zoo' | 'included';
  };
  input: InputSpec;
  head: { kind: HeadKind; options: Record<string, unknown> };
  training: {
    data: string;
    val: string;
    counts: { train: number; val: number; test: number };
    perClass: Record<string, number>;
    seed: number;
    history: EpochRecord[];
    stoppedReason?: string;
    durationMs: { extract: number; head: number };
  };
  metrics: { val?: ClassificationMetrics; test?: ClassificationMetrics };
}

/** Checks the fields loading depends on; everything else is informational. */
export function parseModelManifest(raw: unknown, file: string): ModelManifest {
  const fail = (what: string) =>
    new HeadstartError('HS_MODEL_INVALID', `${file} is not a headstart model manifest: ${what}. Train the model again with 'headstart train'.`);
  if (typeof raw !== 'object' || raw === null) throw fail('not a JSON object');
  const m = raw as Partial<ModelManifest>;
  if (m.formatVersion !== MODEL_FORMAT_VERSION) throw fail(`formatVersion is ${String(m.formatVersion)}, this headstart reads ${MODEL_FORMAT_VERSION}`);
  if (!Array.isArray(m.labels) || m.labels.length < 2 || !m.labels.every((l) => typeof l === 'string')) throw fail('labels must list at least two class names');
  const b = m.backbone;
  if (!b || typeof b.id !== 'string' || typeof b.cut !== 'string' || typeof b.weightsSha256 !== 'string' || !['zoo', 'included'].includes(b.location))
    throw fail('backbone needs id, cut, weightsSha256 and location');
  if (!m.input || typeof m.input.height !== 'number') throw fail('input spec missing');
  if (!m.head || typeof m.head.kind !== 'string') throw fail('head.kind missing');
  return m as ModelManifest;
}
