import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  HeadstartError, createEngine, extractFeatures, getModelCard, listBackbones, loadBackbone, loadImageDataset, loadModel,
  predict, registerBackbone, train,
} from '../../src/index.js';
import type { ProgressEvent } from '../../src/index.js';
import { FLOWERS_MINI } from '../paths.js';

/** A tiny convolutional Layers model written the way tensorflowjs_converter writes one: model.json + weights.bin. */
async function writeTinyConvModel(dir: string): Promise<string> {
  const model = tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [32, 32, 3], filters: 4, kernelSize: 3, activation: 'relu', name: 'conv_a', kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) }),
      tf.layers.conv2d({ filters: 8, kernelSize: 3, strides: 2, activation: 'relu', name: 'conv_b', kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) }),
      tf.layers.globalAveragePooling2d({ name: 'pool' }),
      tf.layers.dense({ units: 3, name: 'logits' }),
    ],
  });
  await fs.mkdir(dir, { recursive: true });
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const json = { format: 'layers-model', modelTopology: artifacts.modelTopology, weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs }] };
      await fs.writeFile(path.join(dir, 'model.json'), JSON.stringify(json));
      await fs.writeFile(path.join(dir, 'weights.bin'), Buffer.from(artifacts.weightData as ArrayBuffer));
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  model.dispose();
  return path.join(dir, 'model.json');
}

