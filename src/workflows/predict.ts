import { rejectUnknownKeys } from '../core/index.js';
import type { SkippedFile } from '../data/index.js';
import { extractFeatures } from '../zoo/index.js';
import { openFeatureCache, resolveHome, WORKFLOW_OPTION_KEYS } from './shared-options.js';
import type { WorkflowOptions } from './shared-options.js';
import { loadModel } from './transfer-model.js';
import type { TransferModel } from './transfer-model.js';

export interface PredictOptions extends WorkflowOptions {
  /** A model directory, or a model already loaded with `loadModel` (left open for the caller). */
  model: string | TransferModel;
  /** Image files to classify. */
  files: string[];
  /** How many classes to return per image, best first. @default 3 */
  topK?: number;
}

export interface Prediction {
  file: string;
  label: string;
  probability: number;
  top: { label: string; probability: number }[];
}

export interface PredictResult {
  predictions: Prediction[];
  skipped: SkippedFile[];
}

const KNOWN_OPTIONS = [...WORKFLOW_OPTION_KEYS, 'model', 'files', 'topK'];

/** Classifies image files with a trained model. */
export async function predict(options: PredictOptions): Promise<PredictResult> {
  rejectUnknownKeys('predict', options, KNOWN_OPTIONS);
  const model =
    typeof options.model === 'string'
      ? await loadModel(options.model, { home: resolveHome(options), engine: options.engine, onProgress: options.onProgress })
      : options.model;
  const cache = openFeatureCache(options);
  try {
    const labels = model.manifest.labels;
    const { features, skipped } = await extractFeatures(
      model.backbone,
      { items: options.files.map((file) => ({ path: file, label: '' })), classes: labels },
      { cache, onBadFile: options.onBadFile ?? 'skip', signal: options.signal, onProgress: options.onProgress },
    );
    const n = features.files.length;
    const probs = await model.head.predict(features.values, n);
    const k = Math.max(1, Math.min(options.topK ?? 3, labels.length));
    const predictions = features.files.map((file, r) => {
      const ranked = labels
        .map((label, c) => ({ label, probability: probs[r * labels.length + c] ?? 0 }))
        .sort((a, b) => b.probability - a.probability)
        .slice(0, k);
      const best = ranked[0] ?? { label: '', probability: 0 };
      return { file, label: best.label, probability: best.probability, top: ranked };
    });
    return { predictions, skipped };
  } finally {
    cache?.close();
    if (typeof options.model === 'string') model.dispose();
  }
}
