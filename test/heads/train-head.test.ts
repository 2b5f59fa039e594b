import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { HEAD_KINDS, HeadstartError, argmaxRows, loadHead, trainHead } from '../../src/index.js';
import type { FeatureSet, ProgressEvent } from '../../src/index.js';
import { createRng } from '../../src/core/index.js';

/** Three Gaussian blobs in `dim` dimensions, centres 3 apart on different axes, unit noise. */
function blobs(perClass: number, dim: number, seed: number): FeatureSet {
  const rng = createRng(seed);
  const normal = () => Math.sqrt(-2 * Math.log(rng() + 1e-12)) * Math.cos(2 * Math.PI * rng());
  const classes = ['a', 'b', 'c'];
  const values = new Float32Array(perClass * classes.length * dim);
  const labels = new Int32Array(perClass * classes.length);
  for (let c = 0; c < classes.length; c++) {
    for (let i = 0; i < perClass; i++) {
      const r = c * perClass + i;
      labels[r] = c;
      for (let k = 0; k < dim; k++) values[r * dim + k] = normal() + (k === c ? 3 : 0) + 5;
    }
  }
  return { values, dim, labels, classes, files: Array.from(labels, (_, i) => `row-${i}`) };
}

const accuracy = (probs: Float32Array, set: FeatureSet) =>
  argmaxRows(probs, set.classes.length).reduce((n, p, i) => n + (p === set.labels[i] ? 1 : 0), 0) / set.labels.length;

describe('trainHead', () => {
  const train = blobs(40, 8, 1);
  const test = blobs(30, 8, 2);

  for (const kind of HEAD_KINDS) {
    it(`${kind}: learns separable blobs and round-trips through save/load with identical predictions`, async () => {
      const { head } = await trainHead(train, { kind, epochs: 200 });
      const probs = await head.predict(test.values, test.labels.length);
      expect(accuracy(probs, test)).toBeGreaterThanOrEqual(0.9);
      const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'headstart-head-'));
      await head.save(dir);
      const loaded = await loadHead(dir);
      // The logistic head is saved as the dense layer it is, so it loads back as a linear head.
      expect(loaded.kind).toBe(kind === 'logistic' ? 'linear' : kind);
      expect(await loaded.predict(test.values, test.labels.length)).toEqual(probs);
      head.dispose();
      loaded.dispose();
      await fs.rm(dir, { recursive: true, force: true });
    });
  }

  it('is reproducible with a fixed seed', async () => {
    const a = await trainHead(train, { kind: 'mlp', epochs: 10, seed: 7 });
    const b = await trainHead(train, { kind: 'mlp', epochs: 10, seed: 7 });
    const rows = test.values.subarray(0, 5 * test.dim);
    expect(await b.head.predict(rows, 5)).toEqual(await a.head.predict(rows, 5));
    expect(b.history).toEqual(a.history);
  });

  it('stops early on a validation plateau and reports epochs in order', async () => {
    const events: ProgressEvent[] = [];
    const result = await trainHead(train, { val: test, epochs: 500, patience: 3, learningRate: 0.05, onProgress: (e) => events.push(e) });
    expect(result.stoppedReason).toMatch(/valLoss has not improved for 3 epochs/);
    expect(result.history.length).toBeLessThan(500);
    const epochs = events.flatMap((e) => (e.stage === 'epoch' ? [e.epoch] : []));
    expect(epochs).toEqual(result.history.map((h) => h.epoch));
    expect(epochs).toEqual([...epochs].sort((x, y) => x - y));
    expect(result.history.every((h) => h.valAccuracy !== undefined)).toBe(true);
  });

  it('rejects an unknown head kind, listing the valid ones', async () => {
    const err = await trainHead(train, { kind: 'svm' as 'linear' }).catch((e: unknown) => e);
    expect((err as HeadstartError).code).toBe('HS_INVALID_OPTION');
    expect((err as HeadstartError).message).toContain("'linear', 'logistic', 'mlp', 'knn', 'prototype'");
  });

  it('refuses a single class', async () => {
    const one: FeatureSet = { ...train, labels: new Int32Array(train.labels.length) };
    const err = await trainHead(one).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HeadstartError);
    expect((err as HeadstartError).code).toBe('HS_DATASET_INVALID');
  });
});

describe('dropout in heads', () => {
  it('draws a new mask at every training step, the same ones on a rerun', async () => {
    const { buildHead, nextDropoutMasks } = await import('../../src/engines/tfjs/head.js');
    const { initWasmBackend, tf } = await import('../../src/engines/tfjs/backend.js');
    await initWasmBackend();
    // A seeded tfjs Dropout alone repeats one mask forever; nextDropoutMasks moves it on per step.
    const masks = () => {
      const head = buildHead({ inputDim: 16, classes: 2, hidden: [], dropout: 0.5, l2: 0, seed: 7 });
      const dropout = head.layers[0] as unknown as { apply: (x: unknown, k: object) => { dataSync: () => Float32Array } };
      const x = tf.ones([1, 16]);
      const out: string[] = [];
      for (let step = 0; step < 3; step++) {
        nextDropoutMasks(head);
        out.push(Array.from(dropout.apply(x, { training: true }).dataSync(), (v) => (v > 0 ? 1 : 0)).join(''));
      }
      head.dispose();
      x.dispose();
      return out;
    };
    const first = masks();
    expect(new Set(first).size).toBe(3);
    expect(masks()).toEqual(first);
  });
});
