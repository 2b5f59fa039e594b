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

/** `grow(old, length)`: a zero-padded copy, for per-class arrays when classes are appended. */
export function grown<T extends Float64Array | Float32Array>(old: T, length: number): T {
  if (old.length >= length) return old;
  const out = new (old.constructor as new (n: number) => T)(length);
  out.set(old);
  return out;
}
