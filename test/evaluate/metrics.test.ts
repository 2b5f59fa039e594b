import { describe, expect, it } from 'vitest';
import { HeadstartError } from '../../src/core/index.js';
import { argmaxRows, computeMetrics, topKAccuracy } from '../../src/evaluate/index.js';

function expectCode(fn: () => unknown, code: string, message?: RegExp): void {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(HeadstartError);
    expect((err as HeadstartError).code).toBe(code);
    if (message) expect((err as Error).message).toMatch(message);
    return;
  }
  throw new Error(`expected a HeadstartError with code ${code}`);
}

describe('computeMetrics', () => {
  it('matches a hand-computed 3-class example', () => {
    const classes = ['cat', 'dog', 'bird'];
    const yTrue = [0, 0, 0, 0, 1, 1, 1, 2, 2, 2];
    const yPred = [0, 0, 1, 2, 1, 1, 0, 2, 2, 1];
    const m = computeMetrics(yTrue, yPred, classes);

    // Confusion (rows true, columns predicted):
    //   cat  -> predicted 0,0,1,2 -> [2, 1, 1]
    //   dog  -> predicted 1,1,0   -> [1, 2, 0]
    //   bird -> predicted 2,2,1   -> [0, 1, 2]
    expect(m.confusion).toEqual([
      [2, 1, 1],
      [1, 2, 0],
      [0, 1, 2],
    ]);
    expect(m.n).toBe(10);
    // Diagonal 2 + 2 + 2 = 6 correct out of 10.
    expect(m.accuracy).toBeCloseTo(0.6, 12);

    // Column sums (times predicted): cat 3, dog 4, bird 3. Row sums (support): 4, 3, 3.
    // cat:  P = 2/3, R = 2/4 = 1/2, F1 = 2·(2/3·1/2)/(2/3 + 1/2) = (2/3)/(7/6) = 4/7 ≈ 0.5714
    // dog:  P = 2/4 = 1/2, R = 2/3,  F1 = 4/7 (same two numbers, swapped)
    // bird: P = 2/3, R = 2/3,        F1 = 2/3
    const expected = [
      { label: 'cat', precision: 2 / 3, recall: 1 / 2, f1: 4 / 7, support: 4 },
      { label: 'dog', precision: 1 / 2, recall: 2 / 3, f1: 4 / 7, support: 3 },
      { label: 'bird', precision: 2 / 3, recall: 2 / 3, f1: 2 / 3, support: 3 },
    ];
    expected.forEach((e, i) => {
      const got = m.perClass[i]!;
      expect(got.label).toBe(e.label);
      expect(got.support).toBe(e.support);
      expect(got.precision).toBeCloseTo(e.precision, 12);
      expect(got.recall).toBeCloseTo(e.recall, 12);
      expect(got.f1).toBeCloseTo(e.f1, 12);
    });
    // Macro-F1 = (4/7 + 4/7 + 2/3) / 3 = (24/21 + 14/21) / 3 = 38/63 ≈ 0.6032
    expect(m.macroF1).toBeCloseTo(38 / 63, 12);
  });

  it('gives 1 everywhere for perfect predictions', () => {
    const y = Int32Array.from([0, 1, 2, 2, 1, 0, 0]);
    const m = computeMetrics(y, y, ['a', 'b', 'c']);
    expect(m.accuracy).toBe(1);
    expect(m.macroF1).toBe(1);
    for (const c of m.perClass) {
      expect([c.precision, c.recall, c.f1]).toEqual([1, 1, 1]);
    }
    expect(m.confusion).toEqual([
      [3, 0, 0],
      [0, 2, 0],
      [0, 0, 2],
    ]);
  });

  it('reports 0 precision (not NaN) for a class that is never predicted', () => {
    // Class 2 has support 2 but is never predicted: P = 0/0 -> 0, R = 0/2 = 0, F1 -> 0.
    // Class 1: P = 1/3, R = 1/1, F1 = 2·(1/3)/(4/3) = 1/2. Class 0: all 1. Macro-F1 = (1 + 1/2 + 0)/3 = 1/2.
    const m = computeMetrics([0, 1, 2, 2], [0, 1, 1, 1], ['a', 'b', 'c']);
    expect(m.perClass[2]).toEqual({ label: 'c', precision: 0, recall: 0, f1: 0, support: 2 });
    expect(m.perClass[1]!.precision).toBeCloseTo(1 / 3, 12);
    expect(m.perClass[1]!.f1).toBeCloseTo(1 / 2, 12);
    expect(m.macroF1).toBeCloseTo(1 / 2, 12);
    expect(JSON.stringify(m)).not.toMatch(/null|NaN/);
  });

  it('leaves classes without support out of macro-F1', () => {
    // Class 2 has no true samples (but one prediction): P = 0/1 = 0, R = 0/0 -> 0, excluded from the mean.
    // Class 0: P = 1/1, R = 1/2, F1 = 2/3. Class 1: F1 = 1. Macro-F1 = (2/3 + 1) / 2 = 5/6.
    const m = computeMetrics([0, 0, 1], [0, 2, 1], ['a', 'b', 'c']);
    expect(m.perClass[2]).toEqual({ label: 'c', precision: 0, recall: 0, f1: 0, support: 0 });
    expect(m.macroF1).toBeCloseTo(5 / 6, 12);
  });

  it('rejects mismatched lengths with HS_INVALID_OPTION', () => {
    expectCode(() => computeMetrics([0, 1, 1], [0, 1], ['a', 'b']), 'HS_INVALID_OPTION', /yTrue\.length = 3, yPred\.length = 2/);
  });

  it('rejects class ids out of range, non-integers, empty input and empty class lists', () => {
    expectCode(() => computeMetrics([0, 3], [0, 1], ['a', 'b']), 'HS_INVALID_OPTION', /yTrue\[1\] is 3.*0\.\.1/);
    expectCode(() => computeMetrics([0, 1], [0, 0.5], ['a', 'b']), 'HS_INVALID_OPTION', /yPred\[1\] is 0\.5/);
    expectCode(() => computeMetrics([0, 1], [-1, 0], ['a', 'b']), 'HS_INVALID_OPTION', /yPred\[0\] is -1/);
    expectCode(() => computeMetrics([], [], ['a']), 'HS_INVALID_OPTION', /0 samples/);
    expectCode(() => computeMetrics([0], [0], []), 'HS_INVALID_OPTION', /classes/);
  });
});

