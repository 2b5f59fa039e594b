import { createEngine } from '../engines/index.js';
import type { Engine } from '../engines/index.js';
import type { FeatureSet } from '../data/index.js';
import { fitLogisticRegressionCV, foldedWeights, predictLogisticRegression, wrapDenseHead } from '../heads/index.js';
import type { Head, LogisticRegressionModel, LogisticRegressionScaling } from '../heads/index.js';

export interface FitLinearProbeOptions {
  /** 'none' keeps tf-idf-like inputs' own weighting; 'standardize' suits dense backbone features. @default 'standardize' */
  scaling?: LogisticRegressionScaling;
  /** Seeds the folds. @default 42 */
  seed?: number;
}

/** A linear probe fitted on every labelled training row, with its cross-validated accuracy. */
export interface LinearProbe {
  model: LogisticRegressionModel;
  /** Mean held-out accuracy of the folds at the chosen strength; undefined when no fold could be held out. */
  cvAccuracy: number | undefined;
  folds: number;
  l2: number;
  /** Rows fitted (train, then validation). */
  rows: number;
  /** Mean held-out accuracy and log loss per strength tried. */
  scores: { l2: number; accuracy: number; logLoss: number }[];
  /** Each fitted row's label and the class the fold fit that held it out predicted (absent without folds). */
  heldOut?: { labels: Int32Array; predictions: Int32Array };
}

/**
 * L2 strengths tried: wider at the weak end than the solver's default, because unit-length tf-idf rows (tiny values,
 * thousands of columns) want far less penalty than standardised backbone features.
 */
const GRID = [1e-5, 1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 1e-1, 1];

/** Train and validation rows as one labelled set: the probe's cross-validation holds out its own folds. */
export function joinFeatureSets(train: FeatureSet, val: FeatureSet | undefined): FeatureSet {
  if (!val || val.labels.length === 0) return train;
  const values = new Float32Array(train.values.length + val.values.length);
  values.set(train.values);
  values.set(val.values, train.values.length);
  return { values, dim: train.dim, files: [...train.files, ...val.files], labels: Int32Array.from([...train.labels, ...val.labels]), classes: train.classes };
}

/**
 * Multinomial logistic regression on train + validation, its L2 strength chosen by stratified 5-fold cross-validation
 * (the linear-probe protocol): the head every no-transfer baseline and every text-feature candidate is scored with.
 */
export function fitLinearProbe(train: FeatureSet, val: FeatureSet | undefined, options: FitLinearProbeOptions = {}): LinearProbe {
  const all = joinFeatureSets(train, val);
  const fit = fitLogisticRegressionCV(all, { grid: GRID, scaling: options.scaling ?? 'standardize', seed: options.seed ?? 42 });
  const chosen = fit.scores.find((s) => s.l2 === fit.l2);
  const heldOut = fit.folds > 0 ? { labels: all.labels, predictions: fit.heldOutPredictions } : undefined;
  return { model: fit.model, cvAccuracy: chosen?.accuracy, folds: fit.folds, l2: fit.l2, rows: all.labels.length, scores: fit.scores, ...(heldOut ? { heldOut } : {}) };
}

/** Predicted class of each row of `set`. */
export function probeClasses(probe: LinearProbe, set: FeatureSet): Int32Array {
  const c = probe.model.numClasses;
  const probs = predictLogisticRegression(probe.model, set.values, set.labels.length);
  return Int32Array.from({ length: set.labels.length }, (_, r) => {
    let best = 0;
    for (let k = 1; k < c; k++) if ((probs[r * c + k] as number) > (probs[r * c + best] as number)) best = k;
    return best;
  });
}

/** The probe as a saved-model head: one dense layer on raw features, standardisation folded into its weights. */
export async function linearProbeHead(probe: LinearProbe, engine: Engine | undefined): Promise<Head> {
  const { dim, numClasses } = probe.model;
  const trainable = await (engine ?? createEngine()).createHead({ inputDim: dim, classes: numClasses, hidden: [], dropout: 0, l2: 0, seed: 0 });
  trainable.setWeights(foldedWeights(probe.model).map((w) => Float32Array.from(w)));
  return wrapDenseHead(trainable);
}
