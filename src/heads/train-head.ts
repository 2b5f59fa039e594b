import { HeadstartError, createRng, invalidChoice, invalidOption, rejectUnknownKeys, shuffleInPlace, throwIfAborted } from '../core/index.js';
import type { ProgressCallback } from '../core/index.js';
import type { FeatureSet } from '../data/index.js';
import { createEngine } from '../engines/index.js';
import type { Engine, TrainableHead } from '../engines/index.js';
import { probabilityAccuracy } from './accuracy.js';
import { earlyStopping } from './callbacks.js';
import type { Callback, EpochRecord, TrainContext } from './callbacks.js';
import { featureStats, foldStandardization, standardize, unfoldStandardization, wrapDenseHead } from './dense-head.js';
import { HEAD_KINDS } from './head.js';
import { fitLogisticRegression, fitLogisticRegressionCV, foldedWeights } from './logistic-regression.js';
import type { Head, HeadKind } from './head.js';
import { classPrototypes, createKnnHead, createPrototypeHead } from './similarity-heads.js';

export interface TrainHeadOptions {
  /** Head architecture. @default 'linear' */
  kind?: HeadKind;
  /**
   * Validation features: enables per-epoch validation metrics and early stopping. The 'logistic' head fits on train
   * and val together, choosing its strength by cross-validation.
   */
  val?: FeatureSet;
  /** Maximum epochs (linear and mlp). @default 100 */
  epochs?: number;
  /** @default 32 */
  batchSize?: number;
  /** Adam step size. @default 0.003 */
  learningRate?: number;
  /**
   * L2 penalty on dense kernels, on standardised features. For 'logistic', giving it fixes the strength (no
   * cross-validation). @default 0.01 ('logistic': chosen by cross-validation)
   */
  weightDecay?: number;
  /** Hidden layer widths of the mlp head. @default [256] */
  hidden?: number[];
  /** Dropout before the output layer of the mlp head. @default 0.5 */
  dropout?: number;
  /** @default 0 */
  labelSmoothing?: number;
  /** Epochs without validation improvement before stopping (needs `val`). @default 15 */
  patience?: number;
  /** Neighbours of the knn head. @default 5 */
  k?: number;
  /** Softmax temperature of the prototype head (similarities are in [-1, 1]). @default 0.05 */
  temperature?: number;
  /** Seeds initialisation, dropout and batch order. @default 42 */
  seed?: number;
  /**
   * Linear head: start from these weights ([kernel [dim, classes], bias], on raw features, as getWeights() returns
   * them) instead of a random initialisation. A head started so may train on one class (it knows the others).
   */
  initialWeights?: Float32Array[];
  /** @default createEngine() */
  engine?: Engine;
  callbacks?: Callback[];
  signal?: AbortSignal;
  onProgress?: ProgressCallback;
}

export interface TrainHeadResult {
  head: Head;
  history: EpochRecord[];
  /** The 'logistic' head: how its strength was chosen, and the held-out predictions that estimate its accuracy. */
  crossValidation?: HeadCrossValidation;
  /** Why training ended before `epochs`, if it did. */
  stoppedReason?: string;
  durationMs: number;
}

export interface HeadCrossValidation {
  /** 0 when the strength was given (weightDecay: fitted on train only) or no class had two rows to hold one out. */
  folds: number;
  l2: number;
  scores: { l2: number; accuracy: number; logLoss: number }[];
  /** The rows the head was fitted on (train, then val when cross-validating), as one set. */
  fitted: FeatureSet;
  /** Per row of `fitted`: the class predicted by the fold fit that held it out (-1 without folds). */
  heldOutPredictions: Int32Array;
  converged: boolean;
}

export const TRAIN_HEAD_DEFAULTS = {
  kind: 'linear' as HeadKind,
  epochs: 100,
  batchSize: 32,
  learningRate: 0.003,
  weightDecay: 0.01,
  hidden: [256],
  dropout: 0.5,
  labelSmoothing: 0,
  patience: 15,
  k: 5,
  temperature: 0.05,
  seed: 42,
};

const KNOWN_OPTIONS = [...Object.keys(TRAIN_HEAD_DEFAULTS), 'initialWeights', 'val', 'engine', 'callbacks', 'signal', 'onProgress'];

