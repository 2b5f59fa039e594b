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
