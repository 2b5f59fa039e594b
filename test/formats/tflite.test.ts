import { promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ByteBuffer } from 'flatbuffers';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeOnnxModel } from '../../src/formats/onnx/index.js';
import { convertTfliteToOnnx, dequantize, readTflite } from '../../src/formats/tflite/index.js';
import type { ConvertTfliteToOnnxResult, TfliteModel } from '../../src/formats/tflite/index.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const coral = path.resolve(repoRoot, '../shared/models/coral');
const flowers = path.resolve(repoRoot, 'assets/flowers-mini');
const CLASSES = ['daisy', 'dandelion', 'roses', 'sunflowers', 'tulips'];

const log = (line: string) => process.stdout.write(`${line}\n`);

interface Expected {
  file: string;
  inputScale: { mean: number; std: number };
  featureDim: number;
  logitsDim?: number;
  ops: string[];
}

const MODELS: Expected[] = [
  {
    file: 'mobilenet_v2_1.0_224_quant.tflite',
    inputScale: { mean: 128, std: 128 },
    featureDim: 1280,
    logitsDim: 1001,
    ops: ['ADD', 'AVERAGE_POOL_2D', 'CONV_2D', 'DEPTHWISE_CONV_2D', 'RESHAPE'],
  },
  {
    file: 'tf2_mobilenet_v2_1.0_224_ptq.tflite',
    inputScale: { mean: 127, std: 127.5 },
    featureDim: 1280,
    logitsDim: 1001,
    ops: ['ADD', 'CONV_2D', 'DEPTHWISE_CONV_2D', 'MEAN', 'QUANTIZE', 'RESHAPE'],
  },
  {
    file: 'mobilenet_v1_1.0_224_quant_embedding_extractor.tflite',
    inputScale: { mean: 128, std: 128 },
    featureDim: 1024,
    ops: ['AVERAGE_POOL_2D', 'CONV_2D', 'DEPTHWISE_CONV_2D'],
  },
  {
    file: 'mobilenet_v2_1.0_224_inat_insect_quant.tflite',
    inputScale: { mean: 128, std: 128 },
    featureDim: 1280,
    logitsDim: 1022,
    ops: ['ADD', 'AVERAGE_POOL_2D', 'CONV_2D', 'DEPTHWISE_CONV_2D', 'FULLY_CONNECTED'],
  },
  {
    file: 'mobilenet_v2_1.0_224_inat_bird_quant.tflite',
    inputScale: { mean: 128, std: 128 },
    featureDim: 1280,
    logitsDim: 965,
    ops: ['ADD', 'AVERAGE_POOL_2D', 'CONV_2D', 'DEPTHWISE_CONV_2D', 'FULLY_CONNECTED'],
  },
];

interface Loaded {
  expected: Expected;
  model: TfliteModel;
  result: ConvertTfliteToOnnxResult;
  session: ort.InferenceSession;
}

const loaded = new Map<string, Loaded>();

async function imageFiles(cls: string): Promise<string[]> {
  const dir = path.join(flowers, cls);
  return (await fs.readdir(dir)).filter((f) => f.endsWith('.jpg')).sort().map((f) => path.join(dir, f));
}

/** Decodes to 224x224 RGB (resize to cover, centre crop) and maps pixels to the model's real input values. */
async function pixels(files: string[], scale: { mean: number; std: number }): Promise<ort.Tensor> {
  const x = new Float32Array(files.length * 224 * 224 * 3);
  for (const [k, file] of files.entries()) {
    const { data, info } = await sharp(file).resize(224, 224, { fit: 'cover' }).removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
    expect(info.channels).toBe(3);
    for (let i = 0; i < data.length; i++) x[k * data.length + i] = ((data[i] ?? 0) - scale.mean) / scale.std;
  }
  return new ort.Tensor('float32', x, [files.length, 224, 224, 3]);
}

function topK(row: Float32Array, k: number): number[] {
  return Array.from(row.keys()).sort((a, b) => (row[b] ?? 0) - (row[a] ?? 0)).slice(0, k);
}

function rows(t: ort.Tensor | undefined): Float32Array[] {
  if (!t) throw new Error('missing output');
  const [n = 0, d = 0] = t.dims;
  const data = t.data as Float32Array;
  return Array.from({ length: n }, (_, i) => data.subarray(i * d, (i + 1) * d));
}

