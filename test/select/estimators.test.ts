import { describe, expect, it } from 'vitest';
import { createRng } from '../../src/core/index.js';
import { HeadstartError, kendallTau, scoreHScore, scoreLeep, scoreLogMe, scoreNce, softmaxRows, spearmanCorrelation } from '../../src/index.js';
import type { FeatureSet } from '../../src/index.js';
import { singularProjections, symmetricEigen } from '../../src/select/linear-algebra.js';

function featureSet(rows: number[][], labels: number[], classes = ['a', 'b']): FeatureSet {
  const dim = rows[0]?.length ?? 1;
  return { values: Float32Array.from(rows.flat()), dim, files: rows.map((_, i) => `row-${i}`), labels: Int32Array.from(labels), classes };
}

function randomRows(n: number, d: number, seed: number): number[][] {
  const rng = createRng(seed);
  // Float32-exact values, so the reference computed in float64 sees exactly what the estimator sees.
  return Array.from({ length: n }, () => Array.from({ length: d }, () => Math.fround(rng() * 2 - 1)));
}

/** Cholesky factor L of a symmetric positive-definite matrix (row-major), or throws. */
function cholesky(a: number[][]): number[][] {
  const n = a.length;
  const l = a.map(() => new Array<number>(n).fill(0));
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[i]![j]!;
      for (let k = 0; k < j; k++) s -= l[i]![k]! * l[j]![k]!;
      if (i === j) {
        if (!(s > 0)) throw new Error('not positive definite');
        l[i]![i] = Math.sqrt(s);
      } else {
        l[i]![j] = s / l[j]![j]!;
      }
    }
  }
  return l;
}

/** log N(y; 0, C) with C = I / beta + F F^T / alpha, straight from the Gaussian density (determinant and solve). */
function gaussianLogEvidence(f: number[][], y: number[], logAlpha: number, logBeta: number): number {
  const n = f.length;
  const c = f.map((fi, i) => f.map((fj, j) => fi.reduce((s, v, k) => s + v * fj[k]!, 0) * Math.exp(-logAlpha) + (i === j ? Math.exp(-logBeta) : 0)));
  let l: number[][];
  try {
    l = cholesky(c);
  } catch {
    return -Infinity; // I / beta too small to keep C positive definite in float64: never the maximum
  }
  const z: number[] = [];
  for (let i = 0; i < n; i++) {
    let s = y[i]!;
    for (let k = 0; k < i; k++) s -= l[i]![k]! * z[k]!;
    z.push(s / l[i]![i]!);
  }
  const logDet = 2 * l.reduce((s, row, i) => s + Math.log(row[i]!), 0);
  return -0.5 * (n * Math.log(2 * Math.PI) + logDet + z.reduce((s, v) => s + v * v, 0));
}

/** Maximum over log alpha (outer) and log beta (inner) by golden-section search after a coarse grid. */
function maximizeByGoldenSection(g: (x: number) => number, lo: number, hi: number): { x: number; value: number } {
  let best = lo;
  for (let x = lo; x <= hi; x += 0.5) if (g(x) > g(best)) best = x;
  let a = best - 0.5;
  let b = best + 0.5;
  const r = (Math.sqrt(5) - 1) / 2;
  for (let i = 0; i < 50; i++) {
    const c = b - r * (b - a);
    const d = a + r * (b - a);
    if (g(c) > g(d)) b = d;
    else a = c;
  }
  const x = (a + b) / 2;
  return { x, value: g(x) };
}

function referenceLogMe(f: number[][], labels: number[], classes: number): number {
  let total = 0;
  for (let c = 0; c < classes; c++) {
    const y = labels.map((l) => (l === c ? 1 : 0));
    const inner = (logAlpha: number) => maximizeByGoldenSection((logBeta) => gaussianLogEvidence(f, y, logAlpha, logBeta), -15, 25).value;
    total += maximizeByGoldenSection(inner, -15, 25).value / f.length;
  }
  return total / classes;
}