describe('argmaxRows', () => {
  it('returns the index of the largest value per row, ties to the lowest id', () => {
    const p = Float32Array.from([0.1, 0.7, 0.2, 0.5, 0.2, 0.3, 0.4, 0.4, 0.2, 0, 0, 1]);
    expect(Array.from(argmaxRows(p, 3))).toEqual([1, 0, 0, 2]);
    expect(argmaxRows(p, 3)).toBeInstanceOf(Int32Array);
    expect(argmaxRows(new Float32Array(0), 3)).toHaveLength(0);
  });

  it('handles negative logits', () => {
    expect(Array.from(argmaxRows(Float32Array.from([-3, -1, -2]), 3))).toEqual([1]);
  });

  it('rejects a length that is not a multiple of numClasses, bad numClasses and NaN', () => {
    expectCode(() => argmaxRows(new Float32Array(5), 3), 'HS_INVALID_OPTION', /5 values.*numClasses = 3/);
    expectCode(() => argmaxRows(new Float32Array(6), 0), 'HS_INVALID_OPTION', /numClasses/);
    expectCode(() => argmaxRows(Float32Array.from([0, NaN]), 2), 'HS_INVALID_OPTION', /row 0, class 1 is NaN/);
  });
});

describe('topKAccuracy', () => {
  // Row scores and the rank of the true class (0 = highest):
  //   [0.1, 0.7, 0.2] true 1 -> rank 0
  //   [0.5, 0.2, 0.3] true 2 -> rank 1
  //   [0.6, 0.3, 0.1] true 2 -> rank 2
  //   [0.2, 0.2, 0.6] true 1 -> rank 2 (0.6 above; tie with class 0, which has the lower id, goes first)
  const p = Float32Array.from([0.1, 0.7, 0.2, 0.5, 0.2, 0.3, 0.6, 0.3, 0.1, 0.2, 0.2, 0.6]);
  const y = [1, 2, 2, 1];

  it('counts hits within the top k', () => {
    expect(topKAccuracy(p, 3, y, 1)).toBeCloseTo(1 / 4, 12);
    expect(topKAccuracy(p, 3, y, 2)).toBeCloseTo(2 / 4, 12);
    expect(topKAccuracy(p, 3, y, 3)).toBe(1);
  });

  it('agrees with argmax accuracy at k = 1', () => {
    const pred = argmaxRows(p, 3);
    const acc = computeMetrics(y, pred, ['a', 'b', 'c']).accuracy;
    expect(topKAccuracy(p, 3, y, 1)).toBe(acc);
  });

  it('validates k, shapes and labels', () => {
    expectCode(() => topKAccuracy(p, 3, y, 0), 'HS_INVALID_OPTION', /k to be an integer in 1\.\.3/);
    expectCode(() => topKAccuracy(p, 3, y, 4), 'HS_INVALID_OPTION', /Received: 4/);
    expectCode(() => topKAccuracy(p, 3, [1, 2, 2], 1), 'HS_INVALID_OPTION', /4 rows.*3 entries/);
    expectCode(() => topKAccuracy(p, 3, [1, 2, 2, 5], 1), 'HS_INVALID_OPTION', /yTrue\[3\] is 5/);
    expectCode(() => topKAccuracy(new Float32Array(0), 3, [], 1), 'HS_INVALID_OPTION', /0 samples/);
  });
});
