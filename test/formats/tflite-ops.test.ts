import { Builder } from 'flatbuffers';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { encodeOnnxModel } from '../../src/formats/onnx/index.js';
import { convertTfliteToOnnx, readTflite } from '../../src/formats/tflite/index.js';

// ---- a minimal TFLite writer (field ids from tensorflow/lite/schema/schema.fbs) ----

type Dtype = 'float32' | 'uint8' | 'int8' | 'int32';
const TYPE_CODES: Record<Dtype, number> = { float32: 0, int32: 2, uint8: 3, int8: 9 };
const OP = { ADD: 0, AVERAGE_POOL_2D: 1, CONCATENATION: 2, CONV_2D: 3, DEPTHWISE_CONV_2D: 4, DEQUANTIZE: 6, FULLY_CONNECTED: 9, LOGISTIC: 14, LSTM: 16, MAX_POOL_2D: 17, MUL: 18, RELU: 19, RESHAPE: 22, SOFTMAX: 25, PAD: 34, MEAN: 40, QUANTIZE: 114, HARD_SWISH: 117 };
const SAME = 0;
const RELU = 1;
const RELU6 = 3;

interface FxTensor {
  name: string;
  shape: number[];
  type?: Dtype;
  data?: ArrayLike<number>;
  quant?: { scale: number[]; zeroPoint: number[]; dim?: number };
}
interface FxOptions {
  type: number;
  write: (b: Builder) => number;
}
interface FxOp {
  code: number;
  inputs: number[];
  outputs: number[];
  options?: FxOptions;
}
interface FxModel {
  tensors: FxTensor[];
  inputs: number[];
  outputs: number[];
  ops: FxOp[];
}

function table(b: Builder, fields: number, add: () => void): number {
  b.startObject(fields);
  add();
  return b.endObject();
}

const opt = {
  conv: (padding: number, stride: number, act: number): FxOptions => ({
    type: 1,
    write: (b) => table(b, 6, () => { b.addFieldInt8(0, padding, 0); b.addFieldInt32(1, stride, 0); b.addFieldInt32(2, stride, 0); b.addFieldInt8(3, act, 0); }),
  }),
  depthwise: (padding: number, stride: number, multiplier: number, act: number): FxOptions => ({
    type: 2,
    write: (b) => table(b, 7, () => { b.addFieldInt8(0, padding, 0); b.addFieldInt32(1, stride, 0); b.addFieldInt32(2, stride, 0); b.addFieldInt32(3, multiplier, 0); b.addFieldInt8(4, act, 0); }),
  }),
  pool: (padding: number, stride: number, filter: number): FxOptions => ({
    type: 5,
    write: (b) => table(b, 6, () => { b.addFieldInt8(0, padding, 0); b.addFieldInt32(1, stride, 0); b.addFieldInt32(2, stride, 0); b.addFieldInt32(3, filter, 0); b.addFieldInt32(4, filter, 0); }),
  }),
  fullyConnected: (): FxOptions => ({ type: 8, write: (b) => table(b, 4, () => undefined) }),
  softmax: (beta: number): FxOptions => ({ type: 9, write: (b) => table(b, 1, () => b.addFieldFloat32(0, beta, 0)) }),
  concat: (axis: number): FxOptions => ({ type: 10, write: (b) => table(b, 2, () => b.addFieldInt32(0, axis, 0)) }),
  add: (act: number): FxOptions => ({ type: 11, write: (b) => table(b, 2, () => b.addFieldInt8(0, act, 0)) }),
  mul: (act: number): FxOptions => ({ type: 21, write: (b) => table(b, 1, () => b.addFieldInt8(0, act, 0)) }),
  reducer: (keepDims: boolean): FxOptions => ({ type: 27, write: (b) => table(b, 1, () => b.addFieldInt8(0, keepDims ? 1 : 0, 0)) }),
};

