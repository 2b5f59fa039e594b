import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRng } from '../../src/core/index.js';
import { initWasmBackend, tf } from '../../src/engines/tfjs/backend.js';
import { WASM_GRADIENT_KERNELS } from '../../src/engines/tfjs/gradient-kernels/index.js';

type Shape4 = [number, number, number, number];
type Pad = 'same' | 'valid' | [[0, 0], [number, number], [number, number], [0, 0]];

const TOLERANCE = 1e-4;

function randomValues(size: number, seed: number): Float32Array {
  const rng = createRng(seed);
  return Float32Array.from({ length: size }, () => rng() * 2 - 1);
}

const sizeOf = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/** ||a - b|| / ||b||. */
function relativeError(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let diff = 0;
  let norm = 0;
  for (let i = 0; i < a.length; i++) {
    diff += ((a[i] ?? 0) - (b[i] ?? 0)) ** 2;
    norm += (b[i] ?? 0) ** 2;
  }
  expect(norm).toBeGreaterThan(0);
  return Math.sqrt(diff / norm);
}

/** Buffers the wasm backend holds: catches intermediates a kernel forgot to free, which tf.memory() cannot see. */
const wasmBuffers = () => tf.engine().findBackend('wasm').numDataIds();

/**
 * Runs a kernel on `backend` with fresh tensors made from `inputs` (so nothing moves between backends) and returns
 * its output values and shape. On wasm, also checks that the call left no tensor and no buffer behind.
 */
async function runOn(backend: 'cpu' | 'wasm', kernel: string, inputs: Record<string, { shape: number[]; values: Float32Array }>, attrs: object) {
  await tf.setBackend(backend);
  const tensors = Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, tf.tensor(v.values, v.shape)]));
  const tensorsBefore = tf.memory().numTensors;
  const buffersBefore = backend === 'wasm' ? wasmBuffers() : 0;
  const out = tf.engine().runKernel(kernel, tensors, attrs as tf.NamedAttrMap) as tf.Tensor;
  const result = { values: out.dataSync() as Float32Array, shape: out.shape };
  out.dispose();
  if (backend === 'wasm') {
    expect(tf.memory().numTensors).toBe(tensorsBefore);
    expect(wasmBuffers()).toBe(buffersBefore);
  }
  tf.dispose(Object.values(tensors));
  return result;
}

async function expectKernelMatchesCpu(kernel: string, inputs: Record<string, { shape: number[]; values: Float32Array }>, attrs: object) {
  const reference = await runOn('cpu', kernel, inputs, attrs);
  const actual = await runOn('wasm', kernel, inputs, attrs);
  expect(actual.shape).toEqual(reference.shape);
  expect(relativeError(actual.values, reference.values)).toBeLessThan(TOLERANCE);
}

interface ConvCase {
  batch: number;
  size: number;
  inC: number;
  outC: number;
  k: number;
  stride: number;
  pad: Pad;
}

function outSize(c: Pick<ConvCase, 'size' | 'k' | 'stride' | 'pad'>, dilation = 1): number {
  const ek = (c.k - 1) * dilation + 1;
  if (c.pad === 'same') return Math.ceil(c.size / c.stride);
  const extra = c.pad === 'valid' ? 0 : c.pad[1][0] + c.pad[1][1];
  return Math.floor((c.size + extra - ek) / c.stride) + 1;
}

const label = (c: ConvCase) => `${c.k}x${c.k} stride ${c.stride} ${JSON.stringify(c.pad)} on ${c.batch}x${c.size}x${c.size}x${c.inC} -> ${c.outC}`;
const KERAS_PAD: Pad = [[0, 0], [0, 1], [0, 1], [0, 0]]; // ZeroPadding2D(((0, 1), (0, 1))) + 'valid', as MobileNetV2 pads before a stride-2 conv