describe('linear algebra', () => {
  it('diagonalises a symmetric matrix: A v = lambda v with orthonormal v, eigenvalues descending', () => {
    const n = 30;
    const rng = createRng(3);
    const a = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = i; j < n; j++) a[i * n + j] = a[j * n + i] = rng() - 0.5;
    const { values, vectors } = symmetricEigen(a, n);
    for (let q = 0; q < n; q++) {
      if (q > 0) expect(values[q]!).toBeLessThanOrEqual(values[q - 1]!);
      for (let i = 0; i < n; i++) {
        let av = 0;
        for (let j = 0; j < n; j++) av += a[i * n + j]! * vectors[q * n + j]!;
        expect(Math.abs(av - values[q]! * vectors[q * n + i]!)).toBeLessThan(1e-12);
      }
      for (let r = 0; r < n; r++) {
        let dot = 0;
        for (let j = 0; j < n; j++) dot += vectors[q * n + j]! * vectors[r * n + j]!;
        expect(Math.abs(dot - (q === r ? 1 : 0))).toBeLessThan(1e-12);
      }
    }
    const trace = Array.from({ length: n }, (_, i) => a[i * n + i]!).reduce((s, v) => s + v, 0);
    expect(values.reduce((s, v) => s + v, 0)).toBeCloseTo(trace, 10);
  });

  it('finds the eigenvalues of [[2, 1], [1, 2]] and of a diagonal matrix', () => {
    expect(Array.from(symmetricEigen(Float64Array.from([2, 1, 1, 2]), 2).values)).toEqual([expect.closeTo(3, 12), expect.closeTo(1, 12)]);
    expect(Array.from(symmetricEigen(Float64Array.from([1, 0, 0, 0, 5, 0, 0, 0, 3]), 3).values)).toEqual([5, 3, 1]);
  });

  it('projects targets on the same singular basis through either Gram matrix', () => {
    // F (9 x 4) goes through F^T F; F padded with 8 zero columns (9 x 12) through F F^T, with the same u_i and s_i.
    const rows = randomRows(9, 4, 5);
    const padded = rows.map((r) => [...r, ...new Array<number>(8).fill(0)]);
    const rng = createRng(6);
    const targets = [Float64Array.from({ length: 9 }, () => rng()), Float64Array.from({ length: 9 }, (_, i) => i % 2)];
    const tall = singularProjections(Float32Array.from(rows.flat()), 9, 4, targets);
    const wide = singularProjections(Float32Array.from(padded.flat()), 9, 12, targets);
    expect(tall.rank).toBe(4);
    expect(wide.rank).toBe(4);
    for (let i = 0; i < 4; i++) {
      expect(tall.squaredSingularValues[i]).toBeCloseTo(wide.squaredSingularValues[i]!, 10);
      // Singular vectors are defined up to sign: compare squares.
      for (let j = 0; j < 2; j++) expect(tall.projections[j]![i]! ** 2).toBeCloseTo(wide.projections[j]![i]! ** 2, 10);
    }
    // The squared projections add up to at most |y|^2 (the part of y in the span of F's columns).
    const norm2 = targets[0]!.reduce((s, v) => s + v * v, 0);
    expect(tall.projections[0]!.reduce((s, v) => s + v * v, 0)).toBeLessThanOrEqual(norm2 + 1e-12);
  });
});

describe('LogME', () => {
  // The fixed-point answer against an independent maximisation of the Gaussian marginal likelihood.
  for (const [n, d, seed] of [[12, 3, 1], [20, 6, 2], [6, 10, 3]] as const) {
    it(`matches a direct maximisation of log N(y; 0, I/beta + F F^T/alpha) for n = ${n}, d = ${d}`, () => {
      const rows = randomRows(n, d, seed);
      // Labels tied to the first feature, so the evidence has an interior maximum.
      const labels = rows.map((r, i) => (r[0]! + 0.3 * Math.sin(i) > 0 ? 1 : 0));
      const reference = referenceLogMe(rows, labels, 2);
      expect(Math.abs(scoreLogMe(featureSet(rows, labels)) - reference)).toBeLessThan(1e-3);
    });
  }

  it('scores features that separate the classes above features that do not', () => {
    const rng = createRng(9);
    const labels = Array.from({ length: 60 }, (_, i) => i % 3);
    const informative = labels.map((l) => [l === 0 ? 1 : 0, l === 1 ? 1 : 0, l === 2 ? 1 : 0].map((v) => v + 0.2 * (rng() - 0.5)));
    const noise = labels.map(() => [rng(), rng(), rng()]);
    const classes = ['a', 'b', 'c'];
    expect(scoreLogMe(featureSet(informative, labels, classes))).toBeGreaterThan(scoreLogMe(featureSet(noise, labels, classes)) + 0.5);
  });

  it('stays finite on constant, all-zero, single-class and n < d inputs', () => {
    const labels = [0, 0, 1, 1, 0, 1];
    expect(Number.isFinite(scoreLogMe(featureSet(labels.map(() => [0.5, -1, 2]), labels)))).toBe(true);
    expect(Number.isFinite(scoreLogMe(featureSet(labels.map(() => [0, 0]), labels)))).toBe(true);
    expect(Number.isFinite(scoreLogMe(featureSet(randomRows(6, 3, 4), [0, 0, 0, 0, 0, 0])))).toBe(true);
    expect(Number.isFinite(scoreLogMe(featureSet(randomRows(4, 50, 5), [0, 1, 0, 1])))).toBe(true);
  });
});

