import { HeadstartError, invalidOption, rejectUnknownKeys } from '../core/index.js';
import type { FeatureSet } from '../data/index.js';
import { symmetricEigen } from '../select/index.js';

export interface CoralAlignOptions {
  /**
   * lambda of C + lambda I, relative to each domain's mean feature variance (trace(C) / d), so one value suits any
   * feature scale; 1 on standardised features is the paper's C + I. Smaller aligns more exactly and amplifies noise
   * in low-variance directions more. @default 1
   */
  regularization?: number;
}

export const CORAL_ALIGN_DEFAULTS = { regularization: 1 };

export interface CoralAlignResult {
  /** The source rows moved into the target's statistics (labels, files and classes as in the source). */
  aligned: FeatureSet;
  /**
   * Relative Frobenius distance |C_s - C_t|_F / |C_t|_F between source and target covariances, before and after
   * alignment (0 means the same second-order statistics).
   */
  covarianceDistance: { before: number; after: number };
}

const KNOWN_OPTIONS = Object.keys(CORAL_ALIGN_DEFAULTS);

/** Column means and the unbiased covariance (d x d, row-major, float64) of n rows of d values. */
export function covarianceOf(values: Float32Array, dim: number): { mean: Float64Array; covariance: Float64Array } {
  const n = values.length / dim;
  const mean = new Float64Array(dim);
  for (let r = 0; r < n; r++) for (let k = 0; k < dim; k++) mean[k] = mean[k]! + values[r * dim + k]! / n;
  const covariance = new Float64Array(dim * dim);
  const centred = new Float64Array(dim);
  for (let r = 0; r < n; r++) {
    for (let k = 0; k < dim; k++) centred[k] = values[r * dim + k]! - mean[k]!;
    for (let i = 0; i < dim; i++) {
      const ci = centred[i]!;
      if (ci === 0) continue;
      const row = i * dim;
      for (let j = i; j < dim; j++) covariance[row + j] = covariance[row + j]! + ci * centred[j]!;
    }
  }
  const scale = 1 / Math.max(1, n - 1);
  for (let i = 0; i < dim; i++) {
    for (let j = i; j < dim; j++) {
      const c = covariance[i * dim + j]! * scale;
      covariance[i * dim + j] = c;
      covariance[j * dim + i] = c;
    }
  }
  return { mean, covariance };
}

/** |A - B|_F / |B|_F for two matrices of the same size. */
export function relativeFrobeniusDistance(a: Float64Array, b: Float64Array): number {
  let diff = 0;
  let norm = 0;
  for (let i = 0; i < a.length; i++) {
    diff += (a[i]! - b[i]!) ** 2;
    norm += b[i]! ** 2;
  }
  return norm > 0 ? Math.sqrt(diff / norm) : Math.sqrt(diff);
}

/** (C + lambda I)^power for a symmetric positive semi-definite C, through its eigendecomposition. */
function regularizedPower(covariance: Float64Array, dim: number, lambda: number, power: number): Float64Array {
  // Decompose C + lambda I itself: no eigenvalue near 0, which the QL iteration converges on slowly.
  const shifted = Float64Array.from(covariance);
  for (let i = 0; i < dim; i++) shifted[i * dim + i] = shifted[i * dim + i]! + lambda;
  const { values, vectors } = symmetricEigen(shifted, dim);
  // Round-off can leave eigenvalues a hair below lambda on a rank-deficient covariance; C is semi-definite.
  const scaled = Float64Array.from(values, (l) => Math.max(l, lambda) ** power);
  const out = new Float64Array(dim * dim);
  for (let e = 0; e < dim; e++) {
    const s = scaled[e]!;
    const u = vectors.subarray(e * dim, (e + 1) * dim);
    for (let i = 0; i < dim; i++) {
      const sui = s * u[i]!;
      if (sui === 0) continue;
      const row = i * dim;
      for (let j = 0; j < dim; j++) out[row + j] = out[row + j]! + sui * u[j]!;
    }
  }
  return out;
}

function multiply(a: Float64Array, b: Float64Array, dim: number): Float64Array {
  const out = new Float64Array(dim * dim);
  for (let i = 0; i < dim; i++) {
    for (let k = 0; k < dim; k++) {
      const aik = a[i * dim + k]!;
      if (aik === 0) continue;
      for (let j = 0; j < dim; j++) out[i * dim + j] = out[i * dim + j]! + aik * b[k * dim + j]!;
    }
  }
  return out;
}

function meanVariance(covariance: Float64Array, dim: number): number {
  let trace = 0;
  for (let i = 0; i < dim; i++) trace += covariance[i * dim + i]!;
  return trace / dim;
}

/**
 * CORAL, correlation alignment (Sun, Feng and Saenko, "Return of Frustratingly Easy Domain Adaptation", AAAI 2016):
 * whiten the centred source rows with (C_s + lambda I)^-1/2, re-colour them with (C_t + lambda I)^1/2, and move them
 * to the target mean, so that a classifier trained on the aligned source sees the target's first- and second-order
 * statistics. Closed form, no training; target labels are not read.
 *
 * @throws HeadstartError `HS_INVALID_OPTION` for a bad regularisation or feature sets of different widths;
 *   `HS_DATASET_INVALID` when a side has fewer than 2 rows.
 */
export function coralAlign(source: FeatureSet, target: FeatureSet, options: CoralAlignOptions = {}): CoralAlignResult {
  rejectUnknownKeys('coralAlign', options, KNOWN_OPTIONS);
  const { regularization } = { ...CORAL_ALIGN_DEFAULTS, ...options };
  if (!(regularization > 0 && Number.isFinite(regularization))) throw invalidOption(`Expected regularization to be a positive number. Received: ${String(regularization)}.`);
  if (source.dim !== target.dim) throw invalidOption(`Source features have ${source.dim} dimensions, target features ${target.dim}: extract both with the same backbone and cut.`);
  const dim = source.dim;
  const ns = source.values.length / dim;
  const nt = target.values.length / dim;
  if (ns < 2 || nt < 2) throw new HeadstartError('HS_DATASET_INVALID', `CORAL needs at least 2 rows on each side to estimate covariances; received ${ns} source and ${nt} target rows.`);
  const s = covarianceOf(source.values, dim);
  const t = covarianceOf(target.values, dim);
  const whiten = regularizedPower(s.covariance, dim, regularization * meanVariance(s.covariance, dim), -0.5);
  const recolour = regularizedPower(t.covariance, dim, regularization * meanVariance(t.covariance, dim), 0.5);
  // Both factors are symmetric, so row x maps to x A with A = whiten * recolour.
  const transform = multiply(whiten, recolour, dim);
  const aligned = new Float32Array(source.values.length);
  const centred = new Float64Array(dim);
  for (let r = 0; r < ns; r++) {
    for (let k = 0; k < dim; k++) centred[k] = source.values[r * dim + k]! - s.mean[k]!;
    for (let j = 0; j < dim; j++) {
      let sum = t.mean[j]!;
      for (let k = 0; k < dim; k++) sum += centred[k]! * transform[k * dim + j]!;
      aligned[r * dim + j] = sum;
    }
  }
  const after = covarianceOf(aligned, dim);
  return {
    aligned: { ...source, values: aligned, labels: Int32Array.from(source.labels), files: [...source.files] },
    covarianceDistance: {
      before: relativeFrobeniusDistance(s.covariance, t.covariance),
      after: relativeFrobeniusDistance(after.covariance, t.covariance),
    },
  };
}