beforeAll(async () => {
  for (const expected of MODELS) {
    const file = path.join(coral, expected.file);
    const model = readTflite(new Uint8Array(await fs.readFile(file)), expected.file);
    const result = convertTfliteToOnnx(model, { where: expected.file });
    const session = await ort.InferenceSession.create(encodeOnnxModel(result.onnx), { intraOpNumThreads: 2, interOpNumThreads: 1 });
    loaded.set(expected.file, { expected, model, result, session });
  }
});

afterAll(async () => {
  for (const l of loaded.values()) await l.session.release();
});

function get(file: string): Loaded {
  const l = loaded.get(file);
  if (!l) throw new Error(`${file} was not loaded`);
  return l;
}

describe('TFLite reader and converter on the Coral models', () => {
  it.each(MODELS.map((m) => m.file))('%s reads, converts and runs on four flowers', async (file) => {
    const { expected, model, result, session } = get(file);
    const sg = model.subgraphs[0];
    expect(sg?.tensors[sg.inputs[0] ?? -1]?.type).toBe('uint8');
    expect([...new Set(sg?.operators.map((o) => o.opName))].sort()).toEqual(expect.arrayContaining(expected.ops));
    expect(Object.keys(result.opCounts).sort()).toEqual(expected.ops);
    expect(result.inputScale).toEqual(expected.inputScale);
    expect(result.inputShape).toEqual({ height: 224, width: 224, channels: 3 });
    expect(result.featureDim).toBe(expected.featureDim);
    expect(result.logitsDim).toBe(expected.logitsDim);
    // Only the input is transposed: every op between it and the features works in NCHW.
    expect(result.onnx.graph.nodes.filter((n) => n.opType === 'Transpose')).toHaveLength(1);

    const files = (await Promise.all(CLASSES.slice(0, 4).map(imageFiles))).map((f) => f[0] ?? '');
    const out = await session.run({ pixels: await pixels(files, result.inputScale) });
    expect(out.features?.dims).toEqual([4, expected.featureDim]);
    const feats = out.features?.data as Float32Array;
    expect(feats.every(Number.isFinite)).toBe(true);
    // Pooled ReLU6 activations: non-negative, at most 6, and not all zero.
    expect(Math.min(...feats)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...feats)).toBeLessThanOrEqual(6);
    expect(Math.max(...feats)).toBeGreaterThan(0.5);
    if (expected.logitsDim) {
      expect(out.logits?.dims).toEqual([4, expected.logitsDim]);
      expect((out.logits?.data as Float32Array).every(Number.isFinite)).toBe(true);
    } else {
      expect(out.logits).toBeUndefined();
    }
    log(`${file}: input (p - ${result.inputScale.mean}) / ${result.inputScale.std}, features '${result.featuresTensor.split(';')[0]}' ${result.featureDim}-d, logits ${result.logitsDim ?? '-'}, ops ${JSON.stringify(result.opCounts)}`);
  });

  it('classifies daisies as daisy with both ImageNet heads', async () => {
    const labels = (await fs.readFile(path.join(coral, 'imagenet_labels.txt'), 'utf8')).split('\n').map((l) => l.trim()).filter((l) => l.length > 0);
    expect(labels).toHaveLength(1001);
    expect(labels[0]).toBe('background');
    const daisy = labels.indexOf('daisy');
    for (const file of ['mobilenet_v2_1.0_224_quant.tflite', 'tf2_mobilenet_v2_1.0_224_ptq.tflite']) {
      const { result, session } = get(file);
      const daisies = (await imageFiles('daisy')).slice(0, 10);
      const logits = rows((await session.run({ pixels: await pixels(daisies, result.inputScale) })).logits);
      const top1 = logits.map((r) => topK(r, 1)[0] ?? -1);
      const inTop5 = logits.filter((r) => topK(r, 5).includes(daisy)).length;
      const top1Daisy = top1.filter((i) => i === daisy).length;
      log(`${file}: daisy top-1 on ${top1Daisy}/10, in top-5 on ${inTop5}/10; top-1 labels: ${top1.map((i) => labels[i]).join(' | ')}`);
      expect(inTop5).toBeGreaterThanOrEqual(6);
      expect(top1Daisy).toBeGreaterThanOrEqual(5);

      const firsts = await Promise.all(CLASSES.map(async (c) => (await imageFiles(c))[0] ?? ''));
      const perClass = rows((await session.run({ pixels: await pixels(firsts, result.inputScale) })).logits);
      perClass.forEach((r, k) => {
        const top = topK(r, 3).map((i) => `${labels[i]} ${(r[i] ?? 0).toFixed(1)}`);
        log(`  ${CLASSES[k]} (${path.basename(firsts[k] ?? '')}): ${top.join('; ')}`);
      });
    }
  });

  it('reports ms/image in onnxruntime (2 threads, batch 16)', async () => {
    const files = (await Promise.all(CLASSES.slice(0, 4).map(imageFiles))).flatMap((f) => f.slice(0, 4));
    for (const { expected, result, session } of loaded.values()) {
      const x = await pixels(files, result.inputScale);
      await session.run({ pixels: x });
      const runs = 3;
      const start = performance.now();
      for (let r = 0; r < runs; r++) await session.run({ pixels: x });
      log(`${expected.file}: ${((performance.now() - start) / (runs * files.length)).toFixed(1)} ms/image`);
    }
  });

  it('cuts at a named activation, by full or short name', async () => {
    const { model } = get('mobilenet_v2_1.0_224_quant.tflite');
    const cut = convertTfliteToOnnx(model, { where: 'v2', features: 'MobilenetV2/expanded_conv_16/project/add_fold' });
    expect(cut.featureDim).toBe(7 * 7 * 320);
    expect(cut.logitsDim).toBeUndefined();
    expect(cut.opCounts.AVERAGE_POOL_2D).toBeUndefined();
    const session = await ort.InferenceSession.create(encodeOnnxModel(cut.onnx));
    const out = await session.run({ pixels: new ort.Tensor('float32', new Float32Array(224 * 224 * 3), [1, 224, 224, 3]) });
    expect(out.features?.dims).toEqual([1, 7 * 7 * 320]);
    await session.release();
    expect(() => convertTfliteToOnnx(model, { where: 'v2', features: 'MobilenetV2/expanded_conv_16/projec' })).toThrow(
      expect.objectContaining({ code: 'HS_LAYER_NOT_FOUND', message: expect.stringContaining('Similar names: MobilenetV2/expanded_conv_16/project/add_fold') }),
    );
    expect(() => convertTfliteToOnnx(model, { where: 'v2', feature: 'x' } as never)).toThrow(/Unknown convertTfliteToOnnx option: feature/);
  });

  it('rejects an unsupported operator by name, code and the supported list', async () => {
    const bytes = new Uint8Array(await fs.readFile(path.join(coral, 'mobilenet_v2_1.0_224_quant.tflite')));
    setOperatorCode(bytes, 'AVERAGE_POOL_2D', 16); // LSTM
    const model = readTflite(bytes, 'mutated.tflite');
    expect(() => convertTfliteToOnnx(model, { where: 'mutated.tflite' })).toThrow(
      expect.objectContaining({
        code: 'HS_MODEL_INVALID',
        message: expect.stringMatching(/mutated.tflite uses LSTM \(builtin code 16, first at operator 62\).*Supported operators: ADD, AVERAGE_POOL_2D, .*CONV_2D.*To use the layers before it, pass features: 'MobilenetV2\/Conv_1\/Relu6'/),
      }),
    );
    // Cut before it, the same file converts.
    expect(convertTfliteToOnnx(model, { where: 'mutated.tflite', features: 'MobilenetV2/Conv_1/Relu6' }).featureDim).toBe(7 * 7 * 1280);
  });

  it('rejects files that are not TFLite, or are cut short', async () => {
    expect(() => readTflite(new TextEncoder().encode('{"format": "layers-model"}'), 'model.json')).toThrow(expect.objectContaining({ code: 'HS_MODEL_INVALID', message: expect.stringContaining('model.json is not a TFLite model') }));
    const bytes = new Uint8Array(await fs.readFile(path.join(coral, 'mobilenet_v1_1.0_224_quant_embedding_extractor.tflite')));
    expect(() => readTflite(bytes.slice(0, 4096), 'short.tflite')).toThrow(expect.objectContaining({ code: 'HS_MODEL_INVALID', message: expect.stringContaining('short.tflite') }));
  });
});