function vector(b: Builder, size: number, values: ArrayLike<number>, add: (v: number) => void): number {
  b.startVector(size, values.length, size);
  for (let i = values.length - 1; i >= 0; i--) add(values[i] ?? 0);
  return b.endVector();
}
const ints = (b: Builder, v: ArrayLike<number>) => vector(b, 4, v, (x) => b.addInt32(x));
const floats = (b: Builder, v: ArrayLike<number>) => vector(b, 4, v, (x) => b.addFloat32(x));
const longs = (b: Builder, v: ArrayLike<number>) => vector(b, 8, v, (x) => b.addInt64(BigInt(x)));
const offsets = (b: Builder, v: number[]) => vector(b, 4, v, (x) => b.addOffset(x));

function rawBytes(t: FxTensor): Uint8Array {
  const data = Array.from(t.data ?? []);
  const typed = t.type === 'uint8' ? Uint8Array.from(data) : t.type === 'int8' ? Int8Array.from(data) : t.type === 'int32' ? Int32Array.from(data) : Float32Array.from(data);
  return new Uint8Array(typed.buffer);
}

function writeTflite(m: FxModel): Uint8Array {
  const b = new Builder(4096);
  const buffers = [table(b, 1, () => undefined)];
  const bufferOf = m.tensors.map((t) => {
    if (!t.data) return 0;
    const bytes = b.createByteVector(rawBytes(t));
    buffers.push(table(b, 1, () => b.addFieldOffset(0, bytes, 0)));
    return buffers.length - 1;
  });
  const tensors = m.tensors.map((t, i) => {
    const name = b.createString(t.name);
    const shape = ints(b, t.shape);
    let quant = 0;
    if (t.quant) {
      const q = t.quant;
      const scale = floats(b, q.scale);
      const zero = longs(b, q.zeroPoint);
      quant = table(b, 7, () => { b.addFieldOffset(2, scale, 0); b.addFieldOffset(3, zero, 0); b.addFieldInt32(6, q.dim ?? 0, 0); });
    }
    return table(b, 8, () => {
      b.addFieldOffset(0, shape, 0);
      b.addFieldInt8(1, TYPE_CODES[t.type ?? 'float32'], 0);
      b.addFieldInt32(2, bufferOf[i] ?? 0, 0);
      b.addFieldOffset(3, name, 0);
      if (quant) b.addFieldOffset(4, quant, 0);
    });
  });
  const codes = [...new Set(m.ops.map((o) => o.code))];
  const operators = m.ops.map((op) => {
    const inputs = ints(b, op.inputs);
    const outputs = ints(b, op.outputs);
    const options = op.options ? op.options.write(b) : 0;
    return table(b, 5, () => {
      b.addFieldInt32(0, codes.indexOf(op.code), 0);
      b.addFieldOffset(1, inputs, 0);
      b.addFieldOffset(2, outputs, 0);
      if (op.options) {
        b.addFieldInt8(3, op.options.type, 0);
        b.addFieldOffset(4, options, 0);
      }
    });
  });
  const opCodes = codes.map((code) => table(b, 4, () => { b.addFieldInt8(0, Math.min(code, 127), 0); b.addFieldInt32(2, 1, 1); b.addFieldInt32(3, code, 0); }));
  const tensorVec = offsets(b, tensors);
  const inputVec = ints(b, m.inputs);
  const outputVec = ints(b, m.outputs);
  const opVec = offsets(b, operators);
  const sgName = b.createString('main');
  const subgraph = table(b, 5, () => { b.addFieldOffset(0, tensorVec, 0); b.addFieldOffset(1, inputVec, 0); b.addFieldOffset(2, outputVec, 0); b.addFieldOffset(3, opVec, 0); b.addFieldOffset(4, sgName, 0); });
  const codeVec = offsets(b, opCodes);
  const sgVec = offsets(b, [subgraph]);
  const description = b.createString('made by tflite-ops.test.ts');
  const bufferVec = offsets(b, buffers);
  const root = table(b, 5, () => { b.addFieldInt32(0, 3, 0); b.addFieldOffset(1, codeVec, 0); b.addFieldOffset(2, sgVec, 0); b.addFieldOffset(3, description, 0); b.addFieldOffset(4, bufferVec, 0); });
  b.finish(root, 'TFL3');
  return b.asUint8Array();
}

