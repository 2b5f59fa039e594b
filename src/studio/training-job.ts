import path from 'node:path';
import {
  HeadstartError, loadImageDataset, loadTextDataset, predict, renderConfusionHeatmap, renderTrainingCurves, splitDataset, textRowId, train, TRAIN_DEFAULTS,
} from '../index.js';
import type { ClassificationMetrics, HeadKind, ModelManifest, ProgressEvent, TextTransferModel, TrainStrategy, TransferModel } from '../index.js';
import type { ProjectStore } from './project-store.js';

/** What the page may choose: `train`'s main options. */
export interface StudioTrainOptions {
  /** @default TRAIN_DEFAULTS.backbone (images), TRAIN_DEFAULTS.textBackbone (text) */
  backbone?: string;
  /** @default 'linear' */
  head?: HeadKind;
  /** @default 'features' */
  strategy?: TrainStrategy;
  /** @default TRAIN_HEAD_DEFAULTS.epochs */
  epochs?: number;
}

/** One example of the evaluated split with what the model made of it. */
export interface EvaluatedExample {
  label: string;
  name: string;
  predicted: string;
  /** Every class by probability, best first. */
  top: { label: string; probability: number }[];
}

export interface ModelView {
  manifest: ModelManifest;
  /** The split the metrics are on: 'test', or 'val' when there is no test split. */
  split: 'test' | 'val';
  metrics: ClassificationMetrics;
  /** `cells[t][p]`: the examples of true class t predicted as p (the confusion matrix, example by example). */
  cells: EvaluatedExample[][][];
  confusionSvg: string;
  curvesHtml: string;
  warnings: string[];
}

/** Events sent to the page over server-sent events; `progress` carries the library's own events. */
export type JobEvent =
  | { type: 'start'; options: StudioTrainOptions }
  | { type: 'progress'; event: ProgressEvent }
  | { type: 'done'; accuracy: number; split: 'test' | 'val' }
  | { type: 'error'; message: string; code?: string }
  | { type: 'cancelled' };

const STRATEGIES: readonly TrainStrategy[] = ['features', 'finetune'];

/** Rejects anything but the studio's train options, before a job starts. */
export function checkTrainOptions(value: unknown): StudioTrainOptions {
  const o = (value ?? {}) as Record<string, unknown>;
  const known = ['backbone', 'head', 'strategy', 'epochs'];
  const unknown = Object.keys(o).filter((k) => !known.includes(k));
  if (unknown.length > 0) throw new HeadstartError('HS_INVALID_OPTION', `Unknown training option ${unknown.join(', ')}. Known: ${known.join(', ')}.`);
  const out: StudioTrainOptions = {};
  if (o.backbone !== undefined && o.backbone !== '') {
    if (typeof o.backbone !== 'string') throw new HeadstartError('HS_INVALID_OPTION', 'backbone must be a zoo id.');
    out.backbone = o.backbone;
  }
  if (o.head !== undefined) out.head = o.head as HeadKind;
  if (o.strategy !== undefined) {
    if (!STRATEGIES.includes(o.strategy as TrainStrategy)) throw new HeadstartError('HS_INVALID_OPTION', `strategy must be one of ${STRATEGIES.join(', ')}.`);
    out.strategy = o.strategy as TrainStrategy;
  }
  if (o.epochs !== undefined) {
    if (!Number.isInteger(o.epochs) || (o.epochs as number) < 1) throw new HeadstartError('HS_INVALID_OPTION', 'epochs must be a whole number of at least 1.');
    out.epochs = o.epochs as number;
  }
  return out;
}