describe('dequantize', () => {
  it('maps per-tensor uint8 with its zero point', () => {
    const out = dequantize(Uint8Array.from([0, 127, 128, 255]), [4], { scale: [1 / 128], zeroPoint: [128], quantizedDimension: 0 });
    expect(Array.from(out)).toEqual([-1, -1 / 128, 0, 127 / 128]);
  });

  it('maps per-channel int8 along dimension 0 (conv weights, OHWI)', () => {
    // Shape [2, 1, 1, 3]: output channel 0 scale 0.5, channel 1 scale 0.25 zero point 1.
    const out = dequantize(Int8Array.from([-2, 0, 4, -128, 1, 127]), [2, 1, 1, 3], { scale: [0.5, 0.25], zeroPoint: [0, 1], quantizedDimension: 0 });
    expect(Array.from(out)).toEqual([-1, 0, 2, -129 * 0.25, 0, 126 * 0.25]);
  });

  it('maps per-channel int8 along dimension 3 (depthwise weights [1, kh, kw, C])', () => {
    // Shape [1, 2, 1, 3]: the channel is the fastest-varying index.
    const out = dequantize(Int8Array.from([1, 1, 1, -2, -2, -2]), [1, 2, 1, 3], { scale: [1, 2, 4], zeroPoint: [0, 0, 0], quantizedDimension: 3 });
    expect(Array.from(out)).toEqual([1, 2, 4, -2, -4, -8]);
  });

  it('dequantises int32 biases and per-channel weights in a real file', () => {
    const { model } = get('tf2_mobilenet_v2_1.0_224_ptq.tflite');
    const sg = model.subgraphs[0];
    const conv = sg?.operators.find((o) => o.opName === 'CONV_2D');
    const w = sg?.tensors[conv?.inputs[1] ?? -1];
    const b = sg?.tensors[conv?.inputs[2] ?? -1];
    expect(w?.type).toBe('int8');
    expect(w?.quantization?.scale).toHaveLength(32);
    expect(w?.quantization?.quantizedDimension).toBe(0);
    expect(b?.type).toBe('int32');
    expect(w?.data?.length).toBe(32 * 3 * 3 * 3);
    // int8 symmetric: each output channel's largest magnitude is 127 steps of its own scale.
    const per = 27;
    let dead = 0; // channels trained to all-zero weights (7 of 32 in this file)
    for (let c = 0; c < 32; c++) {
      const row = w?.data?.subarray(c * per, (c + 1) * per) ?? new Float32Array();
      const peak = Math.max(...Array.from(row, Math.abs));
      const scale = w?.quantization?.scale[c] ?? 1;
      if (peak > 0) expect(peak / scale).toBeCloseTo(127, 0);
      else expect(scale).toBeLessThan(1e-5); // the converter's placeholder scale for an all-zero channel
      if (peak === 0) dead++;
    }
    expect(dead).toBe(7);
    expect(b?.data?.every(Number.isFinite)).toBe(true);
  });
});

/**
 * Rewrites the builtin code of an operator code entry in place (both the int8 and int32 fields, where present).
 * Field slots per schema.fbs: Model.operator_codes = 6, OperatorCode.deprecated_builtin_code = 4, builtin_code = 10.
 */
function setOperatorCode(bytes: Uint8Array, name: string, code: number): void {
  const bb = new ByteBuffer(bytes);
  const model = readTflite(bytes, 'copy');
  const index = model.operatorCodes.findIndex((c) => c.name === name);
  expect(index).toBeGreaterThanOrEqual(0);
  const root = bb.readUint32(0);
  const codes = bb.__vector(root + bb.__offset(root, 6));
  const table = bb.__indirect(codes + 4 * index);
  const deprecated = bb.__offset(table, 4);
  const builtin = bb.__offset(table, 10);
  expect(deprecated).toBeGreaterThan(0);
  bb.writeInt8(table + deprecated, code);
  if (builtin) bb.writeInt32(table + builtin, code);
}
