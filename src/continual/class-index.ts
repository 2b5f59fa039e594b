import type { FeatureSet } from '../data/index.js';

/**
 * The row labels of `set` as indices into `classes`, appending the classes `set` brings that `classes` lacks
 * (a learner's class list only grows: index c keeps meaning the same class in every version).
 */
export function mapToKnownClasses(classes: string[], set: FeatureSet): Int32Array {
  const index = set.classes.map((name) => {
    const known = classes.indexOf(name);
    if (known >= 0) return known;
    classes.push(name);
    return classes.length - 1;
  });
  return Int32Array.from(set.labels, (l) => index[l] ?? -1);
}

/** Rows of unit length (zero rows stay zero), in float64: the form the class means of ncm are taken in. */
export function unitRows(values: Float32Array, dim: number): Float64Array {
  const out = new Float64Array(values.length);
  for (let r = 0; r * dim < values.length; r++) {
    let norm = 0;
    for (let k = 0; k < dim; k++) norm += (values[r * dim + k] ?? 0) ** 2;
    const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
    for (let k = 0; k < dim; k++) out[r * dim + k] = (values[r * dim + k] ?? 0) * scale;
  }
  return out;
}

/** `grow(old, length)`: a zero-padded copy, for per-class arrays when classes are appended. */
export function grown<T extends Float64Array | Float32Array>(old: T, length: number): T {
  if (old.length >= length) return old;
  const out = new (old.constructor as new (n: number) => T)(length);
  out.set(old);
  return out;
}