/** Each numeric option with the range it must lie in; a bad value fails before any work starts. */
function checkNumbers(o: typeof TRAIN_HEAD_DEFAULTS): void {
  const ranges: [keyof typeof TRAIN_HEAD_DEFAULTS, number, number, boolean][] = [
    // name, min, max, integer
    ['epochs', 1, Infinity, true],
    ['batchSize', 1, Infinity, true],
    ['learningRate', Number.MIN_VALUE, Infinity, false],
    ['weightDecay', 0, Infinity, false],
    ['dropout', 0, 0.999, false],
    ['labelSmoothing', 0, 0.999, false],
    ['patience', 1, Infinity, true],
    ['k', 1, Infinity, true],
    ['temperature', Number.MIN_VALUE, Infinity, false],
  ];
  for (const [name, min, max, integer] of ranges) {
    const v = o[name] as number;
    if (typeof v !== 'number' || !(v >= min && v <= max) || (integer && !Number.isInteger(v))) {
      throw invalidOption(`Expected ${name} to be ${integer ? 'an integer' : 'a number'} from ${min === Number.MIN_VALUE ? 'above 0' : min}${max === Infinity ? ' up' : ` to ${max}`}. Received: ${String(v)}.`);
    }
  }
  if (!Array.isArray(o.hidden) || !o.hidden.every((h) => Number.isInteger(h) && h > 0)) {
    throw invalidOption(`Expected hidden to list positive integer layer widths. Received: ${JSON.stringify(o.hidden)}.`);
  }
}

function checkFeatureSet(set: FeatureSet, what: string, dim?: number): void {
  const n = set.labels.length;
  if (set.values.length !== n * set.dim) throw invalidOption(`${what} features hold ${set.values.length} values, expected ${n} rows x ${set.dim}.`);
  if (dim !== undefined && set.dim !== dim) throw invalidOption(`${what} features have ${set.dim} dimensions; the training features have ${dim}.`);
  const bad = set.labels.findIndex((l) => l < 0 || l >= set.classes.length);
  if (bad >= 0) throw new HeadstartError('HS_DATASET_INVALID', `${what} row ${bad} (${set.files[bad] ?? '?'}) has no valid label.`);
}

function checkInitialWeights(weights: Float32Array[], kind: HeadKind, dim: number, classes: number): void {
  const [kernel, bias] = weights;
  if (kind !== 'linear' || weights.length !== 2 || kernel?.length !== dim * classes || bias?.length !== classes) {
    throw invalidOption(`initialWeights must be a linear head's [kernel, bias] for ${dim} features and ${classes} classes. Received ${kind} head weights of lengths ${weights.map((w) => w.length).join(', ')}.`);
  }
}

/** Train and val rows as one feature set (the val rows after the train rows). */
function joinSets(train: FeatureSet, val: FeatureSet | undefined): FeatureSet {
  if (!val || val.labels.length === 0) return train;
  return {
    values: Float32Array.from([...train.values, ...val.values]),
    dim: train.dim,
    files: [...train.files, ...val.files],
    labels: Int32Array.from([...train.labels, ...val.labels]),
    classes: train.classes,
  };
}

/**
 * The linear probe, held by the engine as a dense layer taking raw features: logistic regression on train + val with
 * its strength chosen by cross-validation; or, with a given strength, on train alone (val stays a held-out set).
 */
async function trainLogisticHead(train: FeatureSet, val: FeatureSet | undefined, l2: number | undefined, engine: Engine, seed: number, started: number): Promise<TrainHeadResult> {
  const fitted = l2 === undefined ? joinSets(train, val) : train;
  const fit = l2 === undefined ? fitLogisticRegressionCV(fitted, { seed }) : undefined;
  const model = fit?.model ?? fitLogisticRegression(fitted, { l2: l2 as number });
  const trainable = await engine.createHead({ inputDim: train.dim, classes: train.classes.length, hidden: [], dropout: 0, l2: 0, seed });
  trainable.setWeights(foldedWeights(model).map((w) => Float32Array.from(w)));
  const crossValidation: HeadCrossValidation = {
    folds: fit?.folds ?? 0,
    l2: model.l2,
    scores: fit?.scores ?? [],
    fitted,
    heldOutPredictions: fit?.heldOutPredictions ?? new Int32Array(fitted.labels.length).fill(-1),
    converged: model.converged,
  };
  return { head: { ...wrapDenseHead(trainable), kind: 'logistic' }, history: [], crossValidation, durationMs: performance.now() - started };
}

