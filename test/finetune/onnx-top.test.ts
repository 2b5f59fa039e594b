import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createEngine, decodeImage, getModelCard, installBackbone, listLayers, loadBackbone, onnxTop, splitAtBlocks } from '../../src/index.js';
import type { Backbone, TrainableTop } from '../../src/index.js';
import { backboneAsOnnx } from '../../src/zoo/index.js';
import { FLOWERS_MINI } from '../paths.js';

// The top of an ONNX backbone, rebuilt as TF.js Layers from the boundary to the pooled cut, must compute what the whole
// ONNX graph computes when it is fed the ONNX trunk's activations at the boundary (NCHW, flattened): that checks the
// block names, the graph surgery and the one NCHW -> NHWC transpose together. Feeding the same activations as if they
// were NHWC must not match, or the check would not see a missing (or doubled) transpose.
const relativeError = (a: Float32Array, b: Float32Array) => {
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num += ((a[i] as number) - (b[i] as number)) ** 2;
    den += (b[i] as number) ** 2;
  }
  return Math.sqrt(num / den);
};

describe.each([
  ['mobilenet-v2-imagenet', 2, ['MobilenetV2/expanded_conv_16/project/add_fold', 'features'], 'MobilenetV2/expanded_conv_15/add'],
  ['mobilenet-v1-imagenet', 1, ['features'], 'MobilenetV1/MobilenetV1/Conv2d_12_pointwise/Relu6'],
] as const)('the fine-tunable top of %s (unfreeze %i)', (id, unfreeze, groupNames, boundary) => {
  const home = inject('sharedHome');
  const engine = createEngine();
  let trunk: Backbone;
  let whole: Backbone;
  let top: TrainableTop;
  let pixels: Float32Array;
  const count = 3;

  beforeAll(async () => {
    const installed = await installBackbone(id, { home });
    const card = await getModelCard(id, { home });
    const layers = (await listLayers(id, { home, engine })).map((l) => l.name);
    for (const block of card.blocks ?? []) expect(layers).toContain(block);
    const split = splitAtBlocks(layers, card.blocks ?? [], card.defaultCut, unfreeze);
    expect(split.boundary).toBe(boundary);
    const { model, features } = await backboneAsOnnx(installed.files, card.defaultCut, card.defaultPooling);
    const rebuilt = onnxTop(model, split, features, installed.files.path);
    expect(rebuilt.groups.map((g) => g.name)).toEqual(groupNames);
    for (const g of rebuilt.groups) expect(g.layers.length).toBeGreaterThan(0);
    top = await engine.createTop({ ...rebuilt, inputLayout: 'nchw', pooling: 'avg', head: { classes: 2, hidden: [], dropout: 0, l2: 0, seed: 1 }, batchNorm: 'frozen' });
    trunk = await loadBackbone(id, { home, engine, cut: split.boundary, pooling: 'flatten' });
    whole = await loadBackbone(id, { home, engine });
    const dir = path.join(FLOWERS_MINI, 'roses');
    const files = (await fs.readdir(dir)).slice(0, count).map((f) => path.join(dir, f));
    pixels = new Float32Array(count * 224 * 224 * 3);
    for (const [i, f] of files.entries()) pixels.set(await decodeImage(await fs.readFile(f), f, card.input), i * 224 * 224 * 3);
  });
  afterAll(async () => {
    top.dispose();
    trunk.dispose();
    whole.dispose();
    await engine.dispose();
  });

  it('computes the backbone features from the ONNX trunk activations', async () => {
    const activations = await trunk.extractor.extract(pixels, count);
    const expected = await whole.extractor.extract(pixels, count);
    const got = await top.features(activations, count);
    expect(got.length).toBe(expected.length);
    expect(relativeError(got, expected)).toBeLessThan(1e-4);
  });

  it('would not, were the activations taken as NHWC', async () => {
    const installed = await installBackbone(id, { home });
    const card = await getModelCard(id, { home });
    const layers = (await listLayers(id, { home, engine })).map((l) => l.name);
    const split = splitAtBlocks(layers, card.blocks ?? [], card.defaultCut, unfreeze);
    const { model, features } = await backboneAsOnnx(installed.files, card.defaultCut, card.defaultPooling);
    const unpermuted = await engine.createTop({ ...onnxTop(model, split, features, installed.files.path), pooling: 'avg', head: { classes: 2, hidden: [], dropout: 0, l2: 0, seed: 1 }, batchNorm: 'frozen' });
    try {
      const got = await unpermuted.features(await trunk.extractor.extract(pixels, count), count);
      expect(relativeError(got, await whole.extractor.extract(pixels, count))).toBeGreaterThan(0.05);
    } finally {
      unpermuted.dispose();
    }
  });

  it('trains: a step moves the unfrozen weights and the loss is finite', async () => {
    const activations = await trunk.extractor.extract(pixels, count);
    const before = top.getWeights();
    const rates = Object.fromEntries(top.groups.map((g) => [g, 1e-3]));
    const loss = await top.trainBatch(activations, Int32Array.from([0, 1, 0]), { learningRates: rates });
    expect(Number.isFinite(loss)).toBe(true);
    expect(top.getWeights()[0]?.some((v, k) => v !== before[0]?.[k])).toBe(true);
  });
});
