import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { listImageFolder, splitDataset } from '../../src/data/index.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const flowers = path.resolve(repoRoot, '../shared/data/flowers');

describe('the shared flowers dataset', () => {
  it('lists 5 classes of 80 images and splits 50/30 per class into 250/150', async () => {
    const ds = await listImageFolder(flowers);
    expect(ds.classes).toEqual(['daisy', 'dandelion', 'roses', 'sunflowers', 'tulips']);
    expect(ds.items).toHaveLength(400);
    for (const cls of ds.classes) expect(ds.items.filter((i) => i.label === cls)).toHaveLength(80);
    expect(ds.skipped).toEqual([]);

    const { train, val, test } = splitDataset(ds, { perClass: { train: 50, test: 30 }, seed: 0 });
    expect(train.items).toHaveLength(250);
    expect(test.items).toHaveLength(150);
    expect(val.items).toHaveLength(0);
  });
});