/** Trains a classifier head on feature vectors: the "new head on a frozen backbone" step of transfer learning. */
export async function trainHead(train: FeatureSet, options: TrainHeadOptions = {}): Promise<TrainHeadResult> {
  rejectUnknownKeys('trainHead', options, KNOWN_OPTIONS);
  const o = { ...TRAIN_HEAD_DEFAULTS, ...options };
  if (!HEAD_KINDS.includes(o.kind)) throw invalidChoice('kind', o.kind, HEAD_KINDS);
  checkNumbers(o);
  checkFeatureSet(train, 'Training');
  if (o.val) checkFeatureSet(o.val, 'Validation', train.dim);
  const present = new Set(train.labels);
  if (o.initialWeights) checkInitialWeights(o.initialWeights, o.kind, train.dim, train.classes.length);
  if (present.size < 2 && !o.initialWeights) throw new HeadstartError('HS_DATASET_INVALID', `Training features hold ${present.size} class; a classifier needs at least 2.`);
  const started = performance.now();
  const { dim } = train;
  const numClasses = train.classes.length;

  if (o.kind === 'knn') return { head: createKnnHead(train.values, train.labels, dim, numClasses, o.k), history: [], durationMs: performance.now() - started };
  if (o.kind === 'prototype') {
    const head = createPrototypeHead(classPrototypes(train.values, train.labels, dim, numClasses), dim, numClasses, o.temperature);
    return { head, history: [], durationMs: performance.now() - started };
  }

  const engine = o.engine ?? createEngine();
  if (o.kind === 'logistic') return trainLogisticHead(train, o.val, options.weightDecay, engine, o.seed, started);
  const trainable: TrainableHead = await engine.createHead({
    inputDim: dim,
    classes: numClasses,
    hidden: o.kind === 'mlp' ? o.hidden : [],
    dropout: o.kind === 'mlp' ? o.dropout : 0,
    l2: o.weightDecay,
    seed: o.seed,
  });
  try {
    // Standardised inputs make one learning rate and one weight decay work across backbones and cut layers.
    const stats = featureStats(train.values, dim);
    const x = standardize(train.values, dim, stats);
    const valX = o.val ? standardize(o.val.values, dim, stats) : undefined;
    if (o.initialWeights) trainable.setWeights(unfoldStandardization(o.initialWeights, dim, stats));
    const history: EpochRecord[] = [];
    let stoppedReason: string | undefined;
    const ctx: TrainContext = {
      stop: (reason) => {
        stoppedReason = reason;
      },
      getWeights: () => trainable.getWeights(),
      setWeights: (w) => trainable.setWeights(w),
      history,
    };
    const callbacks = [...(o.val ? [earlyStopping({ patience: o.patience })] : []), ...(o.callbacks ?? [])];
    for (const cb of callbacks) await cb.onTrainBegin?.(ctx);

    const rng = createRng(o.seed);
    const order = Array.from(train.labels, (_, i) => i);
    const n = order.length;
    for (let epoch = 1; epoch <= o.epochs && stoppedReason === undefined; epoch++) {
      throwIfAborted(o.signal);
      shuffleInPlace(order, rng);
      let lossSum = 0;
      for (let start = 0; start < n; start += o.batchSize) {
        const rows = order.slice(start, start + o.batchSize);
        const bx = new Float32Array(rows.length * dim);
        rows.forEach((r, j) => bx.set(x.subarray(r * dim, (r + 1) * dim), j * dim));
        const by = Int32Array.from(rows, (r) => train.labels[r] ?? 0);
        lossSum += (await trainable.trainBatch(bx, by, { learningRate: o.learningRate, labelSmoothing: o.labelSmoothing })) * rows.length;
      }
      const record: EpochRecord = { epoch, loss: lossSum / n, trainAccuracy: probabilityAccuracy(await trainable.predict(x, n), train.labels, numClasses) };
      if (o.val && valX) {
        record.valLoss = await trainable.evaluateLoss(valX, o.val.labels);
        record.valAccuracy = probabilityAccuracy(await trainable.predict(valX, o.val.labels.length), o.val.labels, numClasses);
      }
      history.push(record);
      o.onProgress?.({ stage: 'epoch', epoch, epochs: o.epochs, loss: record.loss, valLoss: record.valLoss, valAccuracy: record.valAccuracy });
      for (const cb of callbacks) await cb.onEpochEnd?.(ctx, record);
    }
    for (const cb of callbacks) await cb.onTrainEnd?.(ctx);
    trainable.setWeights(foldStandardization(trainable.getWeights(), dim, stats));
    return { head: wrapDenseHead(trainable), history, stoppedReason, durationMs: performance.now() - started };
  } catch (err) {
    trainable.dispose();
    throw err;
  }
}