const CONV_CASES: ConvCase[] = [
  { batch: 4, size: 7, inC: 16, outC: 24, k: 1, stride: 1, pad: 'same' },
  { batch: 1, size: 14, inC: 24, outC: 8, k: 1, stride: 1, pad: 'valid' },
  { batch: 4, size: 15, inC: 6, outC: 5, k: 1, stride: 2, pad: 'same' },
  { batch: 1, size: 7, inC: 5, outC: 6, k: 3, stride: 1, pad: 'same' },
  { batch: 4, size: 14, inC: 5, outC: 7, k: 3, stride: 1, pad: 'valid' },
  { batch: 4, size: 15, inC: 4, outC: 6, k: 3, stride: 2, pad: 'same' },
  { batch: 1, size: 14, inC: 6, outC: 4, k: 3, stride: 2, pad: 'same' },
  { batch: 4, size: 15, inC: 3, outC: 5, k: 3, stride: 2, pad: 'valid' },
  { batch: 1, size: 14, inC: 4, outC: 40, k: 3, stride: 2, pad: 'valid' },
  { batch: 4, size: 14, inC: 5, outC: 6, k: 3, stride: 2, pad: KERAS_PAD },
  { batch: 1, size: 7, inC: 3, outC: 4, k: 5, stride: 1, pad: 'same' },
];

interface DepthwiseCase extends Omit<ConvCase, 'outC'> {
  multiplier: number;
  dilation: number;
}

const dwLabel = (c: DepthwiseCase) =>
  `${c.k}x${c.k} stride ${c.stride} dilation ${c.dilation} ${JSON.stringify(c.pad)} x${c.multiplier} on ${c.batch}x${c.size}x${c.size}x${c.inC}`;

const DEPTHWISE_CASES: DepthwiseCase[] = [
  { batch: 4, size: 7, inC: 8, k: 3, stride: 1, pad: 'same', multiplier: 1, dilation: 1 },
  { batch: 1, size: 14, inC: 8, k: 3, stride: 1, pad: 'valid', multiplier: 1, dilation: 1 },
  { batch: 4, size: 15, inC: 6, k: 3, stride: 2, pad: 'same', multiplier: 1, dilation: 1 },
  { batch: 1, size: 14, inC: 6, k: 3, stride: 2, pad: 'same', multiplier: 1, dilation: 1 },
  { batch: 4, size: 15, inC: 6, k: 3, stride: 2, pad: 'valid', multiplier: 1, dilation: 1 },
  { batch: 4, size: 14, inC: 6, k: 3, stride: 2, pad: KERAS_PAD, multiplier: 1, dilation: 1 },
  { batch: 4, size: 7, inC: 5, k: 3, stride: 1, pad: 'same', multiplier: 2, dilation: 1 },
  { batch: 1, size: 15, inC: 5, k: 3, stride: 2, pad: 'valid', multiplier: 2, dilation: 1 },
];

beforeAll(async () => {
  await initWasmBackend();
});

afterAll(async () => {
  await tf.setBackend('wasm');
});

