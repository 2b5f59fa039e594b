import { invalidOption } from '../core/index.js';

function checkPairs(a: readonly number[], b: readonly number[]): void {
  if (a.length !== b.length) throw invalidOption(`Rank correlation needs two lists of equal length. Received ${a.length} and ${b.length} values.`);
  if (!a.every(Number.isFinite) || !b.every(Number.isFinite)) throw invalidOption('Rank correlation needs finite values only.');
}

/** Ranks from 1, ties sharing the mean of the ranks they span. */
function averageRanks(values: readonly number[]): number[] {
  const order = values.map((v, i) => ({ v, i })).sort((x, y) => x.v - y.v);
  const ranks = new Array<number>(values.length).fill(0);
  for (let start = 0; start < order.length; ) {
    let end = start;
    while (end + 1 < order.length && order[end + 1]!.v === order[start]!.v) end++;
    for (let k = start; k <= end; k++) ranks[order[k]!.i] = (start + end) / 2 + 1;
    start = end + 1;
  }
  return ranks;
}

/**
 * Spearman's rank correlation: Pearson's correlation of the (tie-averaged) ranks. `null` when it is undefined:
 * fewer than two pairs, or one list is constant.
 */
export function spearmanCorrelation(a: readonly number[], b: readonly number[]): number | null {
  checkPairs(a, b);
  const n = a.length;
  if (n < 2) return null;
  const ra = averageRanks(a);
  const rb = averageRanks(b);
  const mean = (n + 1) / 2;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    const da = ra[i]! - mean;
    const db = rb[i]! - mean;
    sab += da * db;
    saa += da * da;
    sbb += db * db;
  }
  return saa > 0 && sbb > 0 ? sab / Math.sqrt(saa * sbb) : null;
}

/**
 * Kendall's tau-b: (concordant - discordant) pairs over the geometric mean of the pairs untied in each list.
 * `null` when it is undefined: fewer than two pairs, or one list is constant.
 */
export function kendallTau(a: readonly number[], b: readonly number[]): number | null {
  checkPairs(a, b);
  let concordant = 0;
  let discordant = 0;
  let untiedA = 0;
  let untiedB = 0;
  for (let i = 0; i < a.length; i++) {
    for (let j = i + 1; j < a.length; j++) {
      const sa = Math.sign(a[j]! - a[i]!);
      const sb = Math.sign(b[j]! - b[i]!);
      if (sa !== 0) untiedA++;
      if (sb !== 0) untiedB++;
      if (sa * sb > 0) concordant++;
      else if (sa * sb < 0) discordant++;
    }
  }
  return untiedA > 0 && untiedB > 0 ? (concordant - discordant) / Math.sqrt(untiedA * untiedB) : null;
}
