import { describe, expect, it } from 'vitest';
import { createRng } from '../../src/core/index.js';
import { computeMmd, computeProxyADistance, diagnoseShift, HeadstartError } from '../../src/index.js';
import type { FeatureSet } from '../../src/index.js';

/** n rows of a Gaussian blob in `dim` dimensions (Box-Muller), centred at `shift` in every coordinate. */
function blob(n: number, dim: number, shift: number, seed: number, classes = ['a', 'b']): FeatureSet {
  const rng = createRng(seed);
  const values = new Float32Array(n * dim);
  for (let i = 0; i < values.length; i++) {
    const u = 1 - rng();
    values[i] = shift + Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng());
  }
  return { values, dim, files: Array.from({ length: n }, (_, i) => `x${i}`), labels: Int32Array.from({ length: n }, (_, i) => i % classes.length), classes };
}

describe('maximum mean discrepancy', () => {
  it('gives a small p-value for blobs with shifted means and a large one for two samples of the same blob', () => {
    const shifted = computeMmd(blob(60, 5, 0, 1), blob(60, 5, 0.7, 2), { seed: 3 });
    expect(shifted.pValue).toBeLessThan(0.01);
    expect(shifted.mmd2).toBeGreaterThan(0);
    for (const seed of [4, 5, 6]) {
      const same = computeMmd(blob(60, 5, 0, seed), blob(60, 5, 0, seed + 100), { seed });
      expect(same.pValue).toBeGreaterThan(0.05);
    }
  });

  it('computes the unbiased estimate exactly for a case checked by hand', () => {
    // One dimension, x = {0, 1}, y = {3, 4}, kernel width 1: k(d) = exp(-d^2 / 2).
    const set = (values: number[]): FeatureSet => ({ values: Float32Array.from(values), dim: 1, files: values.map(String), labels: new Int32Array(values.length), classes: ['a'] });
    const k = (d: number) => Math.exp(-(d * d) / 2);
    const expected = k(1) + k(1) - (2 / 4) * (k(3) + k(4) + k(2) + k(3));
    const r = computeMmd(set([0, 1]), set([3, 4]), { bandwidth: 1, permutations: 10 });
    expect(r.mmd2).toBeCloseTo(expected, 12);
    expect(r.bandwidth).toBe(1);
  });

  it('uses the median pairwise distance as kernel width, and is reproducible from its seed', () => {
    const a = blob(40, 3, 0, 7);
    const b = blob(40, 3, 0.3, 8);
    const first = computeMmd(a, b, { seed: 9, permutations: 100 });
    expect(computeMmd(a, b, { seed: 9, permutations: 100 })).toEqual(first);
    expect(first.bandwidth).toBeGreaterThan(1.5); // about sqrt(2 * 3) for unit-variance blobs in 3-d
    expect(first.bandwidth).toBeLessThan(3.5);
  });

  it('rejects feature sets of different widths and a side with one row', () => {
    expect(() => computeMmd(blob(10, 3, 0, 1), blob(10, 4, 0, 2))).toThrow(/same backbone/);
    const err = (() => { try { computeMmd(blob(1, 3, 0, 1), blob(10, 3, 0, 2)); } catch (e) { return e; } })();
    expect((err as HeadstartError).code).toBe('HS_DATASET_INVALID');
  });
});

describe('proxy A-distance', () => {
  it('is near 0 for identical distributions and near 2 for separable ones', async () => {
    const same = await computeProxyADistance(blob(200, 8, 0, 11), blob(200, 8, 0, 12), { seed: 1 });
    expect(same.proxyADistance).toBeLessThan(0.4);
    expect(same.trainPerSide + same.testPerSide).toBe(200);
    const apart = await computeProxyADistance(blob(200, 8, 0, 13), blob(200, 8, 3, 14), { seed: 1 });
    expect(apart.proxyADistance).toBeGreaterThan(1.8);
    expect(apart.domainError).toBeLessThan(0.05);
  });
});

describe('shift verdict', () => {
  it("says 'looks like the source' for the same distribution and 'strong shift' for separable ones", async () => {
    const none = await diagnoseShift(blob(150, 8, 0, 21), blob(150, 8, 0, 22), { seed: 2 });
    expect(none.level).toBe('none');
    expect(none.verdict[0]).toMatch(/^The target looks like the source/);
    expect(none.perClass.map((c) => c.label).sort()).toEqual(['a', 'b']);

    const strong = await diagnoseShift(blob(150, 8, 0, 23), blob(150, 8, 2, 24), { seed: 2 });
    expect(strong.level).toBe('strong');
    expect(strong.verdict[0]).toMatch(/^Strong shift: .*consider domain adaptation/);
    expect(strong.verdict.join(' ')).toMatch(/Classes that shifted/);
  });

  it('compares only the classes both sides have', async () => {
    const target = { ...blob(60, 4, 0, 31, ['b', 'c']) };
    const r = await diagnoseShift(blob(60, 4, 0, 30, ['a', 'b']), target, { seed: 1, permutations: 50, classPermutations: 20 });
    expect(r.perClass.map((c) => c.label)).toEqual(['b']);
  });
});
