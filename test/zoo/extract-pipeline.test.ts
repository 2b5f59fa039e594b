import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { FeatureCache, HeadstartError, extractFeatures, loadBackbone, loadImageDataset } from '../../src/index.js';
import type { Backbone, ExtractFeaturesResult, LabeledItem, ProgressEvent } from '../../src/index.js';
import { FLOWERS_MINI } from '../paths.js';

/** Progress invariants: `done` never decreases, `total` is fixed, the last event completes. */
function expectSteadyProgress(events: ProgressEvent[], total: number, batches: number) {
  const extract = events.flatMap((e) => (e.stage === 'extract' ? [e] : []));
  expect(extract).toHaveLength(batches);
  expect(extract.every((e) => e.total === total)).toBe(true);
  expect(extract.map((e) => e.done)).toEqual([...extract.map((e) => e.done)].sort((a, b) => a - b));
  expect(extract.at(-1)?.done).toBe(total);
}

/** The feature row of `file` in a result. */
function rowOf(result: ExtractFeaturesResult, file: string): Float32Array {
  const i = result.features.files.indexOf(file);
  expect(i).toBeGreaterThanOrEqual(0);
  const { dim, values } = result.features;
  return values.subarray(i * dim, (i + 1) * dim);
}

describe('pipelined feature extraction', () => {
  const home = inject('sharedHome');
  let work: string;
  let backbone: Backbone;
  let classes: string[];
  let items: LabeledItem[];
  let oneBatch: ExtractFeaturesResult;

  beforeAll(async () => {
    work = await fs.mkdtemp(path.join(os.tmpdir(), 'headstart-pipeline-'));
    backbone = await loadBackbone('mobilenet-v2', { home });
    const ds = await loadImageDataset(FLOWERS_MINI);
    classes = ds.classes;
    items = ds.items.filter((_, i) => i % 4 === 0).slice(0, 40);
    oneBatch = await extractFeatures(backbone, { items, classes }, { batchSize: 40 });
  });
  afterAll(async () => {
    backbone.dispose();
    await fs.rm(work, { recursive: true, force: true });
  });

  it('gives the same features, order and files in batches of 8 as in one batch of 40', async () => {
    expect(items).toHaveLength(40);
    expect(new Set(items.map((i) => i.label)).size).toBe(5);
    const events: ProgressEvent[] = [];
    const batched = await extractFeatures(backbone, { items, classes }, { batchSize: 8, onProgress: (e) => events.push(e) });
    expect(batched.features.files).toEqual(items.map((i) => i.path));
    expect(batched.features.files).toEqual(oneBatch.features.files);
    expect(batched.features.labels).toEqual(oneBatch.features.labels);
    expect(batched.features.values).toEqual(oneBatch.features.values);
    expect(batched).toMatchObject({ extracted: 40, cached: 0, skipped: [] });
    expectSteadyProgress(events, 40, 5);
  });

  it('skips a corrupt file in the middle of a batch and a missing one without shifting rows', async () => {
    const corrupt = path.join(work, 'corrupt.jpg');
    await fs.writeFile(corrupt, Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(2000, 0x5a)]));
    const missing = path.join(work, 'missing.jpg');
    const withBad = [...items.slice(0, 11), { path: corrupt, label: 'daisy' }, ...items.slice(11, 20), { path: missing, label: 'roses' }, ...items.slice(20)];
    const events: ProgressEvent[] = [];
    const result = await extractFeatures(backbone, { items: withBad, classes }, { batchSize: 8, onProgress: (e) => events.push(e) });

    expect(result.features.files).toEqual(items.map((i) => i.path));
    expect(result.features.labels).toEqual(oneBatch.features.labels);
    for (const item of items) expect(rowOf(result, item.path)).toEqual(rowOf(oneBatch, item.path));
    expect(result.skipped.map((s) => s.file)).toEqual([corrupt, missing]);
    expect(result.skipped[0]?.reason).toContain(corrupt);
    expect(events.flatMap((e) => (e.stage === 'skip' ? [e.file] : []))).toEqual([corrupt, missing]);
    expectSteadyProgress(events, 42, 6);
  });

  it("stops at a corrupt file with onBadFile 'error', naming it", async () => {
    const corrupt = path.join(work, 'corrupt-error.jpg');
    await fs.writeFile(corrupt, Buffer.from('GIF89a, but not really'));
    const withBad = [...items.slice(0, 13), { path: corrupt, label: 'daisy' }, ...items.slice(13)];
    const err = await extractFeatures(backbone, { items: withBad, classes }, { batchSize: 8, onBadFile: 'error' }).catch((e: unknown) => e);
    expect((err as HeadstartError).code).toBe('HS_IMAGE_UNREADABLE');
    expect((err as HeadstartError).message).toContain(corrupt);
  });

  it('rejects a batch size that is not a positive integer', async () => {
    const err = await extractFeatures(backbone, { items, classes }, { batchSize: 0 }).catch((e: unknown) => e);
    expect((err as HeadstartError).code).toBe('HS_INVALID_OPTION');
    expect((err as HeadstartError).message).toBe('Expected batchSize to be a positive integer. Received: 0.');
  });

  it('serves a second pass from the feature cache with the same rows', async () => {
    const cache = FeatureCache.open(path.join(work, 'features.sqlite'));
    try {
      const first = await extractFeatures(backbone, { items, classes }, { batchSize: 8, cache });
      const second = await extractFeatures(backbone, { items, classes }, { batchSize: 8, cache });
      expect(first).toMatchObject({ extracted: 40, cached: 0 });
      expect(second).toMatchObject({ extracted: 0, cached: 40 });
      expect(second.features.files).toEqual(oneBatch.features.files);
      expect(second.features.values).toEqual(oneBatch.features.values);
    } finally {
      cache.close();
    }
  });
});
