import { createRng, HeadstartError, invalidOption, rejectUnknownKeys, sha256, shuffleInPlace } from '../core/index.js';
import type { ImageDataset, LabeledItem } from './types.js';

/** Exact number of items per class in each part. */
export interface PerClassCounts {
  train: number;
  /** @default 0 */
  val?: number;
  /** @default 0 */
  test?: number;
}

/** Fractions of each class; the rest is train. */
export interface SplitFractions {
  val: number;
  test: number;
}

export interface SplitDatasetOptions {
  /**
   * Take exactly these many items of every class for each part; items beyond `train + val + test` are left out of
   * all three. A class with fewer items is an error. Give either `perClass` or `fractions`. @default undefined
   */
  perClass?: PerClassCounts;
  /**
   * Put `round(n * val)` and `round(n * test)` items of each class of size n into val and test, and the rest into
   * train; every non-empty class keeps at least one train item. Give either `perClass` or `fractions`.
   * @default undefined
   */
  fractions?: SplitFractions;
  /** Seed of the shuffle; the same seed and dataset always give the same split. @default 0 */
  seed?: number;
}

export interface SplitDatasetResult {
  train: ImageDataset;
  val: ImageDataset;
  test: ImageDataset;
}

const KNOWN_KEYS = ['perClass', 'fractions', 'seed'];

type Counts = { train: number; val: number; test: number };

function checkCount(name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) {
    throw invalidOption(`Expected perClass.${name} to be a non-negative integer. Received: ${String(v)}.`);
  }
  return v;
}

function checkFraction(name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v >= 1) {
    throw invalidOption(`Expected fractions.${name} to be a number in [0, 1). Received: ${String(v)}.`);
  }
  return v;
}

/** Per-class counts for the fractions mode: rounded, with at least one train item in every non-empty class. */
function countsFromFractions(n: number, f: SplitFractions): Counts {
  let val = Math.round(n * f.val);
  let test = Math.round(n * f.test);
  while (n > 0 && n - val - test < 1) {
    if (test > val) test--;
    else val--;
  }
  return { train: n - val - test, val, test };
}

/** A per-class seed, so adding or removing one class does not change how the others are split. */
function classSeed(seed: number, cls: string): number {
  return (seed ^ Number.parseInt(sha256(cls).slice(0, 8), 16)) >>> 0;
}

/**
 * Splits a dataset into train, val and test, stratified by class and reproducible from `seed`. Each part keeps the
 * full `classes` list (so class ids agree across parts), lists its items in the dataset's order, and has an empty
 * `skipped` list (the files skipped while listing stay on the original dataset).
 *
 * @example
 * const { train, test } = splitDataset(ds, { perClass: { train: 50, test: 30 }, seed: 1 });
 * @throws HeadstartError `HS_INVALID_OPTION` for malformed options; `HS_DATASET_INVALID` when a class has fewer
 *   items than `perClass` asks for; `HS_UNKNOWN_LABEL` for an item whose label is not in `classes`.
 */
export function splitDataset(dataset: ImageDataset, options: SplitDatasetOptions): SplitDatasetResult {
  rejectUnknownKeys('splitDataset', options, KNOWN_KEYS);
  const { perClass, fractions, seed = 0 } = options;
  if ((perClass === undefined) === (fractions === undefined)) {
    throw invalidOption(
      'Expected exactly one of perClass (e.g. { train: 50, test: 30 }) or fractions (e.g. { val: 0.1, test: 0.2 }) in splitDataset options.',
    );
  }
  if (!Number.isInteger(seed)) throw invalidOption(`Expected seed to be an integer. Received: ${String(seed)}.`);

  let fixed: Counts | undefined;
  if (perClass !== undefined) {
    rejectUnknownKeys('perClass', perClass, ['train', 'val', 'test']);
    fixed = {
      train: checkCount('train', perClass.train),
      val: checkCount('val', perClass.val ?? 0),
      test: checkCount('test', perClass.test ?? 0),
    };
    if (fixed.train + fixed.val + fixed.test === 0) throw invalidOption('Expected perClass to ask for at least one item.');
  }
  if (fractions !== undefined) {
    rejectUnknownKeys('fractions', fractions, ['val', 'test']);
    const val = checkFraction('val', fractions.val);
    const test = checkFraction('test', fractions.test);
    if (val + test >= 1) {
      throw invalidOption(`Expected fractions.val + fractions.test to be below 1, leaving some train data. Received: ${val + test}.`);
    }
  }

  const byClass = new Map<string, number[]>(dataset.classes.map((c) => [c, []]));
  dataset.items.forEach((item, i) => {
    const list = byClass.get(item.label);
    if (list === undefined) {
      throw new HeadstartError(
        'HS_UNKNOWN_LABEL',
        `Item ${item.path} of ${dataset.source} has label '${item.label}', which is not one of its classes (${dataset.classes.join(', ')}).`,
      );
    }
    list.push(i);
  });

  // 0 train, 1 val, 2 test, -1 left out.
  const partOf = new Int8Array(dataset.items.length).fill(-1);
  for (const [cls, indices] of byClass) {
    const n = indices.length;
    const counts = fixed ?? countsFromFractions(n, fractions as SplitFractions);
    const needed = counts.train + counts.val + counts.test;
    if (fixed !== undefined && n < needed) {
      throw new HeadstartError(
        'HS_DATASET_INVALID',
        `class '${cls}' in ${dataset.source} has ${n} items, but perClass asks for ${counts.train} train + ` +
          `${counts.val} val + ${counts.test} test = ${needed}. Lower the counts, or split by fractions.`,
      );
    }
    const order = shuffleInPlace([...indices], createRng(classSeed(seed, cls)));
    order.forEach((itemIndex, k) => {
      partOf[itemIndex] = k < counts.train ? 0 : k < counts.train + counts.val ? 1 : k < needed ? 2 : -1;
    });
  }

  const parts: LabeledItem[][] = [[], [], []];
  dataset.items.forEach((item, i) => {
    const p = partOf[i] as number;
    if (p >= 0) (parts[p] as LabeledItem[]).push({ ...item });
  });
  const make = (items: LabeledItem[]): ImageDataset => ({
    source: dataset.source,
    classes: [...dataset.classes],
    items,
    skipped: [],
  });
  return { train: make(parts[0] as LabeledItem[]), val: make(parts[1] as LabeledItem[]), test: make(parts[2] as LabeledItem[]) };
}