describe('H-score', () => {
  it('is var(between) / var(total) in one dimension: 4 / 5', () => {
    // Values 0, 2 | 4, 6: total variance 5, class means 1 and 5 around 3, between-class variance 4.
    const set = featureSet([[0], [2], [4], [6]], [0, 0, 1, 1]);
    expect(scoreHScore(set, { shrinkage: 0 })).toBeCloseTo(0.8, 10);
    // With one dimension the shrinkage target is the variance itself, so Ledoit-Wolf changes nothing.
    expect(scoreHScore(set)).toBeCloseTo(0.8, 10);
  });

  it('matches tr(S^-1 B) computed by hand in two dimensions, with and without shrinkage', () => {
    // S = [[5, 2], [2, 1]], B = [[4, 2], [2, 1]]: tr(S^-1 B) = 1. Shrunk halfway to 3 I: tr([[4, 1], [1, 2]]^-1 B) = 8/7.
    const set = featureSet([[0, 0], [2, 0], [4, 2], [6, 2]], [0, 0, 1, 1]);
    expect(scoreHScore(set, { shrinkage: 0 })).toBeCloseTo(1, 10);
    expect(scoreHScore(set, { shrinkage: 0.5 })).toBeCloseTo(8 / 7, 10);
  });

  it('is C - 1 with a plain pseudo-inverse whenever n <= d, whatever the features', () => {
    const labels = [0, 1, 2, 0, 1, 2];
    const classes = ['a', 'b', 'c'];
    expect(scoreHScore(featureSet(randomRows(6, 20, 7), labels, classes), { shrinkage: 0 })).toBeCloseTo(2, 6);
    expect(scoreHScore(featureSet(randomRows(6, 20, 8), labels, classes), { shrinkage: 0 })).toBeCloseTo(2, 6);
  });

  it('matches the Ledoit-Wolf shrunk covariance built and inverted explicitly in d dimensions', () => {
    for (const [n, d] of [[5, 8], [30, 4]] as const) {
      const rows = randomRows(n, d, n + d);
      const labels = rows.map((_, i) => i % 3);
      const mean = Array.from({ length: d }, (_, k) => rows.reduce((s, r) => s + r[k]!, 0) / n);
      const x = rows.map((r) => r.map((v, k) => v - mean[k]!));
      const cov = mean.map((_, a) => mean.map((__, b) => x.reduce((s, r) => s + r[a]! * r[b]!, 0) / n));
      // Ledoit & Wolf (2004) with <A, B> = tr(A B^T) / d: m = <S, I>, d2 = |S - m I|^2, b2 = min(d2, sum_k |x_k x_k^T - S|^2 / n^2).
      const norm2 = (m: number[][]) => m.flat().reduce((s, v) => s + v * v, 0) / d;
      const mu = cov.reduce((s, row, i) => s + row[i]!, 0) / d;
      const d2 = norm2(cov.map((row, i) => row.map((v, j) => v - (i === j ? mu : 0))));
      const b2 = Math.min(d2, x.reduce((s, r) => s + norm2(cov.map((row, i) => row.map((v, j) => r[i]! * r[j]! - v))), 0) / (n * n));
      const a = b2 / d2;
      const shrunk = cov.map((row, i) => row.map((v, j) => (1 - a) * v + (i === j ? a * mu : 0)));
      const l = cholesky(shrunk);
      const solve = (v: number[]) => {
        const z: number[] = [];
        for (let i = 0; i < d; i++) z.push((v[i]! - z.reduce((s, zk, k) => s + l[i]![k]! * zk, 0)) / l[i]![i]!);
        return z.reduce((s, zi) => s + zi * zi, 0); // v^T C^-1 v = |L^-1 v|^2
      };
      let expected = 0;
      for (let c = 0; c < 3; c++) {
        const members = x.filter((_, i) => labels[i] === c);
        const offset = mean.map((_, k) => members.reduce((s, r) => s + r[k]!, 0) / members.length);
        expected += (members.length / n) * solve(offset);
      }
      expect(scoreHScore(featureSet(rows, labels, ['a', 'b', 'c']))).toBeCloseTo(expected, 8);
    }
  });

  it('scores class-structured features above noise when n > d', () => {
    const rng = createRng(1);
    const labels = Array.from({ length: 300 }, (_, i) => i % 3);
    const structured = labels.map((l) => Array.from({ length: 50 }, (_, k) => (k === l ? 1 : 0) + 0.3 * (rng() - 0.5)));
    const noise = labels.map(() => Array.from({ length: 50 }, () => rng()));
    const classes = ['a', 'b', 'c'];
    expect(scoreHScore(featureSet(structured, labels, classes))).toBeGreaterThan(scoreHScore(featureSet(noise, labels, classes)) + 1);
  });

  it('stays finite on constant features and a single class, and rejects a bad shrinkage', () => {
    expect(scoreHScore(featureSet([[1, 2], [1, 2], [1, 2]], [0, 1, 1]))).toBe(0);
    expect(Number.isFinite(scoreHScore(featureSet(randomRows(5, 3, 8), [0, 0, 0, 0, 0])))).toBe(true);
    expect(() => scoreHScore(featureSet([[0], [1]], [0, 1]), { shrinkage: 2 })).toThrow(/shrinkage/);
  });
});

