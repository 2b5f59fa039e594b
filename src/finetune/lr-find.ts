import { createRng, invalidOption, rejectUnknownKeys, shuffleInPlace, throwIfAborted } from '../core/index.js';
import type { FeatureSet } from '../data/index.js';
import type { TrainableTop } from '../engines/index.js';

export interface LrFindOptions {
  /** Parameter groups that train (all get the same rate). @default every group of the top */
  groups?: string[];
  /** @default 1e-7 */
  startLr?: number;
  /** @default 1 */
  endLr?: number;
  /** Steps (batches), the rate growing geometrically from startLr to endLr. @default 80 */
  steps?: number;
  /** @default 16 */
  batchSize?: number;
  /** @default 42 */
  seed?: number;
  signal?: AbortSignal;
}

export interface LrFindResult {
  /** The rate of each step taken. */
  rates: number[];
  /** Exponentially smoothed training loss after each step. */
  losses: number[];
  /** Where the smoothed loss falls fastest against log(rate), before it diverges (fastai's "steep" point). */
  suggestion: number;
  /** True when the loss exploded (over 4x its minimum) before the last step. */
  diverged: boolean;
}

export const LR_FIND_DEFAULTS = { startLr: 1e-7, endLr: 1, steps: 80, batchSize: 16, seed: 42 };

/**
 * The learning-rate range test (Smith 2017, fastai's `lr_find`): trains on batches with a rate growing geometrically,
 * records the smoothed loss, and suggests the rate where it falls fastest. The top's weights and optimiser state are
 * put back afterwards, so the test leaves no trace.
 */
export async function lrFind(top: TrainableTop, train: FeatureSet, options: LrFindOptions = {}): Promise<LrFindResult> {
  rejectUnknownKeys('lrFind', options, [...Object.keys(LR_FIND_DEFAULTS), 'groups', 'signal']);
  const o = { ...LR_FIND_DEFAULTS, ...options };
  if (!(o.startLr > 0 && o.endLr > o.startLr)) throw invalidOption(`Expected 0 < startLr < endLr. Received: startLr ${o.startLr}, endLr ${o.endLr}.`);
  if (!Number.isInteger(o.steps) || o.steps < 5) throw invalidOption(`Expected steps to be an integer of at least 5. Received: ${String(o.steps)}.`);
  const groups = o.groups ?? [...top.groups];
  const unknown = groups.filter((g) => !top.groups.includes(g));
  if (unknown.length > 0) throw invalidOption(`Unknown parameter groups ${unknown.join(', ')}; the top has ${top.groups.join(', ')}.`);
  const n = train.labels.length;
  const inputSize = top.inputShape.reduce((a, b) => a * b, 1);
  const saved = await top.getState();
  const rng = createRng(o.seed);
  let order: number[] = [];
  const rates: number[] = [];
  const losses: number[] = [];
  let smoothed = 0;
  let best = Infinity;
  let diverged = false;
  try {
    for (let step = 0; step < o.steps; step++) {
      throwIfAborted(o.signal);
      if (order.length < o.batchSize) order = [...order, ...shuffleInPlace(Array.from({ length: n }, (_, i) => i), rng)];
      const rows = order.splice(0, Math.min(o.batchSize, n));
      const x = new Float32Array(rows.length * inputSize);
      rows.forEach((r, j) => x.set(train.values.subarray(r * inputSize, (r + 1) * inputSize), j * inputSize));
      const lr = o.startLr * (o.endLr / o.startLr) ** (step / (o.steps - 1));
      const loss = await top.trainBatch(x, Int32Array.from(rows, (r) => train.labels[r] ?? 0), { learningRates: Object.fromEntries(groups.map((g) => [g, lr])) });
      // Bias-corrected exponential moving average, as fastai smooths it.
      smoothed = 0.98 * smoothed + 0.02 * loss;
      const value = smoothed / (1 - 0.98 ** (step + 1));
      rates.push(lr);
      losses.push(value);
      best = Math.min(best, value);
      if (!Number.isFinite(value) || value > 4 * best) {
        diverged = true;
        break;
      }
    }
  } finally {
    await top.setState(saved);
  }
  return { rates, losses, suggestion: steepestRate(rates, losses), diverged };
}

/**
 * The rate at the most negative slope of loss against log(rate), before the loss's minimum. Slopes are central
 * differences over a tenth of the steps either side, so the noise of the first, barely averaged steps does not win.
 */
export function steepestRate(rates: number[], losses: number[]): number {
  const end = losses.indexOf(Math.min(...losses.filter(Number.isFinite)));
  const w = Math.max(1, Math.min(Math.round(rates.length / 10), Math.floor(end / 2)));
  let bestSlope = Infinity;
  let at = Math.max(0, end);
  for (let i = w; i + w <= end; i++) {
    const slope = ((losses[i + w] as number) - (losses[i - w] as number)) / (Math.log(rates[i + w] as number) - Math.log(rates[i - w] as number));
    if (slope < bestSlope) {
      bestSlope = slope;
      at = i;
    }
  }
  return rates[at] ?? rates[0] ?? NaN;
}