describe('zoo', () => {
  const home = inject('sharedHome');
  let work: string;
  beforeAll(async () => {
    work = await fs.mkdtemp(path.join(os.tmpdir(), 'headstart-zoo-'));
  });
  afterAll(async () => {
    await fs.rm(work, { recursive: true, force: true });
  });

  it('lists the bundled backbones with complete cards', async () => {
    const cards = await listBackbones({ home });
    expect(cards.map((c) => c.id)).toEqual(expect.arrayContaining(['mobilenet-v1-imagenet', 'mobilenet-v2-imagenet', 'mobilenet-v2', 'inception-v3', 'mobilenet-v2-1.4']));
    for (const card of cards) {
      expect(card.cutPoints.map((c) => c.layer)).toContain(card.defaultCut);
      expect(card.defaultCutReason.length).toBeGreaterThan(20);
      expect(card.licence).not.toBe('');
    }
  });

  it('names the known ids when asked for an unknown one', async () => {
    const err = await getModelCard('resnet-9000', { home }).catch((e: unknown) => e);
    expect((err as HeadstartError).code).toBe('HS_MODEL_NOT_FOUND');
    expect((err as HeadstartError).message).toContain('mobilenet-v2');
  });

  it('suggests close layer names for a cut that does not exist, and rejects a bad pooling', async () => {
    const err = await loadBackbone('mobilenet-v2', { home, cut: 'block_13_expand_rel' }).catch((e: unknown) => e);
    expect((err as HeadstartError).code).toBe('HS_LAYER_NOT_FOUND');
    expect((err as HeadstartError).message).toContain('block_13_expand_relu');
    const bad = await loadBackbone('mobilenet-v2', { home, pooling: 'mean' as 'avg' }).catch((e: unknown) => e);
    expect((bad as HeadstartError).message).toBe("Expected pooling to be one of 'avg', 'max', 'flatten'. Received: 'mean'.");
  });

  it('converts a bundled backbone atomically and extracts with steady progress', async () => {
    const backbone = await loadBackbone('mobilenet-v2', { home });
    const zooEntries = await fs.readdir(path.join(home, 'zoo'));
    expect(zooEntries.filter((e) => e.startsWith('.'))).toEqual([]);
    const ds = await loadImageDataset(FLOWERS_MINI);
    const items = ds.items.filter((_, i) => i % 12 === 0);
    const events: ProgressEvent[] = [];
    const { features } = await extractFeatures(backbone, { items, classes: ds.classes }, { batchSize: 4, onProgress: (e) => events.push(e) });
    backbone.dispose();
    expect(features.dim).toBe(576);
    expect(features.files).toHaveLength(items.length);
    const extract = events.flatMap((e) => (e.stage === 'extract' ? [e] : []));
    expect(extract.every((e) => e.total === items.length)).toBe(true);
    expect(extract.map((e) => e.done)).toEqual([...extract.map((e) => e.done)].sort((a, b) => a - b));
    expect(extract.at(-1)?.done).toBe(items.length);
  });

  it('runs the bundled TF.js graph backbone up to a named node', async () => {
    const backbone = await loadBackbone('mobilenet-v2-1.4', { home });
    const ds = await loadImageDataset(FLOWERS_MINI);
    const { features } = await extractFeatures(backbone, { items: ds.items.slice(0, 3), classes: ds.classes });
    backbone.dispose();
    expect(features.dim).toBe(816);
    expect(features.values.every(Number.isFinite)).toBe(true);
  });

  it('runs a Keras backbone as its converted ONNX twin on onnxruntime, with the same features as tfjs', async () => {
    const ds = await loadImageDataset(FLOWERS_MINI);
    const items = ds.items.slice(0, 6);
    const onnxEngine = createEngine({ kind: 'onnx' });
    const viaOnnx = await loadBackbone('mobilenet-v2', { home, engine: onnxEngine });
    const viaTfjs = await loadBackbone('mobilenet-v2', { home, engine: createEngine({ kind: 'tfjs' }) });
    const a = (await extractFeatures(viaOnnx, { items, classes: ds.classes })).features.values;
    const b = (await extractFeatures(viaTfjs, { items, classes: ds.classes })).features.values;
    viaOnnx.dispose();
    viaTfjs.dispose();
    await onnxEngine.dispose();
    const scale = Math.max(...Array.from(b, Math.abs));
    const worst = Math.max(...Array.from(a, (v, i) => Math.abs(v - (b[i] ?? 0))));
    expect(a.length).toBe(b.length);
    expect(worst / scale).toBeLessThan(1e-4);
  });

  it("registers a user's Layers model, trains on it, and the model directory carries the backbone along", async () => {
    const modelJson = await writeTinyConvModel(path.join(work, 'tiny'));
    const userHome = path.join(work, 'home');
    const installed = await registerBackbone({
      id: 'tiny-conv', model: modelJson, format: 'tfjs-layers', cut: 'conv_b', home: userHome, engine: createEngine(),
      input: { height: 32, width: 32, channelOrder: 'rgb', resize: 'stretch', mean: [0, 0, 0], std: [255, 255, 255] },
    });
    expect(installed.card).toMatchObject({ id: 'tiny-conv', embeddingSize: 8, origin: 'user', defaultCut: 'conv_b' });
    expect((await listBackbones({ home: userHome })).map((c) => c.id)).toContain('tiny-conv');

    const data = path.join(work, 'two-classes');
    for (const cls of ['daisy', 'sunflowers']) {
      await fs.mkdir(path.join(data, cls), { recursive: true });
      for (const f of (await fs.readdir(path.join(FLOWERS_MINI, cls))).slice(0, 8)) await fs.copyFile(path.join(FLOWERS_MINI, cls, f), path.join(data, cls, f));
    }
    const out = path.join(work, 'tiny-model');
    await train({ data, out, backbone: 'tiny-conv', home: userHome, split: { val: 0.25, test: 0.25 }, epochs: 5 });
    expect(await fs.readdir(path.join(out, 'backbone'))).toEqual(expect.arrayContaining(['card.json', 'model.json', 'weights.bin']));
    const files = [path.join(data, 'daisy', (await fs.readdir(path.join(data, 'daisy')))[0] as string)];
    const before = await predict({ model: out, files, home: userHome });

    // Without the registration the model still loads, from its own copy of the backbone.
    await fs.rm(path.join(userHome, 'zoo', 'tiny-conv'), { recursive: true });
    const model = await loadModel(out, { home: userHome });
    expect(model.manifest.backbone.location).toBe('included');
    model.dispose();
    expect((await predict({ model: out, files, home: userHome, cache: false })).predictions).toEqual(before.predictions);
  });

  it('reports a damaged card with its path', async () => {
    const userHome = path.join(work, 'home-broken');
    await fs.mkdir(path.join(userHome, 'zoo', 'broken'), { recursive: true });
    await fs.writeFile(path.join(userHome, 'zoo', 'broken', 'card.json'), JSON.stringify({ card: { id: 'broken' }, weightsSha256: 'x' }));
    const err = await loadBackbone('broken', { home: userHome }).catch((e: unknown) => e);
    expect((err as HeadstartError).code).toBe('HS_MODEL_INVALID');
    expect((err as HeadstartError).message).toContain(path.join(userHome, 'zoo', 'broken', 'card.json'));
  });
});
