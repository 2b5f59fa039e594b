import { HeadstartError } from '../core/index.js';
import type { ClassificationMetrics } from '../evaluate/index.js';
import type { EpochRecord, HeadKind } from '../heads/index.js';
import type { InputSpec } from '../data/index.js';
import type { Pooling } from '../engines/index.js';
import type { TextPooling } from '../zoo/index.js';
import type { ContinualOptions, ContinualStrategy, LearnerMemory } from '../continual/index.js';

export const MODEL_FORMAT_VERSION = 1;

/** What a model classifies. */
export type Modality = 'image' | 'text';

/** The parts of headstart.json every model has, whatever it reads. */
interface ManifestCommon {
  formatVersion: number;
  createdAt: string;
  labels: string[];
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
  /** Written by `update`: every version of the model, oldest first; absent on a model only `train` wrote (version 1). */
  versions?: ModelVersion[];
  /** Written by `update`: how the model learns further, and what its continual/ folder keeps. */
  continual?: { strategy: ContinualStrategy; options: Required<ContinualOptions>; memory: LearnerMemory };
}

/** One version of a model directory: what made it. Earlier versions' files are kept in versions/<version>/. */
export interface ModelVersion {
  version: number;
  createdAt: string;
  /** 'train': the first version; 'update': new examples or classes added by a continual-learning strategy. */
  change: 'train' | 'update';
  strategy?: ContinualStrategy;
  data: string;
  /** Classes this version added (all of them for 'train'). */
  newClasses: string[];
  /** Examples per class this version learned from. */
  examples: Record<string, number>;
}

/** headstart.json of a text model: a frozen text backbone (word vectors or a sentence encoder) and a head. */
export interface TextModelManifest extends ManifestCommon {
  modality: 'text';
  backbone: {
    id: string;
    weightsSha256: string;
    pooling: TextPooling;
    /** 'zoo': loaded from the zoo by id; 'included': a copy of the backbone folder is in backbone/. */
    location: 'zoo' | 'included';
  };
  /** The columns the training table was read with, and the share of its words the backbone did not know. */
  text: { textColumn: string; labelColumn: string; oovRate: number };
  /** Text models are trained with strategy 'features' only. */
  fineTune?: undefined;
}

/** headstart.json: what a model directory holds and how to rebuild its pipeline. */
export type ModelManifest = ImageModelManifest | TextModelManifest;

/** headstart.json of an image model: a backbone cut, pooled, and a head. */
export interface ImageModelManifest extends ManifestCommon {
  /** Absent in manifests written before text models existed (and by fine-tuning): an image model. */
  modality?: 'image';
  backbone: {
    id: string;
    weightsSha256: string;
    cut: string;
    pooling: Pooling;
    /** 'zoo': bundled, loaded from the zoo by id; 'included': a copy of its files is in backbone/. */
    location: 'zoo' | 'included';
  };
  input: InputSpec;
  /**
   * Present for strategy 'finetune': backbone.cut is then the freeze boundary (flattened activations feed head/,
   * whose top/ holds the trained blocks from the boundary to `cut`).
   */
  fineTune?: {
    cut: string;
    pooling: Pooling;
    boundary: string;
    unfreeze: number | string;
    groups: string[];
    schedule: string;
    batchNorm: string;
    augment: object | false;
    /** Epoch ranges of the history (head phase first), with the learning rate of each group. */
    phases: { name: string; firstEpoch: number; lastEpoch: number; learningRates?: Record<string, number> }[];
    bestEpoch: number;
    /** Strategy 'features' (frozen backbone at `cut`, linear head) on the same split, for comparison. */
    featureExtraction?: { val?: ClassificationMetrics; test?: ClassificationMetrics };
  };
}

/** Checks the fields loading depends on; everything else is informational. */
export function parseModelManifest(raw: unknown, file: string): ModelManifest {
  const fail = (what: string) =>
    new HeadstartError('HS_MODEL_INVALID', `${file} is not a headstart model manifest: ${what}. Train the model again with 'headstart train'.`);
  if (typeof raw !== 'object' || raw === null) throw fail('not a JSON object');
  const m = raw as Partial<ManifestCommon> & { modality?: unknown };
  if (m.formatVersion !== MODEL_FORMAT_VERSION) throw fail(`formatVersion is ${String(m.formatVersion)}, this headstart reads ${MODEL_FORMAT_VERSION}`);
  if (!Array.isArray(m.labels) || m.labels.length < 2 || !m.labels.every((l) => typeof l === 'string')) throw fail('labels must list at least two class names');
  if (!m.head || typeof m.head.kind !== 'string') throw fail('head.kind missing');
  if (m.modality !== undefined && m.modality !== 'image' && m.modality !== 'text') throw fail(`modality is '${String(m.modality)}', expected 'image' or 'text'`);
  if (m.modality === 'text') {
    const t = raw as Partial<TextModelManifest>;
    const b = t.backbone;
    if (!b || typeof b.id !== 'string' || typeof b.pooling !== 'string' || typeof b.weightsSha256 !== 'string' || !['zoo', 'included'].includes(b.location))
      throw fail('backbone needs id, pooling, weightsSha256 and location');
    return t as TextModelManifest;
  }
  const i = raw as Partial<ImageModelManifest>;
  const b = i.backbone;
  if (!b || typeof b.id !== 'string' || typeof b.cut !== 'string' || typeof b.weightsSha256 !== 'string' || !['zoo', 'included'].includes(b.location))
    throw fail('backbone needs id, cut, weightsSha256 and location');
  if (!i.input || typeof i.input.height !== 'number') throw fail('input spec missing');
  // Older manifests have no modality: they are image models.
  return { ...i, modality: 'image' } as ImageModelManifest;
}
