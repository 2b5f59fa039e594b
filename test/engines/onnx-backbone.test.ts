import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  HeadstartError, createEngine, extractFeatures, listLayers, listBackbones, loadBackbone, loadImageDataset, loadModel, predict,
  registerBackbone, train,
} from '../../src/index.js';
import type { Engine, InputSpec } from '../../src/index.js';
import { FLOWERS_MINI } from '../paths.js';
import { tinyConvModel } from './tiny-onnx.js';

const INPUT: InputSpec = { height: 32, width: 32, channelOrder: 'rgb', resize: 'stretch', mean: [0, 0, 0], std: [255, 255, 255], layout: 'nchw' };

describe('a user ONNX backbone', () => {
  let work: string;
  let home: string;
  let modelFile: string;
  let engine: Engine;

  beforeAll(async () => {
    work = await fs.mkdtemp(path.join(os.tmpdir(), 'headstart-onnx-backbone-'));
    home = path.join(work, 'home');
    modelFile = path.join(work, 'tiny.onnx');
    await fs.writeFile(modelFile, tinyConvModel({ layout: 'nchw', size: 32 }));
    engine = createEngine({ kind: 'onnx' });
  });
  afterAll(async () => {
    await engine.dispose();
    await fs.rm(work, { recursive: true, force: true });
  });

  it('refuses registration through the tfjs engine, naming the engine to use', async () => {
    const err = await registerBackbone({ id: 'tiny-onnx', model: modelFile, format: 'onnx', cut: 'relu2', input: INPUT, home, engine: createEngine({ kind: 'tfjs' }) })
      .catch((e: unknown) => e);
    expect((err as HeadstartError).code).toBe('HS_INVALID_OPTION');
    expect((err as HeadstartError).message).toContain("createEngine({ kind: 'onnx' })");
    expect(await fs.readdir(path.join(home, 'zoo')).catch(() => [])).toEqual([]);
  });

  it('registers into the zoo as model.onnx with the hash of the file, and extracts like a bundled one', async () => {
    const installed = await registerBackbone({ id: 'tiny-onnx', model: modelFile, format: 'onnx', cut: 'relu2', input: INPUT, home, engine });
    expect(installed.files).toEqual({ format: 'onnx', path: path.join(home, 'zoo', 'tiny-onnx', 'model.onnx') });
    expect(installed.weightsSha256).toBe(createHash('sha256').update(await fs.readFile(modelFile)).digest('hex'));
    expect(await fs.readFile(installed.files.path)).toEqual(await fs.readFile(modelFile));
    expect(installed.card).toMatchObject({ id: 'tiny-onnx', format: 'onnx', embeddingSize: 4, defaultCut: 'relu2', cutPoints: [{ layer: 'relu2', shape: [4, 16, 16] }] });
    expect((await listBackbones({ home })).map((c) => c.id)).toContain('tiny-onnx');
    expect((await listLayers('tiny-onnx', { home, engine })).map((l) => l.name)).toContain('relu2');

    const backbone = await loadBackbone('tiny-onnx', { home, engine });
    const ds = await loadImageDataset(FLOWERS_MINI);
    const items = ds.items.filter((_, i) => i % 30 === 0);
    const { features, skipped } = await extractFeatures(backbone, { items, classes: ds.classes }, { batchSize: 4 });
    backbone.dispose();
    expect(skipped).toEqual([]);
    expect(features.dim).toBe(4);
    expect(features.files).toEqual(items.map((i) => i.path));
    expect(features.values.every(Number.isFinite)).toBe(true);
    expect(new Set(features.values).size).toBeGreaterThan(items.length);
  });

  it('trains on two classes, and the model directory reloads from its own copy of model.onnx', async () => {
    const data = path.join(work, 'two-classes');
    for (const cls of ['daisy', 'sunflowers']) {
      await fs.mkdir(path.join(data, cls), { recursive: true });
      for (const f of (await fs.readdir(path.join(FLOWERS_MINI, cls))).slice(0, 8)) await fs.copyFile(path.join(FLOWERS_MINI, cls, f), path.join(data, cls, f));
    }
    const out = path.join(work, 'model');
    const result = await train({ data, out, backbone: 'tiny-onnx', home, engine, split: { val: 0.25, test: 0.25 }, epochs: 5 });
    expect(result.manifest.backbone).toMatchObject({ id: 'tiny-onnx', location: 'included' });
    expect(await fs.readdir(path.join(out, 'backbone'))).toEqual(expect.arrayContaining(['card.json', 'model.onnx']));
    const files = [path.join(data, 'daisy', (await fs.readdir(path.join(data, 'daisy')))[0] as string)];
    const before = await predict({ model: out, files, home, engine, cache: false });

    // Without the registration the model still loads, from the backbone copy inside it.
    await fs.rm(path.join(home, 'zoo', 'tiny-onnx'), { recursive: true });
    const fresh = createEngine({ kind: 'onnx', threads: 1 });
    try {
      const model = await loadModel(out, { home, engine: fresh });
      expect(model.backbone.installed.files.path).toBe(path.join(out, 'backbone', 'model.onnx'));
      model.dispose();
      expect((await predict({ model: out, files, home, engine: fresh, cache: false })).predictions).toEqual(before.predictions);
    } finally {
      await fresh.dispose();
    }
  });
});
