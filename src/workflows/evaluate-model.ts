import path from 'node:path';
import { HeadstartError, rejectUnknownKeys } from '../core/index.js';
import { loadImageDataset, loadTextDataset } from '../data/index.js';
import type { FeatureSet, SkippedFile } from '../data/index.js';
import { argmaxRows, computeMetrics, topKAccuracy } from '../evaluate/index.js';
import type { ClassificationMetrics } from '../evaluate/index.js';
import { writeReport } from '../report/index.js';
import { textFeatures } from '../zoo/index.js';
import { checkDistributedExtraction, extractFeaturesDistributed } from './extract.js';
import type { DistributedExtractionOptions } from './extract.js';
import { badRowsAsSkipped } from './feature-stage.js';
import { openFeatureCache, resolveHome, WORKFLOW_OPTION_KEYS } from './shared-options.js';
import type { WorkflowOptions } from './shared-options.js';
import { loadAnyModel } from './transfer-model.js';
import type { TextTransferModel, TransferModel } from './transfer-model.js';

export interface EvaluateModelOptions extends WorkflowOptions, DistributedExtractionOptions {
  /** A model directory written by `train`. */
  model: string;
  /** Labelled data of the model's kind: images (a folder with one sub-folder per class, or a manifest), or a text dataset. */
  data: string;
  /** Text models: the column or key holding the text. @default the column the model was trained with */
  textColumn?: string;
  /** Text models: the column or key holding the label. @default the column the model was trained with */
  labelColumn?: string;
  /** Where report.html and metrics.json go. @default '<model>/eval-report' */
  reportDir?: string;
  /** Also report top-k accuracy for this k. @default 3 */
  topK?: number;
}

export interface EvaluateModelResult {
  metrics: ClassificationMetrics;
  topK: { k: number; accuracy: number };
  classes: string[];
  reportPath: string;
  metricsPath: string;
  skipped: SkippedFile[];
  durationMs: number;
}

const KNOWN_OPTIONS = [...WORKFLOW_OPTION_KEYS, 'model', 'data', 'reportDir', 'topK', 'textColumn', 'labelColumn', 'distribute'];

/** Features of the labelled data, in the model's class order, with what was passed over. */
async function labelledFeatures(
  model: TransferModel | TextTransferModel,
  options: EvaluateModelOptions,
  cache: ReturnType<typeof openFeatureCache>,
): Promise<{ features: FeatureSet; skipped: SkippedFile[] }> {
  const labels = model.manifest.labels;
  const checkClasses = (classes: string[]) => {
    const unknown = classes.filter((c) => !labels.includes(c));
    if (unknown.length > 0) {
      throw new HeadstartError(
        'HS_UNKNOWN_LABEL',
        `${options.data} has classes the model ${options.model} does not know: ${unknown.join(', ')}. The model's classes: ${labels.join(', ')}.`,
      );
    }
  };
  const onBadFile = options.onBadFile ?? 'skip';
  const progress = { signal: options.signal, onProgress: options.onProgress };
  if (model.modality === 'text') {
    if (options.distribute !== undefined) throw new HeadstartError('HS_INVALID_OPTION', `${options.model} is a text model: distribute (--workers, --queue) spreads image feature extraction only. Drop it.`);
    const { textColumn, labelColumn } = model.manifest.text;
    const data = await loadTextDataset(options.data, {
      textColumn: options.textColumn ?? textColumn,
      labelColumn: options.labelColumn ?? labelColumn,
      onBadRow: onBadFile,
      allowSingleClass: true,
    });
    checkClasses(data.classes);
    const { features } = await textFeatures({ items: data.items, classes: labels }, model.backbone, { cache, ...progress });
    return { features, skipped: badRowsAsSkipped(data.badRows) };
  }
  const textOnly = (['textColumn', 'labelColumn'] as const).filter((k) => options[k] !== undefined);
  if (textOnly.length > 0) throw new HeadstartError('HS_INVALID_OPTION', `${options.model} is an image model: ${textOnly.join(' and ')} apply to text models only. Drop them.`);
  const data = await loadImageDataset(options.data, { onBadFile, allowSingleClass: true });
  checkClasses(data.classes);
  const { features, skipped } = await extractFeaturesDistributed(model.backbone, { items: data.items, classes: labels }, { cache, onBadFile, ...progress, distribute: options.distribute, home: resolveHome(options) });
  return { features, skipped: [...data.skipped, ...skipped] };
}

/** Scores a saved model (image or text) on labelled data and writes an HTML report with the confusion matrix and training curves. */
export async function evaluateModel(options: EvaluateModelOptions): Promise<EvaluateModelResult> {
  rejectUnknownKeys('evaluateModel', options, KNOWN_OPTIONS);
  checkDistributedExtraction(options);
  const started = performance.now();
  const model = await loadAnyModel(options.model, { home: resolveHome(options), engine: options.engine, onProgress: options.onProgress });
  const cache = openFeatureCache(options);
  try {
    const labels = model.manifest.labels;
    const { features, skipped: allSkipped } = await labelledFeatures(model, options, cache);
    const probs = await model.head.predict(features.values, features.labels.length);
    const metrics = computeMetrics(features.labels, argmaxRows(probs, labels.length), labels);
    const k = Math.min(options.topK ?? 3, labels.length);
    const reportDir = options.reportDir ?? path.join(options.model, 'eval-report');
    const written = await writeReport(reportDir, {
      title: `Evaluation of ${path.basename(path.resolve(options.model))} on ${path.basename(path.resolve(options.data))}`,
      metrics,
      classes: labels,
      history: model.manifest.training.history,
      facts: {
        model: path.resolve(options.model),
        data: path.resolve(options.data),
        backbone: model.modality === 'text' ? `${model.manifest.backbone.id} (${model.manifest.backbone.pooling} pooling)` : `${model.manifest.backbone.id} cut at ${model.manifest.backbone.cut}`,
        head: model.manifest.head.kind,
        [`top-${k} accuracy`]: `${(topKAccuracy(probs, labels.length, features.labels, k) * 100).toFixed(1)}%`,
      },
      skipped: allSkipped,
    });
    return {
      metrics,
      topK: { k, accuracy: topKAccuracy(probs, labels.length, features.labels, k) },
      classes: labels,
      reportPath: written.htmlPath,
      metricsPath: written.jsonPath,
      skipped: allSkipped,
      durationMs: performance.now() - started,
    };
  } finally {
    cache?.close();
    await model.dispose();
  }
}
