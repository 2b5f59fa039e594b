import type { FeatureSet } from './types.js';

/**
 * The rows of `features` that belong to `files`, in the order of `files`; files without a row (skipped as
 * unreadable) are left out. How one extraction over a whole dataset serves its train, validation and test parts.
 */
export function selectFeatureRows(features: FeatureSet, files: readonly string[]): FeatureSet {
  const rowOf = new Map(features.files.map((f, i) => [f, i]));
  const rows = files.map((f) => rowOf.get(f)).filter((r): r is number => r !== undefined);
  const { dim } = features;
  const values = new Float32Array(rows.length * dim);
  rows.forEach((r, j) => values.set(features.values.subarray(r * dim, (r + 1) * dim), j * dim));
  return {
    values,
    dim,
    files: rows.map((r) => features.files[r] ?? ''),
    labels: Int32Array.from(rows, (r) => features.labels[r] ?? -1),
    classes: features.classes,
  };
}
