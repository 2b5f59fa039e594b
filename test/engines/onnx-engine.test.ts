import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HeadstartError } from '../../src/core/index.js';
import { OnnxEngine, TfjsEngine, createEngine } from '../../src/engines/index.js';
import type { ExtractorOptions, ModelFiles } from '../../src/engines/index.js';
import type { InputSpec } from '../../src/data/index.js';
import { relu1ByHand, testPixels, tinyConvModel } from './tiny-onnx.js';

function expectAllClose(actual: ArrayLike<number>, expected: ArrayLike<number>, atol = 1e-5) {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    if (Math.abs((actual[i] as number) - (expected[i] as number)) > atol) {
      throw new Error(`element ${i}: ${actual[i]} vs ${expected[i]} (atol ${atol})`);
    }
  }
}

async function failure(p: Promise<unknown>): Promise<HeadstartError> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(HeadstartError);
  return err as HeadstartError;
}

const SIZE = 8;
const input = (layout: 'nchw' | 'nhwc', size = SIZE): InputSpec => ({
  height: size, width: size, channelOrder: 'rgb', resize: 'stretch', mean: [0, 0, 0], std: [1, 1, 1], layout,
});

describe('OnnxEngine', () => {
  let work: string;
  let nchw: ModelFiles;
  let nhwc: ModelFiles;
  let fixed: ModelFiles;
  const engine = new OnnxEngine({ threads: 1 });

  beforeAll(async () => {
    work = await fs.mkdtemp(path.join(os.tmpdir(), 'headstart-onnx-engine-'));
    const write = async (name: string, bytes: Uint8Array): Promise<ModelFiles> => {
      const file = path.join(work, name);
      await fs.writeFile(file, bytes);
      return { format: 'onnx', path: file };
    };
    nchw = await write('tiny-nchw.onnx', tinyConvModel({ layout: 'nchw', size: SIZE }));
    nhwc = await write('tiny-nhwc.onnx', tinyConvModel({ layout: 'nhwc', size: SIZE }));
    fixed = await write('tiny-batch1.onnx', tinyConvModel({ layout: 'nchw', size: SIZE, batch: 1 }));
  });
  afterAll(async () => {
    await engine.dispose();
    await fs.rm(work, { recursive: true, force: true });
  });

  const extract = async (files: ModelFiles, options: ExtractorOptions, pixels: Float32Array, count: number) => {
    const extractor = await engine.loadExtractor(files, options);
    try {
      return { dim: extractor.dim, cutShape: extractor.cutShape, values: await extractor.extract(pixels, count) };
    } finally {
      extractor.dispose();
    }
  };

  it('gives the same features for an NCHW model fed NCHW and its NHWC twin fed NHWC', async () => {
    const pixels = testPixels(3, SIZE);
    for (const cut of ['features', 'relu1', 'relu2']) {
      const a = await extract(nchw, { cut, pooling: 'avg', input: input('nchw') }, pixels, 3);
      const b = await extract(nhwc, { cut, pooling: 'avg', input: input('nhwc') }, pixels, 3);
      expect(a.dim).toBe(b.dim);
      expect(a.cutShape).toEqual(b.cutShape);
      expectAllClose(a.values, b.values, 1e-6);
    }
    const features = await extract(nchw, { cut: 'features', pooling: 'avg', input: input('nchw') }, pixels, 3);
    expect(features).toMatchObject({ dim: 4, cutShape: [4] });
    expect(new Set(features.values).size).toBeGreaterThan(4);
  });

  it('pools an intermediate NCHW value like the hand-computed numbers: avg, max, flatten', async () => {
    const pixels = testPixels(2, SIZE);
    const byHand = relu1ByHand(pixels, 2, SIZE);
    const options = (pooling: 'avg' | 'max' | 'flatten'): ExtractorOptions => ({ cut: 'relu1', pooling, input: input('nchw') });

    const avg = await extract(nchw, options('avg'), pixels, 2);
    expect(avg).toMatchObject({ dim: 2, cutShape: [2, SIZE, SIZE] });
    expectAllClose(avg.values, byHand.flatMap((img) => img.map((plane) => plane.reduce((a, b) => a + b, 0) / plane.length)));

    const max = await extract(nchw, options('max'), pixels, 2);
    expectAllClose(max.values, byHand.flatMap((img) => img.map((plane) => Math.max(...plane))));

    const flat = await extract(nchw, options('flatten'), pixels, 2);
    expect(flat.dim).toBe(2 * SIZE * SIZE);
    expectAllClose(flat.values, byHand.flat(2)); // the tensor's own C, H, W order
  });

  it('runs a model exported with a fixed batch of 1 on any number of images', async () => {
    const pixels = testPixels(3, SIZE);
    const dynamic = await extract(nchw, { cut: 'relu2', pooling: 'max', input: input('nchw') }, pixels, 3);
    const batch1 = await extract(fixed, { cut: 'relu2', pooling: 'max', input: input('nchw') }, pixels, 3);
    expectAllClose(batch1.values, dynamic.values, 1e-6);
  });

  it('keeps one session per (file, cut) and releases them on dispose', async () => {
    const own = new OnnxEngine({ threads: 1 });
    const first = await own.loadExtractor(nchw, { cut: 'relu1', pooling: 'avg', input: input('nchw') });
    const second = await own.loadExtractor(nchw, { cut: 'relu1', pooling: 'max', input: input('nchw') });
    expect(own.sessionCount).toBe(1);
    first.dispose(); // the session is the engine's: the other extractor keeps working
    expect((await second.extract(testPixels(1, SIZE), 1)).length).toBe(2);
    await own.loadExtractor(nchw, { cut: 'features', pooling: 'avg', input: input('nchw') });
    expect(own.sessionCount).toBe(2);
    await own.dispose();
    expect(own.sessionCount).toBe(0);
    const err = await failure(second.extract(testPixels(1, SIZE), 1));
    expect(err.code).toBe('HS_ENGINE_FAILED');
    expect(err.message).toContain('disposed');
  });

  it('names the input, its dtype and dims given vs expected when the size is wrong', async () => {
    const err = await failure(engine.loadExtractor(nchw, { cut: 'features', pooling: 'avg', input: input('nchw', 16) }));
    expect(err.code).toBe('HS_ENGINE_FAILED');
    expect(err.message).toContain(nchw.path);
    expect(err.message).toContain("'x' float32 [1, 3, 16, 16] (expected float32 [batch, 3, 8, 8])");
    expect(err.message).toContain('Set input height and width to 8 x 8');

    const layout = await failure(engine.loadExtractor(nchw, { cut: 'features', pooling: 'avg', input: input('nhwc') }));
    expect(layout.code).toBe('HS_ENGINE_FAILED');
    expect(layout.message).toContain("'x' float32 [1, 8, 8, 3] (expected float32 [batch, 3, 8, 8])");
    expect(layout.message).toContain("set input.layout to 'nchw'");
  });

  it('rejects an unknown cut with similar names, and avg pooling of a rank-3 value', async () => {
    const unknown = await failure(engine.loadExtractor(nchw, { cut: 'relu', pooling: 'avg', input: input('nchw') }));
    expect(unknown.code).toBe('HS_LAYER_NOT_FOUND');
    expect(unknown.message).toMatch(/No node of .*tiny-nchw\.onnx produces 'relu'\. Similar names: relu1, relu2/);

    const rank3 = await failure(engine.loadExtractor(nchw, { cut: 'tokens', pooling: 'avg', input: input('nchw') }));
    expect(rank3.code).toBe('HS_INVALID_OPTION');
    expect(rank3.message).toContain("Cannot pool 'tokens'");
    expect(rank3.message).toContain('[1, 2, 64]');
    const flat = await extract(nchw, { cut: 'tokens', pooling: 'flatten', input: input('nchw') }, testPixels(1, SIZE), 1);
    expect(flat.dim).toBe(128);
  });

  it('reports a missing file with its path', async () => {
    const missing = path.join(work, 'nope.onnx');
    const err = await failure(engine.loadExtractor({ format: 'onnx', path: missing }, { cut: 'features', pooling: 'avg', input: input('nchw') }));
    expect(err.code).toBe('HS_MODEL_NOT_FOUND');
    expect(err.message).toContain(missing);
  });

  it('lists every node output with its op type', async () => {
    const layers = await engine.listLayers(nhwc);
    expect(layers.map((l) => [l.name, l.className])).toEqual([
      ['to_nchw', 'Transpose'], ['conv1', 'Conv'], ['relu1', 'Relu'], ['conv2', 'Conv'], ['relu2', 'Relu'],
      ['gap', 'GlobalAveragePool'], ['features', 'Flatten'], ['tokens', 'Reshape'],
    ]);
    expect(layers.find((l) => l.name === 'features')?.shape).toEqual([null, 4]);
    expect(layers.find((l) => l.name === 'relu1')?.shape).toEqual([]);
  });

  it('hands TF.js files to its inner tfjs engine', async () => {
    const missing = path.join(work, 'model.json');
    const err = await failure(engine.listLayers({ format: 'tfjs-layers', path: missing }));
    expect(err.code).toBe('HS_MODEL_NOT_FOUND');
    expect(err.message).toContain(`Cannot read TF.js model ${missing}`);
  });

  it('makes TfjsEngine refuse an ONNX file and say which engine to use', async () => {
    const tfjs = new TfjsEngine();
    for (const call of [tfjs.loadExtractor(nchw, { cut: 'features', pooling: 'avg', input: input('nchw') }), tfjs.listLayers(nchw)]) {
      const err = await failure(call);
      expect(err.code).toBe('HS_INVALID_OPTION');
      expect(err.message).toContain(nchw.path);
      expect(err.message).toContain("createEngine({ kind: 'onnx' })");
    }
  });

  it('creates engines by kind and rejects unknown kinds and options', () => {
    expect(createEngine().name).toBe('onnxruntime-cpu');
    expect(createEngine({ kind: 'tfjs' }).name).toBe('tfjs-wasm');
    expect(createEngine({ kind: 'onnx', threads: 2 })).toBeInstanceOf(OnnxEngine);
    expect(() => createEngine({ kind: 'torch' as 'onnx' })).toThrow("Expected kind to be one of 'tfjs', 'onnx'. Received: 'torch'.");
    expect(() => createEngine({ kind: 'tfjs', threads: 2 })).toThrow(/threads/);
    expect(() => new OnnxEngine({ threads: 0 })).toThrow('Expected threads to be a positive integer. Received: 0.');
    expect(() => createEngine({ kind: 'onnx', thread: 2 } as never)).toThrow(/Unknown createEngine option: thread/);
  });
});
