import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { rejectUnknownKeys } from '../core/index.js';
import { TRAIN_DEFAULTS, train } from './train.js';
import type { TrainResult } from './train.js';
import { resolveHome, WORKFLOW_OPTION_KEYS } from './shared-options.js';
import type { WorkflowOptions } from './shared-options.js';

/** The small flower photo set that ships with headstart (5 classes x 36 photos, CC BY 2.0; see its ATTRIBUTION.txt). */
export const DEMO_DATA_DIR = fileURLToPath(new URL('../../assets/flowers-mini', import.meta.url));

export interface DemoOptions extends WorkflowOptions {
  /** Where the demo model goes. @default '<home>/demo-model' */
  out?: string;
  /** Replace `out` even when it is not a headstart model folder (see train's `force`). @default false */
  force?: boolean;
  /** @default TRAIN_DEFAULTS.backbone */
  backbone?: string;
}

export interface DemoResult extends TrainResult {
  data: string;
}

const KNOWN_OPTIONS = [...WORKFLOW_OPTION_KEYS, 'out', 'force', 'backbone'];

/** Runs the whole transfer-learning path on the bundled photos: no arguments, no downloads. */
export async function demo(options: DemoOptions = {}): Promise<DemoResult> {
  rejectUnknownKeys('demo', options, KNOWN_OPTIONS);
  const { out, backbone, ...rest } = options;
  const result = await train({
    ...rest,
    data: DEMO_DATA_DIR,
    out: out ?? path.join(resolveHome(options), 'demo-model'),
    backbone: backbone ?? TRAIN_DEFAULTS.backbone,
    perClass: { train: 20, val: 6, test: 10 },
    head: 'linear',
  });
  return { ...result, data: DEMO_DATA_DIR };
}