// ---- NHWC reference ops (batch of one), with padding offsets written out by hand ----

interface Nhwc {
  h: number;
  w: number;
  c: number;
  data: Float64Array;
}
const at = (t: Nhwc, y: number, x: number, c: number) => (y < 0 || x < 0 || y >= t.h || x >= t.w ? undefined : t.data[(y * t.w + x) * t.c + c]);
const make = (h: number, w: number, c: number): Nhwc => ({ h, w, c, data: new Float64Array(h * w * c) });
const put = (t: Nhwc, y: number, x: number, c: number, v: number) => { t.data[(y * t.w + x) * t.c + c] = v; };

function refConv(x: Nhwc, w: ArrayLike<number>, ws: number[], bias: ArrayLike<number>, stride: number, top: number, left: number, outH: number, outW: number, depthwise: boolean): Nhwc {
  const [o0 = 0, kh = 0, kw = 0, i3 = 0] = ws;
  const cout = depthwise ? i3 : o0;
  const out = make(outH, outW, cout);
  const multiplier = depthwise ? cout / x.c : 1;
  for (let y = 0; y < outH; y++) {
    for (let xx = 0; xx < outW; xx++) {
      for (let oc = 0; oc < cout; oc++) {
        let sum = bias[oc] ?? 0;
        for (let ky = 0; ky < kh; ky++) {
          for (let kx = 0; kx < kw; kx++) {
            const iy = y * stride - top + ky;
            const ix = xx * stride - left + kx;
            if (depthwise) {
              sum += (at(x, iy, ix, Math.floor(oc / multiplier)) ?? 0) * (w[(ky * kw + kx) * cout + oc] ?? 0);
            } else {
              for (let ic = 0; ic < i3; ic++) sum += (at(x, iy, ix, ic) ?? 0) * (w[((oc * kh + ky) * kw + kx) * i3 + ic] ?? 0);
            }
          }
        }
        put(out, y, xx, oc, sum);
      }
    }
  }
  return out;
}

function refPool(x: Nhwc, k: number, stride: number, top: number, left: number, outH: number, outW: number, kind: 'max' | 'avg'): Nhwc {
  const out = make(outH, outW, x.c);
  for (let y = 0; y < outH; y++) {
    for (let xx = 0; xx < outW; xx++) {
      for (let c = 0; c < x.c; c++) {
        const seen: number[] = [];
        for (let ky = 0; ky < k; ky++) for (let kx = 0; kx < k; kx++) {
          const v = at(x, y * stride - top + ky, xx * stride - left + kx, c);
          if (v !== undefined) seen.push(v); // TF leaves padded cells out of both max and average
        }
        put(out, y, xx, c, kind === 'max' ? Math.max(...seen) : seen.reduce((a, v) => a + v, 0) / seen.length);
      }
    }
  }
  return out;
}

const mapValues = (t: Nhwc, f: (v: number, c: number) => number): Nhwc => ({ ...t, data: t.data.map((v, i) => f(v, i % t.c)) });

function rng(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1664525 + 1013904223) % 4294967296;
    return s / 4294967296 - 0.5;
  };
}
const randoms = (n: number, r: () => number, scale = 1) => Array.from({ length: n }, () => r() * scale);

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, atol = 1e-4): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const d = Math.abs((actual[i] ?? 0) - (expected[i] ?? 0));
    if (d > atol + 1e-4 * Math.abs(expected[i] ?? 0)) expect.fail(`element ${i}: ${actual[i]} vs ${expected[i]}`);
  }
}

// ---- the float test model: every layout-sensitive op once, on a 5x5x2 input ----

