import { describe, expect, it } from 'vitest';
import { HeadstartError } from '../../src/core/index.js';
import { splitDataset } from '../../src/data/index.js';
import type { ImageDataset, LabeledItem } from '../../src/data/index.js';

function makeDataset(sizes: Record<string, number>): ImageDataset {
  const classes = Object.keys(sizes).sort();
  const items: LabeledItem[] = [];
  for (const label of classes) {
    for (let i = 0; i < (sizes[label] ?? 0); i++) items.push({ path: `/d/${label}/${String(i).padStart(3, '0')}.jpg`, label });
  }
  return { source: '/d', classes, items, skipped: [{ file: '/d/x.txt', reason: 'unsupported' }] };
}

function countByClass(ds: ImageDataset): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const item of ds.items) counts[item.label] = (counts[item.label] ?? 0) + 1;
  return counts;
}

function expectCode(fn: () => unknown, code: string, ...inMessage: string[]): void {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(HeadstartError);
  expect((caught as HeadstartError).code).toBe(code);
  for (const text of inMessage) expect((caught as HeadstartError).message).toContain(text);
}

const ds = makeDataset({ a: 10, b: 20, c: 8 });

describe('splitDataset with perClass', () => {
  it('takes exact counts per class, disjoint, keeping all classes in every part', () => {
    const { train, val, test } = splitDataset(ds, { perClass: { train: 5, val: 1, test: 2 }, seed: 3 });
    expect(countByClass(train)).toEqual({ a: 5, b: 5, c: 5 });
    expect(countByClass(val)).toEqual({ a: 1, b: 1, c: 1 });
    expect(countByClass(test)).toEqual({ a: 2, b: 2, c: 2 });
    for (const part of [train, val, test]) {
      expect(part.classes).toEqual(['a', 'b', 'c']);
      expect(part.source).toBe('/d');
      expect(part.skipped).toEqual([]);
    }
    const all = [...train.items, ...val.items, ...test.items].map((i) => i.path);
    expect(new Set(all).size).toBe(all.length);
    const known = new Set(ds.items.map((i) => i.path));
    expect(all.every((p) => known.has(p))).toBe(true);
  });

  it('lists each part in dataset order', () => {
    const order = new Map(ds.items.map((item, i) => [item.path, i]));
    const { train, val, test } = splitDataset(ds, { perClass: { train: 4, val: 1, test: 3 }, seed: 9 });
    for (const part of [train, val, test]) {
      const idx = part.items.map((i) => order.get(i.path) as number);
      expect(idx).toEqual([...idx].sort((x, y) => x - y));
    }
  });

  it('is deterministic for a seed and differs for another seed', () => {
    const options = { perClass: { train: 5, test: 3 } };
    const one = splitDataset(ds, { ...options, seed: 42 });
    expect(splitDataset(ds, { ...options, seed: 42 })).toEqual(one);
    expect(splitDataset(ds, { ...options, seed: 43 }).train.items).not.toEqual(one.train.items);
    expect(splitDataset(ds, options)).toEqual(splitDataset(ds, { ...options, seed: 0 }));
  });

  it('does not change the split of a class when another class is added', () => {
    const options = { perClass: { train: 5, test: 3 }, seed: 5 };
    const before = splitDataset(ds, options);
    const after = splitDataset(makeDataset({ a: 10, b: 20, c: 8, d: 9 }), options);
    const of = (part: ImageDataset, label: string) => part.items.filter((i) => i.label === label);
    expect(of(after.train, 'b')).toEqual(of(before.train, 'b'));
    expect(of(after.test, 'c')).toEqual(of(before.test, 'c'));
  });

  it('throws HS_DATASET_INVALID naming the class and counts when a class is too small', () => {
    expectCode(
      () => splitDataset(ds, { perClass: { train: 6, val: 1, test: 2 } }),
      'HS_DATASET_INVALID',
      "class 'c'",
      'has 8 items',
      '6 train + 1 val + 2 test = 9',
    );
  });
});

describe('splitDataset with fractions', () => {
  it('rounds per class and puts the rest in train', () => {
    const { train, val, test } = splitDataset(ds, { fractions: { val: 0.1, test: 0.25 }, seed: 1 });
    expect(countByClass(val)).toEqual({ a: 1, b: 2, c: 1 });
    expect(countByClass(test)).toEqual({ a: 3, b: 5, c: 2 });
    expect(countByClass(train)).toEqual({ a: 6, b: 13, c: 5 });
  });

  it('keeps at least one train item in every class', () => {
    const small = makeDataset({ a: 1, b: 2, c: 3 });
    const { train, val, test } = splitDataset(small, { fractions: { val: 0.45, test: 0.45 }, seed: 2 });
    expect(countByClass(train)).toEqual({ a: 1, b: 1, c: 1 });
    expect(val.items.length + test.items.length + train.items.length).toBe(6);
    expect(train.classes).toEqual(['a', 'b', 'c']);
  });

  it('is deterministic for a seed', () => {
    const options = { fractions: { val: 0.2, test: 0.2 }, seed: 11 };
    expect(splitDataset(ds, options)).toEqual(splitDataset(ds, options));
  });
});

describe('splitDataset options', () => {
  it('needs exactly one of perClass and fractions', () => {
    expectCode(() => splitDataset(ds, {}), 'HS_INVALID_OPTION', 'perClass', 'fractions');
    expectCode(
      () => splitDataset(ds, { perClass: { train: 1 }, fractions: { val: 0.1, test: 0.1 } }),
      'HS_INVALID_OPTION',
      'exactly one',
    );
  });

  it('validates counts, fractions and keys', () => {
    expectCode(() => splitDataset(ds, { perClass: { train: -1 } }), 'HS_INVALID_OPTION', 'perClass.train');
    expectCode(() => splitDataset(ds, { perClass: { train: 1.5 } }), 'HS_INVALID_OPTION', 'perClass.train');
    expectCode(() => splitDataset(ds, { fractions: { val: 0.5, test: 0.5 } }), 'HS_INVALID_OPTION', 'below 1');
    expectCode(() => splitDataset(ds, { fractions: { val: -0.1, test: 0.1 } }), 'HS_INVALID_OPTION', 'fractions.val');
    expectCode(() => splitDataset(ds, { perClass: { train: 1, tests: 2 } as never }), 'HS_INVALID_OPTION', 'tests');
    expectCode(() => splitDataset(ds, { perClass: { train: 1 }, seeds: 1 } as never), 'HS_INVALID_OPTION', 'seeds');
    expectCode(() => splitDataset(ds, { perClass: { train: 1 }, seed: 0.5 }), 'HS_INVALID_OPTION', 'seed');
  });

  it('throws HS_UNKNOWN_LABEL for an item outside the class list', () => {
    const bad: ImageDataset = { ...ds, items: [...ds.items, { path: '/d/z/1.jpg', label: 'z' }] };
    expectCode(() => splitDataset(bad, { perClass: { train: 1 } }), 'HS_UNKNOWN_LABEL', "'z'", '/d/z/1.jpg');
  });
});
