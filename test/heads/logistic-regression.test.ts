import { describe, expect, it } from 'vitest';
import { HeadstartError, fitLogisticRegression, fitLogisticRegressionCV, predictLogisticRegression } from '../../src/index.js';
import type { FeatureSet, LogisticRegressionModel } from '../../src/index.js';
import { createRng } from '../../src/core/index.js';

/**
 * `classes` Gaussian blobs: class c is shifted by `separation` on feature c, every feature has unit noise plus an
 * offset of 5 (so standardisation matters). With `spread`, class c is instead shifted by c * `separation` on every
 * feature (a signal spread thinly over all of them). With `keep` < 1, each value is zeroed with probability 1 - keep (a sparse
 * design, which the solver holds as compressed rows).
 */
function blobs(perClass: number, dim: number, classes: number, options: { seed: number; separation?: number; keep?: number; spread?: boolean }): FeatureSet {
  const { seed, separation = 2, keep = 1, spread = false } = options;
  const rng = createRng(seed);
  const normal = () => Math.sqrt(-2 * Math.log(rng() + 1e-12)) * Math.cos(2 * Math.PI * rng());
  const values = new Float32Array(perClass * classes * dim);
  const labels = new Int32Array(perClass * classes);
  for (let r = 0; r < labels.length; r++) {
    const c = r % classes;
    labels[r] = c;
    for (let k = 0; k < dim; k++) {
      const v = normal() + (spread ? c * separation : k === c ? separation : 0) + 5;
      values[r * dim + k] = rng() < keep ? v : 0;
    }
  }
  return { values, dim, labels, classes: Array.from({ length: classes }, (_, c) => `class-${c}`), files: Array.from(labels, (_, r) => `row-${r}`) };
}

/** Independent float64 gradient of mean cross-entropy + l2/2 |W|^2 at the model's weights, on its standardisation. */
function objectiveGradientNorm(model: LogisticRegressionModel, set: FeatureSet): number {
  const { dim, numClasses: C } = model;
  const gW = new Float64Array(dim * C);
  const gb = new Float64Array(C);
  const rows = [...set.labels.keys()].filter((r) => (set.labels[r] as number) >= 0);
  for (const r of rows) {
    const z = Array.from({ length: dim }, (_, k) => ((set.values[r * dim + k] as number) - (model.mean[k] as number)) / (model.scale[k] as number));
    const logits = Array.from({ length: C }, (_, c) => z.reduce((s, x, k) => s + x * (model.kernel[k * C + c] as number), model.bias[c] as number));
    const max = Math.max(...logits);
    const e = logits.map((l) => Math.exp(l - max));
    const sum = e.reduce((a, b) => a + b, 0);
    for (let c = 0; c < C; c++) {
      const residual = ((e[c] as number) / sum - (c === set.labels[r] ? 1 : 0)) / rows.length;
      gb[c] = (gb[c] as number) + residual;
      for (let k = 0; k < dim; k++) gW[k * C + c] = (gW[k * C + c] as number) + residual * (z[k] as number);
    }
  }
  let sq = 0;
  gW.forEach((g, i) => (sq += (g + model.l2 * (model.kernel[i] as number)) ** 2));
  gb.forEach((g) => (sq += g * g));
  return Math.sqrt(sq);
}

/**
 * Binary logistic regression by Newton's method on features standardised like the solver's (population standard
 * deviation + 1e-3). A two-class softmax with penalty l2/2 (|w0|^2 + |w1|^2) is this model with w = w1 - w0 and
 * penalty l2/4 |w|^2, its optimum having w0 = -w1.
 */
function newtonBinary(set: FeatureSet, l2: number): (values: Float32Array, count: number) => number[] {
  const { dim } = set;
  const n = set.labels.length;
  const mean = Array.from({ length: dim }, (_, k) => set.labels.reduce((s, _l, r) => s + (set.values[r * dim + k] as number), 0) / n);
  const std = mean.map((m, k) => Math.sqrt(set.labels.reduce((s, _l, r) => s + ((set.values[r * dim + k] as number) - m) ** 2, 0) / n) + 1e-3);
  const row = (values: Float32Array, r: number) => [...Array.from({ length: dim }, (_, k) => ((values[r * dim + k] as number) - (mean[k] as number)) / (std[k] as number)), 1];
  const x = Array.from({ length: n }, (_, r) => row(set.values, r));
  const p = dim + 1;
  const theta = new Array<number>(p).fill(0);
  for (let iteration = 0; iteration < 50; iteration++) {
    const grad = new Array<number>(p).fill(0);
    const hess = Array.from({ length: p }, () => new Array<number>(p).fill(0));
    x.forEach((xi, r) => {
      const q = 1 / (1 + Math.exp(-xi.reduce((s, v, j) => s + v * (theta[j] as number), 0)));
      const y = set.labels[r] === 1 ? 1 : 0;
      for (let a = 0; a < p; a++) {
        grad[a] = (grad[a] as number) + ((q - y) * (xi[a] as number)) / n;
        for (let b = 0; b < p; b++) (hess[a] as number[])[b] = ((hess[a] as number[])[b] as number) + (q * (1 - q) * (xi[a] as number) * (xi[b] as number)) / n;
      }
    });
    for (let a = 0; a < dim; a++) {
      grad[a] = (grad[a] as number) + (l2 / 2) * (theta[a] as number);
      (hess[a] as number[])[a] = ((hess[a] as number[])[a] as number) + l2 / 2;
    }
    // Solve hess * step = grad by Gaussian elimination with partial pivoting.
    const m = hess.map((h, a) => [...h, grad[a] as number]);
    for (let col = 0; col < p; col++) {
      let pivot = col;
      for (let r = col + 1; r < p; r++) if (Math.abs((m[r] as number[])[col] as number) > Math.abs((m[pivot] as number[])[col] as number)) pivot = r;
      [m[col], m[pivot]] = [m[pivot] as number[], m[col] as number[]];
      for (let r = 0; r < p; r++) {
        if (r === col) continue;
        const f = ((m[r] as number[])[col] as number) / ((m[col] as number[])[col] as number);
        for (let c = col; c <= p; c++) (m[r] as number[])[c] = ((m[r] as number[])[c] as number) - f * ((m[col] as number[])[c] as number);
      }
    }
    for (let a = 0; a < p; a++) theta[a] = (theta[a] as number) - ((m[a] as number[])[p] as number) / ((m[a] as number[])[a] as number);
  }
  return (values, count) => Array.from({ length: count }, (_, r) => 1 / (1 + Math.exp(-row(values, r).reduce((s, v, j) => s + v * (theta[j] as number), 0))));
}

