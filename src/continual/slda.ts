import { createEngine } from '../engines/index.js';
import type { FeatureSet } from '../data/index.js';
import type { Head } from '../heads/index.js';
import { createLinearHead } from '../heads/index.js';
import { solveSpd } from './cholesky.js';
import { grown, mapToKnownClasses } from './class-index.js';
import type { ContinualLearner, ContinualOptions, LearnContext } from './learner.js';
import { writeStateFiles } from './state-file.js';

/** Sufficient statistics of LDA: per-class sums and counts, and the sum of x xᵀ over every row seen. */
export interface SldaState {
  classes: string[];
  sums: Float64Array;
  counts: Float64Array;
  /** dim x dim, row-major. */
  secondMoment: Float64Array;
}

/** The linear classifier of LDA: scores x W + b, W [dim, classes] row-major, in float64. */
export interface LdaSolution {
  kernel: Float64Array;
  bias: Float64Array;
}

/**
 * LDA from its sufficient statistics: the shared within-class covariance Σ = (Σx xᵀ - Σ_k s_k s_kᵀ / n_k) / N,
 * shrunk to (1 - s) Σ + s (tr Σ / d) I (s by OAS unless given), its inverse Λ, and per class w_k = Λ μ_k, b_k = -½ μ_kᵀ Λ μ_k.
 */
export function solveLda(state: SldaState, dim: number, shrinkage: number | 'auto'): LdaSolution {
  const numClasses = state.classes.length;
  const total = state.counts.reduce((a, b) => a + b, 0);
  const cov = new Float64Array(dim * dim);
  for (let i = 0; i < dim * dim; i++) cov[i] = state.secondMoment[i] ?? 0;
  const means = new Float64Array(dim * numClasses);
  for (let c = 0; c < numClasses; c++) {
    const n = state.counts[c] ?? 0;
    if (n === 0) continue;
    for (let i = 0; i < dim; i++) {
      const si = state.sums[c * dim + i] ?? 0;
      means[i * numClasses + c] = si / n;
      for (let j = 0; j < dim; j++) cov[i * dim + j] = (cov[i * dim + j] ?? 0) - (si * (state.sums[c * dim + j] ?? 0)) / n;
    }
  }
  const n = Math.max(1, total);
  let trace = 0;
  let traceOfSquare = 0;
  for (let i = 0; i < dim; i++) trace += (cov[i * dim + i] ?? 0) / n;
  for (let i = 0; i < dim * dim; i++) traceOfSquare += ((cov[i] ?? 0) / n) ** 2;
  const s = shrinkage === 'auto' ? oasShrinkage(trace, traceOfSquare, dim, n) : shrinkage;
  // A zero trace (constant features) still needs a positive definite matrix: fall back to the identity.
  const ridge = s * (trace > 0 ? trace / dim : 1);
  for (let i = 0; i < dim * dim; i++) cov[i] = ((1 - s) * (cov[i] ?? 0)) / n;
  for (let i = 0; i < dim; i++) cov[i * dim + i] = (cov[i * dim + i] ?? 0) + ridge;
  const kernel = solveSpd(cov, dim, means, numClasses);
  const bias = new Float64Array(numClasses);
  for (let c = 0; c < numClasses; c++) {
    let quad = 0;
    for (let i = 0; i < dim; i++) quad += (means[i * numClasses + c] ?? 0) * (kernel[i * numClasses + c] ?? 0);
    bias[c] = -0.5 * quad;
  }
  return { kernel, bias };
}

/**
 * The Oracle Approximating Shrinkage intensity (Chen, Wiesel, Eldar & Hero 2010) towards (tr S / p) I, from the
 * trace of the covariance S and of S², the dimension p and the sample count n: little shrinkage when there are many
 * examples per dimension (26-d MFCC statistics of 2,700 clips), much when there are few (1024-d image features of 250
 * photos). It needs only the sufficient statistics, so it stays exact and order-independent.
 */
export function oasShrinkage(trace: number, traceOfSquare: number, p: number, n: number): number {
  const denominator = (n + 1 - 2 / p) * (traceOfSquare - (trace * trace) / p);
  if (!(denominator > 0)) return 1;
  return Math.min(1, ((1 - 2 / p) * traceOfSquare + trace * trace) / denominator);
}

/** Adds the rows of a feature set (labels already mapped to the state's classes) to the statistics. */
function accumulate(state: SldaState, values: Float32Array, labels: Int32Array, dim: number): void {
  const row = new Float64Array(dim);
  labels.forEach((c, r) => {
    state.counts[c] = (state.counts[c] ?? 0) + 1;
    for (let k = 0; k < dim; k++) {
      row[k] = values[r * dim + k] ?? 0;
      state.sums[c * dim + k] = (state.sums[c * dim + k] ?? 0) + (row[k] ?? 0);
    }
    // Upper triangle only; mirrored below, once per update.
    for (let i = 0; i < dim; i++) {
      const xi = row[i] ?? 0;
      if (xi === 0) continue;
      const base = i * dim;
      for (let j = i; j < dim; j++) state.secondMoment[base + j] = (state.secondMoment[base + j] ?? 0) + xi * (row[j] ?? 0);
    }
  });
  for (let i = 0; i < dim; i++) for (let j = i + 1; j < dim; j++) state.secondMoment[j * dim + i] = state.secondMoment[i * dim + j] ?? 0;
}

/**
 * Streaming LDA (Hayes & Kanan, "Lifelong machine learning with deep streaming linear discriminant analysis",
 * CVPR-W 2020) with exact sufficient statistics instead of running averages: any order and any grouping of updates
 * gives the batch solution. The head is linear (a dense softmax head), so predict, eval and export treat it as any
 * linear head.
 */
export function createSldaLearner(dim: number, options: Required<ContinualOptions>, initial?: SldaState): ContinualLearner {
  const state: SldaState = initial
    ? { ...initial, classes: [...initial.classes] }
    : { classes: [], sums: new Float64Array(0), counts: new Float64Array(0), secondMoment: new Float64Array(dim * dim) };
  return {
    strategy: 'slda',
    dim,
    options,
    classes: state.classes,
    async learn(set: FeatureSet, context: LearnContext = {}): Promise<Head> {
      const labels = mapToKnownClasses(state.classes, set);
      state.sums = grown(state.sums, state.classes.length * dim);
      state.counts = grown(state.counts, state.classes.length);
      accumulate(state, set.values, labels, dim);
      const { kernel, bias } = solveLda(state, dim, options.shrinkage);
      return createLinearHead(Float32Array.from(kernel), Float32Array.from(bias), context.engine ?? createEngine());
    },
    memory: () => ({
      bytes: state.sums.byteLength + state.counts.byteLength + state.secondMoment.byteLength,
      keeps: `per-class sums and counts (${state.classes.length} x ${dim} float64) and the sum of feature outer products (${dim} x ${dim} float64)`,
      storesExamples: false,
    }),
    save: (dir, meta = {}) =>
      writeStateFiles(dir, { strategy: 'slda', dim, classes: state.classes, options, meta }, [
        { name: 'sums', data: state.sums },
        { name: 'counts', data: state.counts },
        { name: 'secondMoment', data: state.secondMoment },
      ]),
  };
}