describe('wasm gradient kernels', () => {
  it('are registered for wasm', () => {
    for (const { kernelName, kernelFunc } of WASM_GRADIENT_KERNELS) {
      expect(tf.getKernel(kernelName, 'wasm')?.kernelFunc).toBe(kernelFunc);
    }
  });

  for (const c of CONV_CASES) {
    const xShape: Shape4 = [c.batch, c.size, c.size, c.inC];
    const filterShape: Shape4 = [c.k, c.k, c.inC, c.outC];
    const o = outSize(c);
    const dyShape: Shape4 = [c.batch, o, o, c.outC];
    const x = { shape: xShape, values: randomValues(sizeOf(xShape), 1) };
    const dy = { shape: dyShape, values: randomValues(sizeOf(dyShape), 2) };
    const filter = { shape: filterShape, values: randomValues(sizeOf(filterShape), 3) };

    it(`Conv2DBackpropFilter matches cpu: ${label(c)}`, async () => {
      await expectKernelMatchesCpu(tf.Conv2DBackpropFilter, { x, dy }, { strides: c.stride, pad: c.pad, dataFormat: 'NHWC', filterShape });
    });

    it(`Conv2DBackpropInput matches cpu: ${label(c)}`, async () => {
      await expectKernelMatchesCpu(tf.Conv2DBackpropInput, { dy, filter }, { strides: c.stride, pad: c.pad, dataFormat: 'NHWC', inputShape: xShape });
    });
  }

  for (const c of DEPTHWISE_CASES) {
    const xShape: Shape4 = [c.batch, c.size, c.size, c.inC];
    const filterShape: Shape4 = [c.k, c.k, c.inC, c.multiplier];
    const o = outSize(c, c.dilation);
    const dyShape: Shape4 = [c.batch, o, o, c.inC * c.multiplier];
    const x = { shape: xShape, values: randomValues(sizeOf(xShape), 4) };
    const dy = { shape: dyShape, values: randomValues(sizeOf(dyShape), 5) };
    const filter = { shape: filterShape, values: randomValues(sizeOf(filterShape), 6) };
    const attrs = { strides: c.stride, pad: c.pad, dilations: c.dilation };

    it(`DepthwiseConv2dNativeBackpropFilter matches cpu: ${dwLabel(c)}`, async () => {
      await expectKernelMatchesCpu(tf.DepthwiseConv2dNativeBackpropFilter, { x, dy }, { ...attrs, filterShape });
    });

    it(`DepthwiseConv2dNativeBackpropInput matches cpu: ${dwLabel(c)}`, async () => {
      await expectKernelMatchesCpu(tf.DepthwiseConv2dNativeBackpropInput, { dy, filter }, { ...attrs, inputShape: xShape });
    });
  }

  // tfjs refuses gradients of dilated convolutions, and its cpu kernels ignore the dilation they are given, so the
  // reference is the undilated kernel on cpu with the filter spread out: a k x k filter at dilation d is a
  // ((k - 1) d + 1)-wide filter that is zero between the taps.
  for (const c of [
    { batch: 4, size: 14, inC: 6, k: 3, stride: 1, pad: 'same', multiplier: 1, dilation: 2 },
    { batch: 1, size: 15, inC: 4, k: 3, stride: 1, pad: 'valid', multiplier: 2, dilation: 2 },
  ] satisfies DepthwiseCase[]) {
    const d = c.dilation;
    const ek = (c.k - 1) * d + 1;
    const xShape: Shape4 = [c.batch, c.size, c.size, c.inC];
    const o = outSize(c, d);
    const dyShape: Shape4 = [c.batch, o, o, c.inC * c.multiplier];
    const x = { shape: xShape, values: randomValues(sizeOf(xShape), 7) };
    const dy = { shape: dyShape, values: randomValues(sizeOf(dyShape), 8) };
    const channels = c.inC * c.multiplier;
    const tapOffset = (i: number, j: number, k: number) => (i * k + j) * channels;
    const filterShape: Shape4 = [c.k, c.k, c.inC, c.multiplier];
    const spreadShape: Shape4 = [ek, ek, c.inC, c.multiplier];

    it(`DepthwiseConv2dNativeBackpropFilter matches cpu: ${dwLabel(c)}`, async () => {
      const spread = await runOn('cpu', tf.DepthwiseConv2dNativeBackpropFilter, { x, dy }, { strides: 1, pad: c.pad, dilations: 1, filterShape: spreadShape });
      const reference = new Float32Array(sizeOf(filterShape));
      for (let i = 0; i < c.k; i++) {
        for (let j = 0; j < c.k; j++) reference.set(spread.values.subarray(tapOffset(i * d, j * d, ek), tapOffset(i * d, j * d, ek) + channels), tapOffset(i, j, c.k));
      }
      const actual = await runOn('wasm', tf.DepthwiseConv2dNativeBackpropFilter, { x, dy }, { strides: 1, pad: c.pad, dilations: d, filterShape });
      expect(relativeError(actual.values, reference)).toBeLessThan(TOLERANCE);
    });

    it(`DepthwiseConv2dNativeBackpropInput matches cpu: ${dwLabel(c)}`, async () => {
      const filter = { shape: filterShape, values: randomValues(sizeOf(filterShape), 9) };
      const spread = { shape: spreadShape, values: new Float32Array(sizeOf(spreadShape)) };
      for (let i = 0; i < c.k; i++) {
        for (let j = 0; j < c.k; j++) spread.values.set(filter.values.subarray(tapOffset(i, j, c.k), tapOffset(i, j, c.k) + channels), tapOffset(i * d, j * d, ek));
      }
      const reference = await runOn('cpu', tf.DepthwiseConv2dNativeBackpropInput, { dy, filter: spread }, { strides: 1, pad: c.pad, dilations: 1, inputShape: xShape });
      const actual = await runOn('wasm', tf.DepthwiseConv2dNativeBackpropInput, { dy, filter }, { strides: 1, pad: c.pad, dilations: d, inputShape: xShape });
      expect(actual.shape).toEqual(reference.shape);
      expect(relativeError(actual.values, reference.values)).toBeLessThan(TOLERANCE);
    });
  }
});

