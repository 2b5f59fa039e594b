import path from 'node:path';
import { HeadstartError, rejectUnknownKeys } from '../core/index.js';
import { loadImageDataset } from '../data/index.js';
import type { SkippedFile } from '../data/index.js';
import { argmaxRows, computeMetrics, topKAccuracy } from '../evaluate/index.js';
import type { ClassificationMetrics } from '../evaluate/index.js';
import { writeReport } from '../report/index.js';
import { extractFeatures } from '../zoo/index.js';
import { openFeatureCache, resolveHome, WORKFLOW_OPTION_KEYS } from './shared-options.js';
import type { WorkflowOptions } from './shared-options.js';
import { loadModel } from './transfer-model.js';

export interface EvaluateModelOptions extends WorkflowOptions {
  /** A model directory written by `train`. */
  model: string;
  /** Labelled images: a folder with one sub-folder per class, or a manifest. */
  data: string;
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

const KNOWN_OPTIONS = [...WORKFLOW_OPTION_KEYS, 'model', 'data', 'reportDir', 'topK'];

/** Scores a saved model on labelled data and writes an HTML report with the confusion matrix and training curves. */
export async function evaluateModel(options: EvaluateModelOptions): Promise<EvaluateModelResult> {
  rejectUnknownKeys('evaluateModel', options, KNOWN_OPTIONS);
  const started = performance.now();
  const onBadFile = options.onBadFile ?? 'skip';
  const model = await loadModel(options.model, { home: resolveHome(options), engine: options.engine, onProgress: options.onProgress });
  const cache = openFeatureCache(options);
  try {
    const labels = model.manifest.labels;
    const data = await loadImageDataset(options.data, { onBadFile, allowSingleClass: true });
    const unknown = data.classes.filter((c) => !labels.includes(c));
    if (unknown.length > 0) {
      throw new HeadstartError(
        'HS_UNKNOWN_LABEL',
        `${options.data} has classes the model ${options.model} does not know: ${unknown.join(', ')}. The model's classes: ${labels.join(', ')}.`,
      );
    }
    const { features, skipped } = await extractFeatures(model.backbone, { items: data.items, classes: labels }, {
      cache,
      onBadFile,
      signal: options.signal,
      onProgress: options.onProgress,
    });
    const probs = await model.head.predict(features.values, features.labels.length);
    const metrics = computeMetrics(features.labels, argmaxRows(probs, labels.length), labels);
    const k = Math.min(options.topK ?? 3, labels.length);
    const reportDir = options.reportDir ?? path.join(options.model, 'eval-report');
    const allSkipped = [...data.skipped, ...skipped];
    const written = await writeReport(reportDir, {
      title: `Evaluation of ${path.basename(path.resolve(options.model))} on ${path.basename(path.resolve(options.data))}`,
      metrics,
      classes: labels,
      history: model.manifest.training.history,
      facts: {
        model: path.resolve(options.model),
        data: path.resolve(options.data),
        backbone: `${model.manifest.backbone.id} cut at ${model.manifest.backbone.cut}`,
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
    model.dispose();
  }
}
