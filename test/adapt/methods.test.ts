import { describe, expect, it } from 'vitest';
import { adaptFeatures, coralAlign, covarianceOf, dannLambda, relativeFrobeniusDistance } from '../../src/adapt/index.js';
import type { AdaptFeaturesOptions, AdaptFeaturesResult } from '../../src/adapt/index.js';
import { createRng } from '../../src/core/index.js';
import type { FeatureSet } from '../../src/data/index.js';

// Synthetic domains where the right answer is known. Each test runs 3 seeds; the numbers measured when the test was
// written are in the comments (source-only -> adapted target accuracy).

function gaussian(rng: () => number): number {
  const u = Math.max(rng(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng());
}

/** Three elongated blobs in `dim` dimensions; the target is the source rotated in the first plane, scaled, shifted. */
function rotatedBlobs(seed: number, domain: 'source' | 'target', dim = 5): FeatureSet {
  const means = [[-3, 0], [3, 0], [0, 2]];
  const rng = createRng(seed + (domain === 'target' ? 1000 : 0));
  const n = 300;
  const angle = domain === 'target' ? (30 * Math.PI) / 180 : 0;
  const scale = domain === 'target' ? 1.5 : 1;
  const shift = domain === 'target' ? [2, -1.5, 1] : [];
  const values = new Float32Array(n * dim);
  const labels = new Int32Array(n);
  for (let r = 0; r < n; r++) {
    const c = r % 3;
    labels[r] = c;
    const x = Array.from({ length: dim }, (_, k) => (k < 2 ? means[c]![k]! : 0) + gaussian(rng) * (k === 0 ? 0.8 : k === 1 ? 0.6 : 0.5));
    const [x0, x1] = [Math.cos(angle) * x[0]! - Math.sin(angle) * x[1]!, Math.sin(angle) * x[0]! + Math.cos(angle) * x[1]!];
    x[0] = x0;
    x[1] = x1;
    for (let k = 0; k < dim; k++) values[r * dim + k] = scale * x[k]! + (shift[k] ?? 0);
  }
  return { values, dim, labels, files: Array.from({ length: n }, (_, i) => `${domain}-${i}`), classes: ['a', 'b', 'c'] };
}

/**
 * Two classes in 5 dimensions: dimension 0 separates them (means -1.5 / 1.5), dimension 1 weakly (-sep1 / sep1), the
 * rest is noise. The target changes only dimension 1: `shift` moves it, `noise` adds variance to it.
 */
function nuisanceDomains(seed: number, domain: 'source' | 'target', change: { sep1: number; shift?: number; noise?: number }): FeatureSet {
  const rng = createRng(seed + (domain === 'target' ? 1000 : 0));
  const n = 300;
  const dim = 5;
  const values = new Float32Array(n * dim);
  const labels = new Int32Array(n);
  for (let r = 0; r < n; r++) {
    const c = r % 2;
    labels[r] = c;
    const sign = c === 0 ? -1 : 1;
    for (let k = 0; k < dim; k++) {
      let x = (k === 0 ? 1.5 * sign : k === 1 ? change.sep1 * sign : 0) + gaussian(rng);
      if (k === 1 && domain === 'target') x += (change.shift ?? 0) + (change.noise ?? 0) * gaussian(rng);
      values[r * dim + k] = x;
    }
  }
  return { values, dim, labels, files: Array.from({ length: n }, (_, i) => `${domain}-${i}`), classes: ['a', 'b'] };
}

const SEEDS = [1, 2, 3];

async function runSeeds(make: (seed: number) => { source: FeatureSet; target: FeatureSet }, options: AdaptFeaturesOptions): Promise<AdaptFeaturesResult[]> {
  const results: AdaptFeaturesResult[] = [];
  for (const seed of SEEDS) {
    const { source, target } = make(seed);
    results.push(await adaptFeatures(source, target, { measureShift: false, ...options, seed }));
  }
  return results;
}

function expectBothReported(r: AdaptFeaturesResult): void {
  expect(r.sourceOnly.targetAccuracy).toEqual(expect.any(Number));
  expect(r.adapted.targetAccuracy).toEqual(expect.any(Number));
  expect(r.sourceOnly.sourceValAccuracy).toBeGreaterThan(0.85);
  expect(r.targetLabelUse).toBe('scoring');
  expect(r.selection).toMatch(/no target label was used for training or selection/);
  expect(r.target.sourceOnly).toHaveLength(r.counts.target);
  expect(r.target.adapted).toHaveLength(r.counts.target);
}

describe('coralAlign', () => {
  it('realigns rotated, scaled, shifted blobs: the covariance distance drops to about 0', () => {
    for (const seed of SEEDS) {
      const source = rotatedBlobs(seed, 'source');
      const target = rotatedBlobs(seed, 'target');
      const { aligned, covarianceDistance } = coralAlign(source, target, { regularization: 1e-6 });
      // Measured: before 0.66-0.69, after < 1e-6.
      expect(covarianceDistance.before).toBeGreaterThan(0.5);
      expect(covarianceDistance.after).toBeLessThan(1e-3);
      // Checked independently of coralAlign's own bookkeeping: covariance and mean of the aligned rows.
      const a = covarianceOf(aligned.values, aligned.dim);
      const t = covarianceOf(target.values, target.dim);
      expect(relativeFrobeniusDistance(a.covariance, t.covariance)).toBeLessThan(1e-3);
      a.mean.forEach((m, k) => expect(m).toBeCloseTo(t.mean[k]!, 3));
      expect(Array.from(aligned.labels)).toEqual(Array.from(source.labels));
    }
  });

  it('with the default regularisation still moves the covariance most of the way', () => {
    const { covarianceDistance } = coralAlign(rotatedBlobs(1, 'source'), rotatedBlobs(1, 'target'));
    expect(covarianceDistance.after).toBeLessThan(covarianceDistance.before / 2);
  });

  it('rejects feature sets of different widths and a bad regularisation', () => {
    expect(() => coralAlign(rotatedBlobs(1, 'source', 5), rotatedBlobs(1, 'target', 4))).toThrow(expect.objectContaining({ code: 'HS_INVALID_OPTION' }));
    expect(() => coralAlign(rotatedBlobs(1, 'source'), rotatedBlobs(1, 'target'), { regularization: 0 })).toThrow(/regularization/);
  });
});

describe('adaptFeatures', () => {
  it('coral raises target accuracy clearly above source-only on rotated, scaled, shifted blobs', async () => {
    const results = await runSeeds((seed) => ({ source: rotatedBlobs(seed, 'source'), target: rotatedBlobs(seed, 'target') }), { method: 'coral' });
    // Measured: 0.663 -> 0.840, 0.800 -> 0.883, 0.830 -> 0.897 (covariance distance 0.65-0.68 -> 0.19-0.24).
    for (const r of results) {
      expectBothReported(r);
      expect(r.adapted.targetAccuracy! - r.sourceOnly.targetAccuracy!).toBeGreaterThan(0.05);
      expect(r.details.coral!.covarianceDistance.after).toBeLessThan(r.details.coral!.covarianceDistance.before);
    }
  });

  it('adabn fixes a shifted feature: the same network with target statistics beats source statistics', async () => {
    const make = (seed: number) => ({ source: nuisanceDomains(seed, 'source', { sep1: 1.25 }), target: nuisanceDomains(seed, 'target', { sep1: 1.25, shift: 3 }) });
    const results = await runSeeds(make, { method: 'adabn' });
    // Measured (source-only head / same network with source statistics -> AdaBN): 0.553/0.740 -> 0.977,
    // 0.757/0.750 -> 0.967, 0.693/0.747 -> 0.980.
    for (const r of results) {
      expectBothReported(r);
      expect(r.adapted.targetAccuracy! - r.sameNetworkSourceOnly!.targetAccuracy!).toBeGreaterThan(0.05);
      expect(r.adapted.targetAccuracy! - r.sourceOnly.targetAccuracy!).toBeGreaterThan(0.05);
    }
  });

  it('pseudo-label improves on a mild shift where the target classes stay well separated', async () => {
    const make = (seed: number) => ({ source: nuisanceDomains(seed, 'source', { sep1: 1.25 }), target: nuisanceDomains(seed, 'target', { sep1: 1.25, shift: 3 }) });
    const results = await runSeeds(make, { method: 'pseudo-label' });
    // Measured: 0.553 -> 0.737, 0.757 -> 0.823, 0.693 -> 0.763; 98-99% of the pseudo-labels right.
    for (const r of results) {
      expectBothReported(r);
      expect(r.adapted.targetAccuracy! - r.sourceOnly.targetAccuracy!).toBeGreaterThan(0.04);
      expect(r.details.pseudoLabel!.rounds).toHaveLength(3);
      expect(r.details.pseudoLabel!.pseudoLabelAccuracy).toBeGreaterThan(0.9);
    }
  });

  it('dann removes a mean-shifted nuisance feature that the source-only network relies on', async () => {
    const make = (seed: number) => ({ source: nuisanceDomains(seed, 'source', { sep1: 0.6 }), target: nuisanceDomains(seed, 'target', { sep1: 0.6, shift: 4 }) });
    const results = await runSeeds(make, { method: 'dann', alignmentWeight: 5 });
    // Measured (same network without the adversary -> DANN): 0.517 -> 0.647, 0.720 -> 0.743, 0.663 -> 0.837.
    for (const r of results) {
      expectBothReported(r);
      expect(r.adapted.targetAccuracy!).toBeGreaterThan(r.sameNetworkSourceOnly!.targetAccuracy!);
      expect(r.details.adapter!.history.some((h) => h.domainAccuracy !== undefined)).toBe(true);
    }
    const mean = (f: (r: AdaptFeaturesResult) => number) => results.reduce((a, r) => a + f(r), 0) / results.length;
    expect(mean((r) => r.adapted.targetAccuracy!) - mean((r) => r.sameNetworkSourceOnly!.targetAccuracy!)).toBeGreaterThan(0.08);
  });

  it('deep-coral removes a nuisance feature whose variance grows in the target', async () => {
    const make = (seed: number) => ({ source: nuisanceDomains(seed, 'source', { sep1: 0.8 }), target: nuisanceDomains(seed, 'target', { sep1: 0.8, noise: 4 }) });
    const results = await runSeeds(make, { method: 'deep-coral' });
    // Measured (same network without the CORAL loss -> Deep CORAL): 0.717 -> 0.860, 0.703 -> 0.793, 0.687 -> 0.827.
    for (const r of results) {
      expectBothReported(r);
      expect(r.adapted.targetAccuracy! - r.sameNetworkSourceOnly!.targetAccuracy!).toBeGreaterThan(0.05);
    }
  });

  it('never lets target labels reach training: shuffled target labels give identical predictions', async () => {
    const source = rotatedBlobs(5, 'source');
    const target = rotatedBlobs(5, 'target');
    const shuffled = { ...target, labels: Int32Array.from(target.labels, (_, i) => target.labels[(i * 7 + 3) % target.labels.length]!) };
    for (const method of ['coral', 'pseudo-label', 'dann'] as const) {
      const options = { method, seed: 5, measureShift: false, epochs: 5 };
      const a = await adaptFeatures(source, target, options);
      const b = await adaptFeatures(source, shuffled, options);
      expect(b.target.adapted).toEqual(a.target.adapted);
      expect(b.target.sourceOnly).toEqual(a.target.sourceOnly);
      expect(b.adapted.sourceValAccuracy).toBe(a.adapted.sourceValAccuracy);
    }
  });

  it('with targetLabelsForValidation, half the target labels select and the other half score, and the result says so', async () => {
    const r = await adaptFeatures(rotatedBlobs(1, 'source'), rotatedBlobs(1, 'target'), { method: 'coral', seed: 1, measureShift: false, targetLabelsForValidation: true });
    expect(r.targetLabelUse).toBe('validation-and-scoring');
    expect(r.counts.targetValidation).toBe(150);
    expect(r.counts.targetScored).toBe(150);
    expect(r.target.labels.filter((l) => l >= 0)).toHaveLength(150);
    expect(r.selection).toMatch(/picked on 150 labelled target rows/);
  });

  it('reports the shift before and after, and scores nothing on an unlabelled target', async () => {
    const target = rotatedBlobs(1, 'target');
    const r = await adaptFeatures(rotatedBlobs(1, 'source'), { ...target, labels: new Int32Array(target.labels.length).fill(-1) }, { method: 'coral', seed: 1, permutations: 50 });
    expect(r.targetLabelUse).toBe('none');
    expect(r.adapted.targetAccuracy).toBeNull();
    expect(r.sourceOnly.targetAccuracy).toBeNull();
    expect(r.warnings.join(' ')).toMatch(/no labels to score with/);
    // Domains separable before (shifted and rotated); CORAL moves the source onto the target.
    expect(r.shift!.before.domainClassifierAccuracy).toBeGreaterThan(0.75);
    expect(r.shift!.after!.domainClassifierAccuracy).toBeLessThan(r.shift!.before.domainClassifierAccuracy);
    expect(r.shift!.after!.mmd2).toBeLessThan(r.shift!.before.mmd2);
  });

  it('validates its inputs', async () => {
    const source = rotatedBlobs(1, 'source');
    const target = rotatedBlobs(1, 'target');
    await expect(adaptFeatures(source, target, { method: 'magic' as never })).rejects.toThrow(/Expected method to be one of 'auto', 'adabn', 'coral', 'deep-coral', 'dann', 'pseudo-label'/);
    await expect(adaptFeatures(source, { ...target, classes: ['x', 'y', 'z'] }, { method: 'coral' })).rejects.toMatchObject({ code: 'HS_UNKNOWN_LABEL' });
    await expect(adaptFeatures({ ...source, labels: Int32Array.from(source.labels, (l, i) => (i === 4 ? -1 : l)) }, target, { method: 'coral' })).rejects.toThrow(/source-4/);
    await expect(adaptFeatures(source, target, { method: 'coral', epochz: 3 } as never)).rejects.toThrow(/epochz/);
  });

  it('dannLambda follows 2 / (1 + exp(-10 p)) - 1', () => {
    expect(dannLambda(0, 1)).toBe(0);
    expect(dannLambda(0.5, 2)).toBeCloseTo(2 * (2 / (1 + Math.exp(-5)) - 1), 12);
    expect(dannLambda(1, 1)).toBeGreaterThan(0.9999);
  });
});