function floatModel(seed: number) {
  const r = rng(seed);
  const convW = randoms(3 * 3 * 3 * 2, r);
  const convB = randoms(3, r);
  const dwW = randoms(3 * 3 * 6, r);
  const dwB = randoms(6, r);
  const addC = randoms(12, r);
  const fcW = randoms(4 * 12, r);
  const fcB = randoms(4, r);
  const tensors: FxTensor[] = [
    { name: 'x', shape: [1, 5, 5, 2] }, // 0
    { name: 'paddings', shape: [4, 2], type: 'int32', data: [0, 0, 1, 0, 0, 1, 0, 0] }, // 1: one row on top, one column on the right
    { name: 'p', shape: [1, 6, 6, 2] }, // 2
    { name: 'conv/w', shape: [3, 3, 3, 2], data: convW }, // 3
    { name: 'conv/b', shape: [3], data: convB }, // 4
    { name: 'c', shape: [1, 3, 3, 3] }, // 5
    { name: 'dw/w', shape: [1, 3, 3, 6], data: dwW }, // 6
    { name: 'dw/b', shape: [6], data: dwB }, // 7
    { name: 'd', shape: [1, 3, 3, 6] }, // 8
    { name: 'max', shape: [1, 2, 2, 6] }, // 9
    { name: 'avg', shape: [1, 2, 2, 6] }, // 10
    { name: 'cat', shape: [1, 2, 2, 12] }, // 11
    { name: 'add/c', shape: [12], data: addC }, // 12
    { name: 's', shape: [1, 2, 2, 12] }, // 13
    { name: 'mul/c', shape: [1], data: [0.5] }, // 14
    { name: 'm', shape: [1, 2, 2, 12] }, // 15
    { name: 'l', shape: [1, 2, 2, 12] }, // 16
    { name: 'axes', shape: [2], type: 'int32', data: [1, 2] }, // 17
    { name: 'g', shape: [1, 12] }, // 18
    { name: 'fc/w', shape: [4, 12], data: fcW }, // 19
    { name: 'fc/b', shape: [4], data: fcB }, // 20
    { name: 'logits', shape: [1, 4] }, // 21: named like the graph output, to check the converter keeps them apart
    { name: 'prob', shape: [1, 4] }, // 22
    { name: 'h', shape: [1, 2, 2, 12] }, // 23
  ];
  const ops: FxOp[] = [
    { code: OP.PAD, inputs: [0, 1], outputs: [2] },
    { code: OP.CONV_2D, inputs: [2, 3, 4], outputs: [5], options: opt.conv(SAME, 2, RELU) },
    { code: OP.DEPTHWISE_CONV_2D, inputs: [5, 6, 7], outputs: [8], options: opt.depthwise(SAME, 1, 2, RELU6) },
    { code: OP.MAX_POOL_2D, inputs: [8], outputs: [9], options: opt.pool(SAME, 2, 2) },
    { code: OP.AVERAGE_POOL_2D, inputs: [8], outputs: [10], options: opt.pool(SAME, 2, 2) },
    { code: OP.CONCATENATION, inputs: [9, 10], outputs: [11], options: opt.concat(-1) },
    { code: OP.ADD, inputs: [11, 12], outputs: [13], options: opt.add(0) },
    { code: OP.MUL, inputs: [13, 14], outputs: [15], options: opt.mul(0) },
    { code: OP.HARD_SWISH, inputs: [15], outputs: [23] },
    { code: OP.LOGISTIC, inputs: [23], outputs: [16] },
    { code: OP.MEAN, inputs: [16, 17], outputs: [18], options: opt.reducer(false) },
    { code: OP.FULLY_CONNECTED, inputs: [18, 19, 20], outputs: [21], options: opt.fullyConnected() },
    { code: OP.SOFTMAX, inputs: [21], outputs: [22], options: opt.softmax(1) },
  ];
  const model: FxModel = { tensors, inputs: [0], outputs: [22], ops };

  const reference = (input: number[]) => {
    const x: Nhwc = { h: 5, w: 5, c: 2, data: Float64Array.from(input) };
    const p = make(6, 6, 2);
    for (let y = 0; y < 5; y++) for (let xx = 0; xx < 5; xx++) for (let c = 0; c < 2; c++) put(p, y + 1, xx, c, at(x, y, xx, c) ?? 0);
    // SAME, 3x3 stride 2 on 6: output 3, one padding row/column in total, all of it at the end (TF's rule).
    const c = mapValues(refConv(p, convW, [3, 3, 3, 2], convB, 2, 0, 0, 3, 3, false), (v) => Math.max(v, 0));
    // SAME, 3x3 stride 1 on 3: one each side.
    const d = mapValues(refConv(c, dwW, [1, 3, 3, 6], dwB, 1, 1, 1, 3, 3, true), (v) => Math.min(Math.max(v, 0), 6));
    // SAME, 2x2 stride 2 on 3: output 2, the padding at the end.
    const max = refPool(d, 2, 2, 0, 0, 2, 2, 'max');
    const avg = refPool(d, 2, 2, 0, 0, 2, 2, 'avg');
    const cat = make(2, 2, 12);
    for (let i = 0; i < 4; i++) for (let k = 0; k < 6; k++) { cat.data[i * 12 + k] = max.data[i * 6 + k] ?? 0; cat.data[i * 12 + 6 + k] = avg.data[i * 6 + k] ?? 0; }
    const hswish = (v: number) => (v * Math.min(Math.max(v + 3, 0), 6)) / 6;
    const l = mapValues(cat, (v, ch) => 1 / (1 + Math.exp(-hswish((v + (addC[ch] ?? 0)) * 0.5))));
    const g = Array.from({ length: 12 }, (_, ch) => [0, 1, 2, 3].reduce((s, k) => s + (l.data[12 * k + ch] ?? 0), 0) / 4);
    const logits = Array.from({ length: 4 }, (_, o) => g.reduce((s, v, i) => s + v * (fcW[o * 12 + i] ?? 0), fcB[o] ?? 0));
    return { c: Array.from(c.data), g, logits };
  };
  return { model, reference };
}

