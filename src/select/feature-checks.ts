import { HeadstartError, invalidOption } from '../core/index.js';
import type { FeatureSet } from '../data/index.js';

/**
 * Checks what every estimator needs: a consistent shape, at least one row, a valid label on every row and finite
 * values. `what` names the input in messages.
 */
export function checkLabelledFeatures(features: FeatureSet, what: string): void {
  const n = features.labels.length;
  if (!Number.isInteger(features.dim) || features.dim < 1) throw invalidOption(`${what}: expected dim to be a positive integer. Received: ${String(features.dim)}.`);
  if (features.values.length !== n * features.dim) {
    throw invalidOption(`${what}: features hold ${features.values.length} values, expected ${n} rows x ${features.dim}.`);
  }
  if (n === 0) throw new HeadstartError('HS_DATASET_EMPTY', `${what}: no feature rows to score.`);
  const bad = features.labels.findIndex((l) => !(l >= 0 && l < features.classes.length));
  if (bad >= 0) {
    throw new HeadstartError('HS_DATASET_INVALID', `${what}: row ${bad} (${features.files[bad] ?? '?'}) has no valid label; transferability scores need labelled target data.`);
  }
  const nonFinite = features.values.findIndex((v) => !Number.isFinite(v));
  if (nonFinite >= 0) {
    const row = Math.floor(nonFinite / features.dim);
    throw invalidOption(`${what}: row ${row} (${features.files[row] ?? '?'}) holds a non-finite value (${features.values[nonFinite]}).`);
  }
}

/** Row indices of each class, for the classes that have at least one row. */
export function rowsByClass(labels: Int32Array): Map<number, number[]> {
  const byClass = new Map<number, number[]>();
  labels.forEach((label, row) => {
    const list = byClass.get(label);
    if (list) list.push(row);
    else byClass.set(label, [row]);
  });
  return byClass;
}

/** The 0/1 indicator vector of each class's rows, for the classes in `byClass`, in its order. */
export function classIndicators(byClass: Map<number, number[]>, n: number): Float64Array[] {
  return [...byClass.values()].map((rows) => {
    const y = new Float64Array(n);
    for (const r of rows) y[r] = 1;
    return y;
  });
}
