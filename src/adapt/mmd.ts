import { createRng, HeadstartError, invalidOption, rejectUnknownKeys, shuffleInPlace } from '../core/index.js';
import type { FeatureSet } from '../data/index.js';

export interface ComputeMmdOptions {
  /** Random relabellings of the pooled rows for the permutation test. @default 500 */
  permutations?: number;
  /** Seeds the subsampling and the permutations. @default 0 */
  seed?: number;
  /** Rows used from each side at most (a seeded random subset beyond that): the test costs (2 maxSamples)^2 per permutation. @default 500 */
  maxSamples?: number;
  /** RBF kernel width sigma in k(x, y) = exp(-|x - y|^2 / (2 sigma^2)). @default the median pairwise distance of the pooled rows */
  bandwidth?: number;
}

export const COMPUTE_MMD_DEFAULTS = { permutations: 500, seed: 0, maxSamples: 500 };

export interface MmdResult {
  /** Unbiased estimate of the squared maximum mean discrepancy; can be slightly negative when the samples match. */
  mmd2: number;
  /** Share of permutations with an MMD^2 at least as large, counting the observed one: (1 + #{>=}) / (1 + permutations). */
  pValue: number;
  /** The kernel width used. */
  bandwidth: number;
  permutations: number;
  sourceCount: number;
  targetCount: number;
}

const KNOWN_OPTIONS = ['permutations', 'seed', 'maxSamples', 'bandwidth'];

/** Up to `max` rows of a feature set, a seeded random subset when there are more. */
function sampleRows(set: FeatureSet, max: number, rng: () => number): Float32Array[] {
  const n = set.values.length / set.dim;
  const rows = Array.from({ length: n }, (_, i) => i);
  const picked = n > max ? shuffleInPlace(rows, rng).slice(0, max).sort((a, b) => a - b) : rows;
  return picked.map((r) => set.values.subarray(r * set.dim, (r + 1) * set.dim));
}

function median(values: Float64Array): number {
  const sorted = Float64Array.from(values).sort();
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Sums of the kernel over pairs i < j within the first group, within the second, and across. */
function blockSums(kernel: Float64Array, total: number, inFirst: Uint8Array): { first: number; second: number; across: number } {
  let first = 0;
  let second = 0;
  let across = 0;
  for (let i = 0; i < total; i++) {
    const row = i * total;
    const a = inFirst[i];
    for (let j = i + 1; j < total; j++) {
      const k = kernel[row + j]!;
      if (a !== inFirst[j]) across += k;
      else if (a === 1) first += k;
      else second += k;
    }
  }
  return { first, second, across };
}

/**
 * Maximum mean discrepancy between two sets of feature vectors with an RBF kernel (Gretton et al., JMLR 2012): the
 * unbiased estimate of MMD^2, and a permutation-test p-value for "both come from the same distribution". The kernel
 * width defaults to the median distance between the pooled rows.
 *
 * @throws HeadstartError `HS_INVALID_OPTION` for malformed options or feature sets of different widths;
 *   `HS_DATASET_INVALID` when a side has fewer than 2 rows.
 */
export function computeMmd(source: FeatureSet, target: FeatureSet, options: ComputeMmdOptions = {}): MmdResult {
  rejectUnknownKeys('computeMmd', options, KNOWN_OPTIONS);
  const o = { ...COMPUTE_MMD_DEFAULTS, ...options };
  if (!Number.isInteger(o.permutations) || o.permutations < 1) throw invalidOption(`Expected permutations to be a positive integer. Received: ${String(o.permutations)}.`);
  if (!Number.isInteger(o.maxSamples) || o.maxSamples < 2) throw invalidOption(`Expected maxSamples to be an integer of at least 2. Received: ${String(o.maxSamples)}.`);
  if (!Number.isInteger(o.seed)) throw invalidOption(`Expected seed to be an integer. Received: ${String(o.seed)}.`);
  if (o.bandwidth !== undefined && !(o.bandwidth > 0 && Number.isFinite(o.bandwidth))) throw invalidOption(`Expected bandwidth to be a positive number. Received: ${String(o.bandwidth)}.`);
  if (source.dim !== target.dim) throw invalidOption(`Source features have ${source.dim} dimensions, target features ${target.dim}: extract both with the same backbone and cut.`);
  const rng = createRng(o.seed);
  const rows = [...sampleRows(source, o.maxSamples, rng), ...sampleRows(target, o.maxSamples, rng)];
  const m = Math.min(source.values.length / source.dim, o.maxSamples);
  const n = rows.length - m;
  if (m < 2 || n < 2) {
    throw new HeadstartError('HS_DATASET_INVALID', `MMD needs at least 2 rows on each side; received ${m} source and ${n} target rows.`);
  }
  const total = m + n;
  const dim = source.dim;

  const norms = rows.map((r) => r.reduce((a, v) => a + v * v, 0));
  const distance2 = new Float64Array(total * total);
  const pairs = new Float64Array((total * (total - 1)) / 2);
  let p = 0;
  for (let i = 0; i < total; i++) {
    const ri = rows[i]!;
    for (let j = i + 1; j < total; j++) {
      const rj = rows[j]!;
      let dot = 0;
      for (let k = 0; k < dim; k++) dot += ri[k]! * rj[k]!;
      const d2 = Math.max(0, norms[i]! + norms[j]! - 2 * dot);
      distance2[i * total + j] = d2;
      pairs[p++] = Math.sqrt(d2);
    }
  }
  let bandwidth = o.bandwidth ?? median(pairs);
  if (!(bandwidth > 0)) {
    // Over half the pairs coincide: take the median of the distinct pairs, or any width if all rows are equal.
    const positive = pairs.filter((x) => x > 0);
    bandwidth = positive.length > 0 ? median(positive) : 1;
  }
  const kernel = new Float64Array(total * total);
  for (let i = 0; i < total; i++) {
    for (let j = i + 1; j < total; j++) kernel[i * total + j] = Math.exp(-distance2[i * total + j]! / (2 * bandwidth * bandwidth));
  }

  const statistic = (inFirst: Uint8Array): number => {
    const s = blockSums(kernel, total, inFirst);
    return (2 * s.first) / (m * (m - 1)) + (2 * s.second) / (n * (n - 1)) - (2 * s.across) / (m * n);
  };
  const membership = new Uint8Array(total);
  membership.fill(1, 0, m);
  const mmd2 = statistic(membership);
  const pool = Array.from(membership);
  let atLeast = 0;
  for (let t = 0; t < o.permutations; t++) {
    const permuted = Uint8Array.from(shuffleInPlace(pool, rng));
    // Round-off can make a relabelling that reproduces the observed split come out a hair smaller.
    if (statistic(permuted) >= mmd2 - 1e-12 * Math.abs(mmd2)) atLeast++;
  }
  return { mmd2, pValue: (1 + atLeast) / (1 + o.permutations), bandwidth, permutations: o.permutations, sourceCount: m, targetCount: n };
}