describe('wasm Tile replacement', () => {
  const cases: { shape: number[]; reps: number[]; dtype: 'float32' | 'int32' | 'bool' }[] = [
    { shape: [1, 1, 1, 5], reps: [4, 3, 2, 1], dtype: 'float32' }, // the batch-norm gradient's broadcast
    { shape: [2, 3], reps: [2, 3], dtype: 'float32' },
    { shape: [2, 1, 3], reps: [1, 4, 2], dtype: 'int32' },
    { shape: [3], reps: [3], dtype: 'bool' },
    { shape: [2, 2], reps: [1, 1], dtype: 'float32' },
    { shape: [2, 3], reps: [0, 2], dtype: 'float32' },
  ];
  for (const c of cases) {
    it(`matches cpu exactly: ${c.dtype} [${c.shape.join(', ')}] by [${c.reps.join(', ')}]`, async () => {
      const values = Array.from(randomValues(sizeOf(c.shape), 21), (v) => (c.dtype === 'float32' ? v : c.dtype === 'int32' ? Math.round(v * 100) : v > 0 ? 1 : 0));
      const run = async (backend: 'cpu' | 'wasm') => {
        await tf.setBackend(backend);
        const x = tf.tensor(values, c.shape, c.dtype);
        const buffersBefore = backend === 'wasm' ? wasmBuffers() : 0;
        const y = tf.tile(x, c.reps);
        const result = { shape: y.shape, dtype: y.dtype, values: Array.from(y.dataSync()) };
        y.dispose();
        if (backend === 'wasm') expect(wasmBuffers()).toBe(buffersBefore);
        x.dispose();
        return result;
      };
      expect(await run('wasm')).toEqual(await run('cpu'));
    });
  }
});

describe('wasm UnsortedSegmentSum (the gradient of Gather, so of every Embedding layer)', () => {
  const cases: { shape: number[]; ids: number[]; numSegments: number }[] = [
    { shape: [6, 4], ids: [0, 2, 2, 5, 0, 1], numSegments: 7 }, // repeated ids add up; unused ids stay zero
    { shape: [5, 2, 3], ids: [3, 1, 3, 3, 0], numSegments: 4 },
    { shape: [4, 3], ids: [1, -1, 9, 1], numSegments: 3 }, // ids outside 0..numSegments-1 are dropped
  ];
  for (const c of cases) {
    it(`matches cpu: [${c.shape.join(', ')}] into ${c.numSegments} segments`, async () => {
      const values = randomValues(sizeOf(c.shape), 31);
      const run = async (backend: 'cpu' | 'wasm') => {
        await tf.setBackend(backend);
        const x = tf.tensor(values, c.shape);
        const ids = tf.tensor1d(c.ids, 'int32');
        const buffersBefore = backend === 'wasm' ? wasmBuffers() : 0;
        const y = tf.unsortedSegmentSum(x, ids, c.numSegments);
        const result = { shape: y.shape, values: y.dataSync() as Float32Array };
        y.dispose();
        if (backend === 'wasm') expect(wasmBuffers()).toBe(buffersBefore);
        tf.dispose([x, ids]);
        return result;
      };
      const [wasm, cpu] = [await run('wasm'), await run('cpu')];
      expect(wasm.shape).toEqual(cpu.shape);
      expect(relativeError(wasm.values, cpu.values)).toBeLessThan(1e-6);
    });
  }

  it("gives Gather's gradient (an Embedding layer's) on wasm as on cpu", async () => {
    const gradient = async (backend: 'cpu' | 'wasm') => {
      await tf.setBackend(backend);
      const table = tf.tensor2d(randomValues(8 * 3, 41), [8, 3]);
      const ids = tf.tensor2d([[1, 4, 4, 0], [7, 1, 0, 0]], [2, 4], 'int32');
      const g = tf.grad((t: tf.Tensor) => tf.gather(t, ids).square().sum())(table);
      const values = g.dataSync() as Float32Array;
      tf.dispose([table, ids, g]);
      return values;
    };
    const [wasm, cpu] = [await gradient('wasm'), await gradient('cpu')];
    expect(wasm).toHaveLength(24);
    expect(relativeError(wasm, cpu)).toBeLessThan(1e-6);
  });
});