async function run(bytes: Uint8Array, x: Float32Array, dims: number[]) {
  const session = await ort.InferenceSession.create(bytes);
  try {
    return await session.run({ pixels: new ort.Tensor('float32', x, dims) });
  } finally {
    await session.release();
  }
}

describe('TFLite converter op by op (hand-built flatbuffers)', () => {
  it('matches an NHWC reference for PAD, SAME convs, pools, CONCATENATION, ADD, MUL, HARD_SWISH, LOGISTIC, MEAN and FULLY_CONNECTED', async () => {
    const { model, reference } = floatModel(7);
    const tflite = readTflite(writeTflite(model), 'ops.tflite');
    expect(tflite.description).toBe('made by tflite-ops.test.ts');
    expect(tflite.operatorCodes.map((c) => c.name)).toContain('HARD_SWISH');
    const result = convertTfliteToOnnx(tflite, { where: 'ops.tflite' });
    expect(result.featuresTensor).toBe('g');
    expect(result.featureDim).toBe(12);
    expect(result.logitsDim).toBe(4);
    expect(result.inputScale).toEqual({ mean: 0, std: 1 }); // a float input states no scaling
    expect(result.opCounts.SOFTMAX).toBeUndefined(); // logits come before it, so it is not converted

    // A batch of two different inputs: the batch dimension stays free.
    const r = rng(99);
    const a = randoms(50, r, 4);
    const b = randoms(50, r, 4);
    const out = await run(encodeOnnxModel(result.onnx), Float32Array.from([...a, ...b]), [2, 5, 5, 2]);
    const features = out.features?.data as Float32Array;
    const logits = out.logits?.data as Float32Array;
    const ra = reference(a);
    const rb = reference(b);
    expectClose(features, [...ra.g, ...rb.g]);
    expectClose(logits, [...ra.logits, ...rb.logits]);

    // Cut at the first convolution: features in TFLite's NHWC element order.
    const cut = convertTfliteToOnnx(tflite, { where: 'ops.tflite', features: 'c' });
    expect(cut.featureDim).toBe(27);
    expect(Object.keys(cut.opCounts)).toEqual(['PAD', 'CONV_2D']);
    const cutOut = await run(encodeOnnxModel(cut.onnx), Float32Array.from(a), [1, 5, 5, 2]);
    expectClose(cutOut.features?.data as Float32Array, ra.c);
  });

  it('converts a quantised model: input scaling, QUANTIZE/DEQUANTIZE, RESHAPE and per-channel int8 FULLY_CONNECTED', async () => {
    const model: FxModel = {
      tensors: [
        { name: 'image', shape: [1, 2, 2, 1], type: 'uint8', quant: { scale: [0.5], zeroPoint: [10] } }, // 0
        { name: 'image_int8', shape: [1, 2, 2, 1], type: 'int8', quant: { scale: [0.5], zeroPoint: [-118] } }, // 1
        { name: 'shape', shape: [2], type: 'int32', data: [1, 4] }, // 2
        { name: 'flat', shape: [1, 4], type: 'int8', quant: { scale: [0.5], zeroPoint: [-118] } }, // 3
        { name: 'w', shape: [2, 4], type: 'int8', data: [1, 2, 3, 4, -1, 0, 1, 127], quant: { scale: [0.1, 0.2], zeroPoint: [0, 0], dim: 0 } }, // 4
        { name: 'b', shape: [2], type: 'int32', data: [10, -10], quant: { scale: [0.05, 0.1], zeroPoint: [0, 0] } }, // 5
        { name: 'scores_q', shape: [1, 2], type: 'int8', quant: { scale: [0.25], zeroPoint: [3] } }, // 6
        { name: 'scores', shape: [1, 2] }, // 7
      ],
      inputs: [0],
      outputs: [7],
      ops: [
        { code: OP.QUANTIZE, inputs: [0], outputs: [1] },
        { code: OP.RESHAPE, inputs: [1, 2], outputs: [3] },
        { code: OP.FULLY_CONNECTED, inputs: [3, 4, 5], outputs: [6], options: opt.fullyConnected() },
        { code: OP.DEQUANTIZE, inputs: [6], outputs: [7] },
      ],
    };
    const tflite = readTflite(writeTflite(model), 'quant.tflite');
    const sg = tflite.subgraphs[0];
    expect(Array.from(sg?.tensors[4]?.data ?? [])).toEqual([0.1, 0.2, 0.3, 0.4, -0.2, 0, 0.2, 25.4].map((v) => Math.fround(v)));
    expect(Array.from(sg?.tensors[5]?.data ?? [])).toEqual([0.5, -1].map((v) => Math.fround(v)));
    expect(sg?.tensors[0]?.quantization).toEqual({ scale: [0.5], zeroPoint: [10], quantizedDimension: 0 });

    const result = convertTfliteToOnnx(tflite, { where: 'quant.tflite' });
    expect(result.inputScale).toEqual({ mean: 10, std: 2 });
    expect(result.featuresTensor).toBe('flat');
    expect(result.featureDim).toBe(4);
    expect(result.logitsDim).toBe(2);
    const pixels = [10, 12, 30, 0];
    const real = pixels.map((p) => (p - 10) / 2); // [0, 1, 10, -5]
    const out = await run(encodeOnnxModel(result.onnx), Float32Array.from(real), [1, 2, 2, 1]);
    expectClose(out.features?.data as Float32Array, real);
    expectClose(out.logits?.data as Float32Array, [0.1 * 0 + 0.2 * 1 + 0.3 * 10 + 0.4 * -5 + 0.5, -0.2 * 0 + 0 + 0.2 * 10 + 25.4 * -5 - 1]);
  });

  it('finds the penultimate tensor behind a 1x1 convolution classifier, SQUEEZE and SOFTMAX', async () => {
    const w = [1, -1, 2, 0.5, 0.25, -3];
    const model: FxModel = {
      tensors: [
        { name: 'x', shape: [1, 2, 2, 3] }, // 0
        { name: 'pooled', shape: [1, 1, 1, 3] }, // 1
        { name: 'cls/w', shape: [2, 1, 1, 3], data: w }, // 2
        { name: 'cls/b', shape: [2], data: [0.5, -0.5] }, // 3
        { name: 'cls', shape: [1, 1, 1, 2] }, // 4
        { name: 'squeezed', shape: [1, 2] }, // 5
        { name: 'prob', shape: [1, 2] }, // 6
      ],
      inputs: [0],
      outputs: [6],
      ops: [
        { code: OP.AVERAGE_POOL_2D, inputs: [0], outputs: [1], options: opt.pool(1, 2, 2) },
        { code: OP.CONV_2D, inputs: [1, 2, 3], outputs: [4], options: opt.conv(SAME, 1, 0) },
        { code: 43, inputs: [4], outputs: [5] }, // SQUEEZE
        { code: OP.SOFTMAX, inputs: [5], outputs: [6], options: opt.softmax(1) },
      ],
    };
    const result = convertTfliteToOnnx(readTflite(writeTflite(model), 'squeeze.tflite'), { where: 'squeeze.tflite' });
    expect([result.featuresTensor, result.featureDim, result.logitsDim]).toEqual(['pooled', 3, 2]);
    const x = [1, 2, 3, 3, 2, 1, 0, 0, 0, 4, 4, 4];
    const out = await run(encodeOnnxModel(result.onnx), Float32Array.from(x), [1, 2, 2, 3]);
    const f = [2, 2, 2];
    expectClose(out.features?.data as Float32Array, f);
    expectClose(out.logits?.data as Float32Array, [2 - 2 + 4 + 0.5, 1 + 0.5 - 6 - 0.5]);
  });

  it('names an unsupported operator and still converts the layers before it', () => {
    const model: FxModel = {
      tensors: [{ name: 'x', shape: [1, 4, 4, 3] }, { name: 'y', shape: [1, 4, 4, 3] }, { name: 'z', shape: [1, 4, 4, 3] }],
      inputs: [0],
      outputs: [2],
      ops: [
        { code: OP.RELU, inputs: [0], outputs: [1] },
        { code: OP.LSTM, inputs: [1], outputs: [2] },
      ],
    };
    const tflite = readTflite(writeTflite(model), 'lstm.tflite');
    expect(tflite.operatorCodes.map((c) => [c.name, c.code])).toEqual([['RELU', 19], ['LSTM', 16]]);
    let error: unknown;
    try {
      convertTfliteToOnnx(tflite, { where: 'lstm.tflite' });
    } catch (err) {
      error = err;
    }
    expect(error).toMatchObject({ code: 'HS_MODEL_INVALID' });
    expect((error as Error).message).toBe(
      "lstm.tflite uses LSTM (builtin code 16, first at operator 1), which headstart's TFLite converter does not support. Supported operators: ADD, AVERAGE_POOL_2D, CONCATENATION, CONV_2D, DEPTHWISE_CONV_2D, DEQUANTIZE, FULLY_CONNECTED, HARD_SWISH, LOGISTIC, MAX_POOL_2D, MEAN, MUL, PAD, QUANTIZE, RELU, RELU6, RELU_N1_TO_1, RESHAPE, SOFTMAX, SQUEEZE, SUB, TANH. To use the layers before it, pass features: 'y'.",
    );
    const cut = convertTfliteToOnnx(tflite, { where: 'lstm.tflite', features: 'y' });
    expect(cut.featureDim).toBe(48);
    expect(cut.onnx.graph.nodes.map((n) => n.opType)).toEqual(['Relu', 'Flatten']);
  });
});
