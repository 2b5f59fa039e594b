import { describe, expect, it } from 'vitest';
import { ADAPT_GUARD_DEFAULTS, guardAdaptation, meanPredictionEntropy, predictedClassBalance } from '../../src/adapt/index.js';

// The guard's numbers against hand computations, and each flag on a case made to trip it (and only it).
describe('the adaptation guard', () => {
  it('measures prediction entropy over log(classes) and the balance of predicted classes', () => {
    // Two rows over 4 classes: one certain (entropy 0), one uniform (entropy log 4): mean 0.5 of log 4.
    expect(meanPredictionEntropy(Float32Array.of(1, 0, 0, 0, 0.25, 0.25, 0.25, 0.25), 4)).toBeCloseTo(0.5, 6);
    expect(predictedClassBalance([0, 1, 2, 3], 4)).toBeCloseTo(1, 10);
    expect(predictedClassBalance([2, 2, 2, 2], 4)).toBeCloseTo(0.25, 10);
    // Shares 1/2, 1/2, 0, 0: exp(log 2) / 4.
    expect(predictedClassBalance([0, 1, 0, 1], 4)).toBeCloseTo(0.5, 10);
  });

  const base = {
    method: 'test-method',
    classes: 2,
    sourceValAccuracy: { sourceOnly: 0.9, adapted: 0.88 },
    mmd2: { before: 0.2, after: 0.1 },
    targetProbabilities: { sourceOnly: Float32Array.of(0.9, 0.1, 0.2, 0.8), adapted: Float32Array.of(0.8, 0.2, 0.3, 0.7) },
    targetPredicted: { sourceOnly: [0, 1], adapted: [0, 1] },
  };

  it('passes a method that keeps source accuracy, brings the domains closer and keeps the class balance', () => {
    const g = guardAdaptation(base, ADAPT_GUARD_DEFAULTS);
    expect(g.flags).toEqual([]);
    expect(g.reasons).toEqual([]);
    expect(g.classBalance).toEqual({ sourceOnly: 1, adapted: 1 });
  });

  it('flags lost source accuracy, domains pushed apart, a diverged adapter and a collapse, each with its reason', () => {
    const lost = guardAdaptation({ ...base, sourceValAccuracy: { sourceOnly: 0.9, adapted: 0.8 } }, ADAPT_GUARD_DEFAULTS);
    expect(lost.flags).toEqual(['source-accuracy']);
    expect(lost.reasons[0]).toMatch(/test-method lost source accuracy: 80.0% .* 90.0% source-only, more than the 5.0% allowed/);
    expect(guardAdaptation({ ...base, mmd2: { before: 0.2, after: 0.26 } }, ADAPT_GUARD_DEFAULTS).flags).toEqual(['domains-further-apart']);
    expect(guardAdaptation({ ...base, mmd2: { before: 0.2, after: 0.24 } }, ADAPT_GUARD_DEFAULTS).flags).toEqual([]);
    expect(guardAdaptation({ ...base, mmd2: { before: 0.2, after: NaN } }, ADAPT_GUARD_DEFAULTS).flags).toEqual(['domains-further-apart']);
    const collapsed = guardAdaptation({ ...base, targetPredicted: { sourceOnly: [0, 1], adapted: [1, 1] } }, ADAPT_GUARD_DEFAULTS);
    expect(collapsed.flags).toEqual(['collapse']);
    expect(collapsed.reasons[0]).toMatch(/class balance 0.50 against 1.00 source-only/);
  });
});