describe('fitLogisticRegression', () => {
  it('reaches a point where the independently computed gradient of its objective is zero (dense and sparse inputs)', () => {
    for (const keep of [1, 0.15]) {
      const set = blobs(30, 12, 3, { seed: 1, keep });
      const model = fitLogisticRegression(set, { l2: 0.05 });
      expect(model.converged).toBe(true);
      expect(objectiveGradientNorm(model, set)).toBeLessThan(1e-5);
    }
  });

  it('matches a binary Newton solution of the same penalised problem', () => {
    const train = blobs(25, 4, 2, { seed: 2, separation: 1 });
    const test = blobs(10, 4, 2, { seed: 3, separation: 1 });
    for (const l2 of [0.01, 1]) {
      const model = fitLogisticRegression(train, { l2 });
      const ours = predictLogisticRegression(model, test.values, test.labels.length);
      const newton = newtonBinary(train, l2)(test.values, test.labels.length);
      newton.forEach((q, r) => expect(ours[2 * r + 1]).toBeCloseTo(q, 5));
    }
  });

  it('ignores unlabelled rows, is deterministic, and rejects bad input with a clear error', () => {
    const set = blobs(20, 5, 3, { seed: 4 });
    const withUnlabelled: FeatureSet = {
      ...set,
      values: Float32Array.from([...set.values, ...new Array<number>(5).fill(99)]),
      labels: Int32Array.from([...set.labels, -1]),
      files: [...set.files, 'unlabelled'],
    };
    const a = fitLogisticRegression(set, { l2: 0.1 });
    const b = fitLogisticRegression(withUnlabelled, { l2: 0.1 });
    expect(Array.from(b.kernel)).toEqual(Array.from(a.kernel));
    expect(Array.from(b.bias)).toEqual(Array.from(a.bias));

    const oneClass = { ...set, labels: new Int32Array(set.labels.length) };
    expect(() => fitLogisticRegression(oneClass, { l2: 0.1 })).toThrow(HeadstartError);
    expect(() => fitLogisticRegression(set, { l2: -1 })).toThrow(/l2/);
    expect(() => fitLogisticRegression(set, { l2: 1, maxIter: 3 } as never)).toThrow(/maxIter/);
  });
});

describe('fitLogisticRegressionCV', () => {
  it('chooses a strong penalty for few noisy wide rows and a weak one for many clean rows, then refits on all rows', () => {
    // 20 rows per class in 100 dimensions, each shifted by only 0.25 between the classes: the class-mean direction
    // (what a strong penalty gives) separates them well, while a weak penalty fits the noise of 32 rows.
    const noisy = fitLogisticRegressionCV(blobs(20, 100, 2, { seed: 5, separation: 0.25, spread: true }));
    // 100 rows per class in 3 dimensions, well separated: a strong penalty only shrinks useful weights.
    const clean = fitLogisticRegressionCV(blobs(100, 3, 2, { seed: 6, separation: 3 }));
    expect(noisy.l2).toBeGreaterThanOrEqual(1);
    expect(clean.l2).toBeLessThanOrEqual(0.01);
    for (const result of [noisy, clean]) {
      const best = Math.max(...result.scores.map((s) => s.accuracy));
      expect(result.scores.find((s) => s.l2 === result.l2)?.accuracy).toBe(best);
      expect(result.model.l2).toBe(result.l2);
      expect(result.folds).toBe(5);
    }
  });

  it('gives identical results on identical input and beats chance on held-out blobs', () => {
    const train = blobs(20, 16, 4, { seed: 7, separation: 3 });
    const test = blobs(20, 16, 4, { seed: 8, separation: 3 });
    const a = fitLogisticRegressionCV(train, { folds: 3 });
    const b = fitLogisticRegressionCV(train, { folds: 3 });
    expect(Array.from(a.model.kernel)).toEqual(Array.from(b.model.kernel));
    expect(a.scores).toEqual(b.scores);
    const probs = predictLogisticRegression(a.model, test.values, test.labels.length);
    let correct = 0;
    test.labels.forEach((label, r) => {
      const row = Array.from(probs.subarray(r * 4, r * 4 + 4));
      if (row.indexOf(Math.max(...row)) === label) correct++;
    });
    expect(correct / test.labels.length).toBeGreaterThan(0.8);
  });
});