/** Refuses to train on a project `train` would reject or learn nothing from: fewer than two classes, an empty class. */
export async function checkTrainable(project: ProjectStore): Promise<void> {
  const classes = await project.listClasses();
  const empty = classes.filter((c) => c.examples.length === 0).map((c) => `"${c.label}"`);
  if (empty.length > 0) {
    throw new HeadstartError('HS_DATASET_INVALID', `Class ${empty.join(', ')} has no examples: add some, or delete the class, then train again.`);
  }
  if (classes.length < 2) throw new HeadstartError('HS_DATASET_INVALID', `Training needs at least two classes with examples; this project has ${classes.length}.`);
  const few = classes.filter((c) => c.examples.length < 3).map((c) => `"${c.label}" (${c.examples.length})`);
  if (few.length > 0) {
    throw new HeadstartError('HS_DATASET_INVALID', `Class ${few.join(', ')} has fewer than 3 examples: add more so some can be held out for testing.`);
  }
}

/** Trains the project's model with `train` itself, into `<project>/model`. */
export async function trainProject(
  project: ProjectStore,
  options: StudioTrainOptions,
  job: { home?: string; signal: AbortSignal; onProgress: (event: ProgressEvent) => void },
): Promise<void> {
  await train({
    data: project.classesDir,
    out: project.modelDir,
    ...options,
    signal: job.signal,
    onProgress: job.onProgress,
    ...(job.home !== undefined ? { home: job.home } : {}),
  });
}

/**
 * The trained model's evaluation, example by example: the split `train` held out is derived again (same data,
 * fractions and seed), each of its examples is classified with `predict`, and the confusion matrix is rebuilt from
 * those predictions. When it differs from the one `train` saved (the data changed since), a warning says so.
 */
export async function viewModel(project: ProjectStore, model: TransferModel | TextTransferModel): Promise<ModelView | undefined> {
  const manifest = model.manifest;
  const split = manifest.metrics.test ? 'test' : 'val';
  const saved = manifest.metrics.test ?? manifest.metrics.val;
  if (!saved) return undefined;
  const classes = manifest.labels;
  const seed = manifest.training.seed;
  let evaluated: { file: string; label: string; predicted: string; top: EvaluatedExample['top'] }[];
  if (model.modality === 'text') {
    const data = await loadTextDataset(project.classesDir);
    const byId = new Map(data.items.map((it) => [textRowId(it), it]));
    const items = { source: data.source, classes: data.classes, items: data.items.map((it) => ({ path: textRowId(it), label: it.label })), skipped: [] };
    const part = splitDataset(items, { fractions: TRAIN_DEFAULTS.split, seed })[split].items.map((it) => byId.get(it.path)).filter((it) => it !== undefined);
    const { predictions } = await predict({ model, texts: part.map((it) => it.text), topK: classes.length });
    evaluated = predictions.map((p, i) => ({ file: part[i]?.file ?? '', label: part[i]?.label ?? '', predicted: p.label, top: p.top }));
  } else {
    const data = await loadImageDataset(project.classesDir);
    const part = splitDataset(data, { fractions: TRAIN_DEFAULTS.split, seed })[split].items;
    const labelOf = new Map(part.map((it) => [it.path, it.label]));
    const { predictions } = await predict({ model, files: part.map((it) => it.path), topK: classes.length });
    evaluated = predictions.map((p) => ({ file: p.file, label: labelOf.get(p.file) ?? '', predicted: p.label, top: p.top }));
  }
  const cells: EvaluatedExample[][][] = classes.map(() => classes.map(() => []));
  for (const e of evaluated) {
    const t = classes.indexOf(e.label);
    const p = classes.indexOf(e.predicted);
    if (t >= 0 && p >= 0) cells[t]?.[p]?.push({ label: e.label, name: path.basename(e.file), predicted: e.predicted, top: e.top });
  }
  const warnings: string[] = [];
  const rebuilt = cells.map((row) => row.map((cell) => cell.length));
  if (JSON.stringify(rebuilt) !== JSON.stringify(saved.confusion)) {
    warnings.push('The examples changed since this model was trained, so the examples behind the matrix are today\'s: train again to bring them in step.');
  }
  return {
    manifest,
    split,
    metrics: saved,
    cells,
    confusionSvg: renderConfusionHeatmap(saved.confusion, classes),
    curvesHtml: renderTrainingCurves(manifest.training.history),
    warnings,
  };
}
