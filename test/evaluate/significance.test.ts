import { describe, expect, it } from 'vitest';
import { comparePredictions, formatAccuracy, isSmallSample, mcnemarExact, showsOverfitting, wilsonInterval } from '../../src/evaluate/index.js';

describe('wilsonInterval', () => {
  // Newcombe (1998), Statistics in Medicine 17:857-872, Table I, method 3 (Wilson score, no continuity correction).
  it.each([
    [81, 263, 0.2553, 0.3662],
    [15, 148, 0.0624, 0.1605],
    [0, 20, 0, 0.1611],
    [1, 29, 0.0061, 0.1718],
  ])('%i/%i matches Newcombe', (k, n, low, high) => {
    const ci = wilsonInterval(k, n);
    expect(ci.low).toBeCloseTo(low, 4);
    expect(ci.high).toBeCloseTo(high, 4);
    expect(ci.value).toBeCloseTo(k / n, 12);
  });

  it('is the set of p a two-sided z-test at 5% does not reject', () => {
    // Independent route: the bounds solve (p̂ - p)^2 = z^2 p (1 - p) / n.
    const { low, high } = wilsonInterval(34, 37);
    const z = 1.959963984540054;
    for (const p of [low, high]) expect(Math.abs(34 / 37 - p)).toBeCloseTo(z * Math.sqrt((p * (1 - p)) / 37), 10);
  });

  it('flags small test sets and formats with the count', () => {
    expect(isSmallSample(wilsonInterval(34, 37))).toBe(true);
    expect(isSmallSample(wilsonInterval(950, 1000))).toBe(false);
    expect(formatAccuracy(wilsonInterval(34, 37))).toMatch(/^91\.9% \(95% CI \d+\.\d-\d+\.\d%, n=37\)$/);
  });

  it('rejects impossible counts', () => {
    expect(() => wilsonInterval(5, 4)).toThrow(/correct/);
    expect(() => wilsonInterval(0, 0)).toThrow(/n to be a positive integer/);
  });
});

describe('mcnemarExact', () => {
  /** Two-sided exact binomial p-value by exact integer arithmetic. */
  function exactP(b: number, c: number): number {
    const n = b + c;
    let choose = 1n;
    let tail = 0n;
    for (let i = 0; i <= Math.min(b, c); i++) {
      tail += choose;
      choose = (choose * BigInt(n - i)) / BigInt(i + 1);
    }
    return Math.min(1, Number(2n * tail) / 2 ** n);
  }

  it('matches the binomial tail computed with integers', () => {
    // b=2, c=9: 2 * (1 + 11 + 55) / 2^11 = 0.0654.
    expect(mcnemarExact(2, 9).pValue).toBeCloseTo(134 / 2048, 12);
    for (const [b, c] of [[0, 6], [10, 30], [40, 41], [3, 3], [120, 80]] as const) expect(mcnemarExact(b, c).pValue).toBeCloseTo(exactP(b, c), 10);
    expect(mcnemarExact(0, 6).significant).toBe(true); // 2/64
    expect(mcnemarExact(0, 5).significant).toBe(false); // 2/32
    expect(mcnemarExact(0, 0).pValue).toBe(1);
  });

  it('counts the discordant rows of two prediction lists', () => {
    const labels = [0, 1, 1, 0, 1, 0];
    const r = comparePredictions(labels, [0, 1, 1, 0, 0, 1], [0, 0, 1, 1, 1, 1]);
    expect([r.onlyFirst, r.onlySecond]).toEqual([2, 1]);
    expect(r.pValue).toBe(1);
  });
});

describe('showsOverfitting', () => {
  it('never flags one or two examples per class fitted perfectly', () => {
    // Five classes: 5 and 10 training images at 100%, tested on 100 images at 40%.
    expect(showsOverfitting({ accuracy: 1, n: 5 }, { accuracy: 0.4, n: 100 }, 0.25)).toBe(false);
    expect(showsOverfitting({ accuracy: 1, n: 10 }, { accuracy: 0.4, n: 100 }, 0.25)).toBe(false);
  });

  it('flags a gap the sample sizes can show, and not one inside the intervals', () => {
    // 25 training images at 100% (interval low 86.7%) against 62/100 (high 71.0%).
    expect(showsOverfitting({ accuracy: 1, n: 25 }, { accuracy: 0.62, n: 100 }, 0.25)).toBe(true);
    // 20 training rows at 100% (low 83.9%) against 4 of 6 test rows: 66.7% reaches 90.3%, so the gap is not shown.
    expect(showsOverfitting({ accuracy: 1, n: 20 }, { accuracy: 4 / 6, n: 6 }, 0.25)).toBe(false);
    expect(showsOverfitting({ accuracy: 1, n: 200 }, { accuracy: 0.8, n: 100 }, 0.25)).toBe(false);
  });
});
