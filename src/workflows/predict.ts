import { HeadstartError, rejectUnknownKeys } from '../core/index.js';
import type { FeatureSet, SkippedFile } from '../data/index.js';
import type { Head } from '../heads/index.js';
import { extractFeatures, textFeatures } from '../zoo/index.js';
import { openFeatureCache, resolveHome, WORKFLOW_OPTION_KEYS } from './shared-options.js';
import type { WorkflowOptions } from './shared-options.js';
import { loadAnyModel } from './transfer-model.js';
import type { TextTransferModel, TransferModel } from './transfer-model.js';

export interface PredictOptions extends WorkflowOptions {
  /** An image model directory, or a model already loaded with `loadModel` (left open for the caller). */
  model: string | TransferModel;
  /** Image files to classify. */
  files: string[];
  /** How many classes to return per image, best first. @default 3 */
  topK?: number;
}

export interface TextPredictOptions extends WorkflowOptions {
  /** A text model directory, or a model already loaded with `loadTextModel` (left open for the caller). */
  model: string | TextTransferModel;
  /** Sentences to classify. */
  texts: string[];
  /** How many classes to return per sentence, best first. @default 3 */
  topK?: number;
}

/** The best classes of one input, best first. */
export interface RankedClasses {
  label: string;
  probability: number;
  top: { label: string; probability: number }[];
}

export interface Prediction extends RankedClasses {
  file: string;
}

export interface TextPrediction extends RankedClasses {
  text: string;
}

export interface PredictResult {
  predictions: Prediction[];
  skipped: SkippedFile[];
}

export interface TextPredictResult {
  predictions: TextPrediction[];
}

const KNOWN_OPTIONS = [...WORKFLOW_OPTION_KEYS, 'model', 'files', 'texts', 'topK'];

/** Each row's classes by probability, the best `topK`. */
async function rankClasses(head: Head, features: FeatureSet, labels: string[], topK: number | undefined): Promise<RankedClasses[]> {
  const n = features.files.length;
  const probs = await head.predict(features.values, n);
  const k = Math.max(1, Math.min(topK ?? 3, labels.length));
  return features.files.map((_, r) => {
    const ranked = labels
      .map((label, c) => ({ label, probability: probs[r * labels.length + c] ?? 0 }))
      .sort((a, b) => b.probability - a.probability)
      .slice(0, k);
    const best = ranked[0] ?? { label: '', probability: 0 };
    return { label: best.label, probability: best.probability, top: ranked };
  });
}

/**
 * Classifies image files with an image model, or sentences with a text model (`texts` instead of `files`).
 *
 * @example
 * const { predictions } = await predict({ model: 'reviews-model', texts: ['Great phone.', 'Broke after a week.'] });
 */
export async function predict(options: PredictOptions): Promise<PredictResult>;
export async function predict(options: TextPredictOptions): Promise<TextPredictResult>;
export async function predict(options: PredictOptions | TextPredictOptions): Promise<PredictResult | TextPredictResult> {
  rejectUnknownKeys('predict', options, KNOWN_OPTIONS);
  const files = 'files' in options ? options.files : undefined;
  const texts = 'texts' in options ? options.texts : undefined;
  if ((files === undefined) === (texts === undefined)) throw new HeadstartError('HS_INVALID_OPTION', 'predict takes either files (an image model) or texts (a text model), not both or neither.');
  const model =
    typeof options.model === 'string'
      ? await loadAnyModel(options.model, { home: resolveHome(options), engine: options.engine, onProgress: options.onProgress })
      : options.model;
  const cache = openFeatureCache(options);
  try {
    const labels = model.manifest.labels;
    if (model.modality === 'text') {
      if (!texts) throw new HeadstartError('HS_INVALID_OPTION', `${model.dir} is a text model: pass texts (sentences to classify), not files.`);
      const { features } = await textFeatures(
        { items: texts.map((text, i) => ({ text, label: '', file: 'input', line: i + 1 })), classes: labels },
        model.backbone,
        { cache, signal: options.signal, onProgress: options.onProgress },
      );
      const ranked = await rankClasses(model.head, features, labels, options.topK);
      return { predictions: ranked.map((r, i) => ({ text: texts[i] as string, ...r })) };
    }
    if (!files) throw new HeadstartError('HS_INVALID_OPTION', `${model.dir} is an image model: pass files (images to classify), not texts.`);
    const { features, skipped } = await extractFeatures(
      model.backbone,
      { items: files.map((file) => ({ path: file, label: '' })), classes: labels },
      { cache, onBadFile: options.onBadFile ?? 'skip', signal: options.signal, onProgress: options.onProgress },
    );
    const ranked = await rankClasses(model.head, features, labels, options.topK);
    return { predictions: ranked.map((r, i) => ({ file: features.files[i] as string, ...r })), skipped };
  } finally {
    cache?.close();
    if (typeof options.model === 'string') await model.dispose();
  }
}
