import { invalidOption } from '../core/index.js';
import type { FeatureSet } from '../data/index.js';
import { checkLabelledFeatures } from './feature-checks.js';

/** How far a row of probabilities may sum from 1. */
const SUM_TOLERANCE = 1e-3;

/**
 * Turns a source classifier's logits (one row of source-class scores per image) into probabilities with a
 * numerically stable softmax. Labels, files and classes are kept.
 */
export function softmaxRows(logits: FeatureSet): FeatureSet {
  const { dim } = logits;
  const values = new Float32Array(logits.values.length);
  for (let r = 0; r * dim < logits.values.length; r++) {
    const row = logits.values.subarray(r * dim, (r + 1) * dim);
    let max = -Infinity;
    for (const v of row) max = Math.max(max, v);
    let sum = 0;
    for (let k = 0; k < dim; k++) sum += Math.exp(row[k]! - max);
    for (let k = 0; k < dim; k++) values[r * dim + k] = Math.exp(row[k]! - max) / sum;
  }
  return { ...logits, values };
}

/** Checks that `probabilities` are labelled rows of non-negative numbers summing to 1 (a softmax output). */
export function checkSourceProbabilities(probabilities: FeatureSet, what: string): void {
  checkLabelledFeatures(probabilities, what);
  const { dim, values } = probabilities;
  for (let r = 0; r * dim < values.length; r++) {
    let sum = 0;
    for (let k = 0; k < dim; k++) {
      const p = values[r * dim + k]!;
      if (p < 0) throw invalidOption(`${what}: row ${r} holds a negative probability (${p}). Pass source-classifier probabilities, e.g. softmaxRows(logits).`);
      sum += p;
    }
    if (Math.abs(sum - 1) > SUM_TOLERANCE) {
      throw invalidOption(`${what}: row ${r} sums to ${sum}, not 1. Pass source-classifier probabilities, e.g. softmaxRows(logits).`);
    }
  }
}

/**
 * The empirical joint P(y, z) of target label y and source class z over the rows, and its marginal P(z): each row
 * adds its probabilities ('soft', LEEP) or a one at its most probable source class ('hard', NCE), divided by n.
 */
export function empiricalJoint(probabilities: FeatureSet, assign: 'soft' | 'hard'): { joint: Float64Array; marginal: Float64Array } {
  const { dim: z, values, labels } = probabilities;
  const n = labels.length;
  const joint = new Float64Array(probabilities.classes.length * z);
  const marginal = new Float64Array(z);
  labels.forEach((y, r) => {
    const add = (k: number, p: number) => {
      joint[y * z + k] = joint[y * z + k]! + p / n;
      marginal[k] = marginal[k]! + p / n;
    };
    if (assign === 'soft') {
      for (let k = 0; k < z; k++) add(k, values[r * z + k]!);
      return;
    }
    let best = 0;
    for (let k = 1; k < z; k++) if (values[r * z + k]! > values[r * z + best]!) best = k;
    add(best, 1);
  });
  return { joint, marginal };
}