describe('LEEP and NCE', () => {
  it('LEEP matches the expected empirical predictor computed by hand', () => {
    // Joint P(y, z): y0 = (0.5, 0), y1 = (0.1, 0.4); P(z) = (0.6, 0.4); P(y | z0) = (5/6, 1/6), P(y | z1) = (0, 1).
    const probs = featureSet([[1, 0], [1, 0], [0, 1], [0.4, 0.6]], [0, 0, 1, 1]);
    expect(scoreLeep(probs)).toBeCloseTo((2 * Math.log(5 / 6) + Math.log(2 / 3)) / 4, 6);
  });

  it('NCE is -H(Y | Z) of the hand-counted joint table', () => {
    // Z = argmax: 0, 0, 0, 1, 1, 1 with Y = 0, 0, 1, 1, 1, 0: each z has P(y | z) = (2/3, 1/3).
    const probs = featureSet([[0.9, 0.1], [0.6, 0.4], [0.7, 0.3], [0.2, 0.8], [0.1, 0.9], [0.3, 0.7]], [0, 0, 1, 1, 1, 0]);
    expect(scoreNce(probs)).toBeCloseTo((2 / 3) * Math.log(2 / 3) + (1 / 3) * Math.log(1 / 3), 10);
  });

  it('are 0 when the source prediction determines the target label', () => {
    const probs = featureSet([[1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 0, 0]], [0, 1, 1, 0]);
    expect(scoreNce(probs)).toBeCloseTo(0, 10);
    expect(scoreLeep(probs)).toBeCloseTo(0, 6);
  });

  it('softmaxRows turns logits into probabilities, stably for large logits', () => {
    const probs = softmaxRows(featureSet([[1000, 1000], [0, Math.log(3)]], [0, 1]));
    expect(Array.from(probs.values)).toEqual([0.5, 0.5, expect.closeTo(0.25, 6), expect.closeTo(0.75, 6)]);
  });

  it('stay finite with a single source class, and reject rows that are not probabilities', () => {
    const one = featureSet([[1], [1], [1]], [0, 1, 1]);
    expect(scoreLeep(one)).toBeCloseTo((Math.log(1 / 3) + 2 * Math.log(2 / 3)) / 3, 6);
    expect(scoreNce(one)).toBeCloseTo((1 / 3) * Math.log(1 / 3) + (2 / 3) * Math.log(2 / 3), 10);
    const err = (() => { try { scoreLeep(featureSet([[2, 1], [0, 1]], [0, 1])); } catch (e) { return e; } })();
    expect(err).toBeInstanceOf(HeadstartError);
    expect((err as HeadstartError).code).toBe('HS_INVALID_OPTION');
    expect((err as HeadstartError).message).toMatch(/softmaxRows/);
  });
});

describe('input checks and rank correlation', () => {
  it('rejects unlabelled rows and empty sets with codes', () => {
    const unlabelled = featureSet([[0], [1]], [0, -1]);
    expect(() => scoreLogMe(unlabelled)).toThrow(expect.objectContaining({ code: 'HS_DATASET_INVALID', message: expect.stringContaining('row-1') }));
    expect(() => scoreHScore(featureSet([], []))).toThrow(expect.objectContaining({ code: 'HS_DATASET_EMPTY' }));
  });

  it('Spearman and Kendall tau-b agree with hand counts, ties included', () => {
    expect(spearmanCorrelation([1, 2, 3, 4], [1, 3, 2, 4])).toBeCloseTo(0.8, 12);
    expect(kendallTau([1, 2, 3, 4], [1, 3, 2, 4])).toBeCloseTo(4 / 6, 12);
    expect(spearmanCorrelation([3, 2, 1], [10, 20, 30])).toBeCloseTo(-1, 12);
    // a = [1, 1, 2], b = [1, 2, 3]: pairs (1,2) tie in a; tau-b = 2 / sqrt(2 * 3).
    expect(kendallTau([1, 1, 2], [1, 2, 3])).toBeCloseTo(2 / Math.sqrt(6), 12);
    expect(spearmanCorrelation([1, 1, 1], [1, 2, 3])).toBeNull();
    expect(kendallTau([5], [1])).toBeNull();
  });
});
