import { invalidOption } from '../core/index.js';

/** Two classifiers compared on the same labelled rows. */
export interface McNemarResult {
  /** Rows only the first classifier got right. */
  onlyFirst: number;
  /** Rows only the second classifier got right. */
  onlySecond: number;
  /** Two-sided exact p-value: the chance of a split at least this uneven if both were equally accurate. */
  pValue: number;
  /** pValue < alpha. */
  significant: boolean;
  alpha: number;
}

/** log(n choose k) by summing logs: exact enough for the p-values of any test set size. */
function logChoose(n: number, k: number): number {
  let s = 0;
  for (let i = 1; i <= k; i++) s += Math.log(n - k + i) - Math.log(i);
  return s;
}

/**
 * Exact McNemar test (binomial test on the discordant pairs): under "equally accurate", each row that one classifier
 * gets right and the other wrong is a fair coin. Two-sided p = min(1, 2 * P(X <= min(b, c))), X ~ Binomial(b + c, 1/2).
 */
export function mcnemarExact(onlyFirst: number, onlySecond: number, alpha = 0.05): McNemarResult {
  for (const [name, v] of [['onlyFirst', onlyFirst], ['onlySecond', onlySecond]] as const) {
    if (!Number.isInteger(v) || v < 0) throw invalidOption(`Expected ${name} to be a non-negative integer. Received: ${String(v)}.`);
  }
  const n = onlyFirst + onlySecond;
  const k = Math.min(onlyFirst, onlySecond);
  let tail = 0;
  for (let i = 0; i <= k; i++) tail += Math.exp(logChoose(n, i) - n * Math.LN2);
  const pValue = Math.min(1, 2 * tail);
  return { onlyFirst, onlySecond, pValue, significant: pValue < alpha, alpha };
}

/** McNemar's test of two classifiers' predictions of the same rows against their true labels. */
export function comparePredictions(labels: ArrayLike<number>, first: ArrayLike<number>, second: ArrayLike<number>, alpha = 0.05): McNemarResult {
  if (first.length !== labels.length || second.length !== labels.length) {
    throw invalidOption(`Expected one prediction per label (${labels.length}). Received: ${first.length} and ${second.length}.`);
  }
  let onlyFirst = 0;
  let onlySecond = 0;
  for (let i = 0; i < labels.length; i++) {
    const a = first[i] === labels[i];
    const b = second[i] === labels[i];
    if (a && !b) onlyFirst++;
    else if (b && !a) onlySecond++;
  }
  return mcnemarExact(onlyFirst, onlySecond, alpha);
}