/** conv -> bn -> relu6 -> Keras-style pad + strided depthwise -> bn -> relu6 -> 1x1 conv -> gap -> dense, as in MobileNetV2. */
function tinyMobileNet(): tf.Sequential {
  const model = tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [15, 15, 3], filters: 8, kernelSize: 3, strides: 2, padding: 'same', useBias: false }),
      tf.layers.batchNormalization(),
      tf.layers.reLU({ maxValue: 6 }),
      tf.layers.zeroPadding2d({ padding: [[0, 1], [0, 1]] }),
      tf.layers.depthwiseConv2d({ kernelSize: 3, strides: 2, padding: 'valid', useBias: false }),
      tf.layers.batchNormalization(),
      tf.layers.reLU({ maxValue: 6 }),
      tf.layers.conv2d({ filters: 12, kernelSize: 1, padding: 'same', useBias: true }),
      tf.layers.globalAveragePooling2d({}),
      tf.layers.dense({ units: 3 }),
    ],
  });
  // Same weights on every backend, large enough that no ReLU6 sits on its kink by accident of initialisation.
  model.setWeights(model.getWeights().map((w, i) => tf.tensor(randomValues(w.size, 100 + i), w.shape)));
  return model;
}

describe('a training step through a tiny MobileNet-like Layers model', () => {
  const batch = 4;
  const x = randomValues(batch * 15 * 15 * 3, 11);
  const labels = [0, 2, 1, 2];

  async function gradientsOn(backend: 'cpu' | 'wasm') {
    await tf.setBackend(backend);
    const model = tinyMobileNet();
    const input = tf.tensor4d(x, [batch, 15, 15, 3]);
    const onehot = tf.tidy(() => tf.oneHot(tf.tensor1d(labels, 'int32'), 3));
    const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
    const step = () => {
      const { value, grads } = tf.variableGrads(
        () => tf.losses.softmaxCrossEntropy(onehot, model.apply(input, { training: true }) as tf.Tensor) as tf.Scalar,
        variables,
      );
      const result = {
        loss: value.dataSync()[0] ?? NaN,
        grads: variables.map((v) => ({ name: v.name, values: grads[v.name]!.dataSync() as Float32Array })),
      };
      tf.dispose([value, ...Object.values(grads)]);
      return result;
    };
    // The first step also moves tfjs-layers' cached constants from the cpu run onto wasm; count from the second.
    step();
    const tensorsBefore = tf.memory().numTensors;
    const buffersBefore = backend === 'wasm' ? wasmBuffers() : 0;
    const result = step();
    if (backend === 'wasm') {
      expect(tf.memory().numTensors).toBe(tensorsBefore);
      expect(wasmBuffers()).toBe(buffersBefore);
    }
    tf.dispose([input, onehot]);
    model.dispose();
    return result;
  }

  it('gives the cpu backend\'s gradients for every trainable weight, leaking nothing', async () => {
    const reference = await gradientsOn('cpu');
    const actual = await gradientsOn('wasm');
    expect(actual.loss).toBeCloseTo(reference.loss, 5);
    expect(actual.grads.length).toBe(10); // conv, bn (gamma, beta) x2, depthwise, 1x1 conv + bias, dense + bias
    for (const [i, g] of actual.grads.entries()) {
      expect(relativeError(g.values, reference.grads[i]!.values), g.name).toBeLessThan(TOLERANCE);
    }
  });
});
