import { invalidOption } from '../core/index.js';

/** A proportion with its 95% Wilson score interval. */
export interface ProportionInterval {
  /** correct / n */
  value: number;
  low: number;
  high: number;
  /** Trials the proportion was counted over (test rows). */
  n: number;
}

/** The 0.975 quantile of the standard normal: a two-sided 95% interval. */
const Z95 = 1.959963984540054;

/**
 * The 95% Wilson score interval of `correct` successes in `n` trials (Wilson 1927; method 3 of Newcombe 1998). Unlike
 * the normal approximation it stays inside 0..1 and keeps its coverage on small samples, such as a 37-image test split.
 */
export function wilsonInterval(correct: number, n: number): ProportionInterval {
  if (!Number.isInteger(n) || n < 1) throw invalidOption(`Expected n to be a positive integer. Received: ${String(n)}.`);
  if (!Number.isInteger(correct) || correct < 0 || correct > n) throw invalidOption(`Expected correct to be an integer in 0..${n}. Received: ${String(correct)}.`);
  const p = correct / n;
  const z2 = Z95 * Z95;
  const denominator = 1 + z2 / n;
  const centre = (p + z2 / (2 * n)) / denominator;
  const half = (Z95 / denominator) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  // At 0 and n the bound is exactly 0 or 1; rounding can otherwise leave it a hair off.
  return { value: p, low: correct === 0 ? 0 : Math.max(0, centre - half), high: correct === n ? 1 : Math.min(1, centre + half), n };
}

/** An accuracy's interval, from the accuracy and the count it was measured on. */
export function accuracyInterval(accuracy: number, n: number): ProportionInterval {
  return wilsonInterval(Math.round(accuracy * n), n);
}

/** Test sets below this size, or intervals wider than SMALL_TEST_WIDTH, get a warning that the figure is rough. */
export const SMALL_TEST_ROWS = 100;
export const SMALL_TEST_WIDTH = 0.1;

/** "91.9% (95% CI 78.7-97.2%, n=37)": an accuracy as it should be printed. */
export function formatAccuracy(interval: ProportionInterval): string {
  const pct = (x: number) => (x * 100).toFixed(1);
  return `${pct(interval.value)}% (95% CI ${pct(interval.low)}-${pct(interval.high)}%, n=${interval.n})`;
}

/** True when the interval is too wide to tell apart models a few points apart. */
export function isSmallSample(interval: ProportionInterval): boolean {
  return interval.n < SMALL_TEST_ROWS || interval.high - interval.low > SMALL_TEST_WIDTH;
}

/** Fewer training rows than this cannot show overfitting: any flexible model fits a handful of examples perfectly. */
export const MIN_OVERFIT_TRAIN_ROWS = 20;

/**
 * True when training accuracy exceeds held-out accuracy by more than `gap` and the sample sizes can show it: at least
 * MIN_OVERFIT_TRAIN_ROWS training rows, and the two 95% Wilson intervals apart (the training interval's low end above
 * the held-out interval's high end). One or two examples per class, fitted perfectly, are never flagged.
 */
export function showsOverfitting(train: { accuracy: number; n: number }, heldOut: { accuracy: number; n: number }, gap: number): boolean {
  if (train.n < MIN_OVERFIT_TRAIN_ROWS || heldOut.n < 1 || train.accuracy - heldOut.accuracy <= gap) return false;
  return accuracyInterval(train.accuracy, train.n).low > accuracyInterval(heldOut.accuracy, heldOut.n).high;
}
