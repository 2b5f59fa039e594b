import * as ort from 'onnxruntime-node';
import { describe, expect, inject, it } from 'vitest';
import { createRng } from '../../src/core/index.js';
import { GraphBuilder, addGraphOutputs, attr, convertOnnxToLayers, decodeOnnxModel, encodeOnnxModel } from '../../src/formats/index.js';
import type { LayersArtifacts, OnnxModel } from '../../src/formats/index.js';
import { HeadstartError, installBackbone } from '../../src/index.js';
import type { Pooling } from '../../src/index.js';
import { backboneAsOnnx } from '../../src/zoo/index.js';
import { FLOWERS } from '../paths.js';
import { decodeImages, loadLayersModel, maxRowRelativeError, predictLayers, sampleImages } from './layers-model.js';

/** Runs an ONNX model in onnxruntime; returns the named outputs. */
async function runOnnx(model: OnnxModel | Uint8Array, input: string, values: Float32Array, dims: number[], outputs: string[]): Promise<Float32Array[]> {
  const bytes = model instanceof Uint8Array ? model : encodeOnnxModel({ ...model, graph: { ...model.graph, outputs: outputs.map((name) => ({ name, elemType: 'float32' as const })) } });
  const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 2 });
  try {
    const result = await session.run({ [input]: new ort.Tensor('float32', values, dims) }, outputs);
    return outputs.map((o) => result[o]?.data as Float32Array);
  } finally {
    await session.release();
  }
}

/** The artifacts loaded by tfjs from their serialised form, run on `values`. */
async function runLayers(artifacts: LayersArtifacts, values: Float32Array, dims: number[]): Promise<Float32Array> {
  const model = await loadLayersModel(JSON.stringify(artifacts.modelJson), artifacts.weightData);
  try {
    return await predictLayers(model, values, dims);
  } finally {
    model.dispose();
  }
}

const layerClasses = (a: LayersArtifacts): string[] => (a.modelJson.modelTopology.config as { layers: { class_name: string }[] }).layers.map((l) => l.class_name);

/** NCHW values to NHWC, for feeding an ONNX activation to the Layers model. */
function toNhwc(values: Float32Array, [n, c, h, w]: [number, number, number, number]): Float32Array {
  const out = new Float32Array(values.length);
  for (let b = 0; b < n; b++) for (let k = 0; k < c; k++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    out[((b * h + y) * w + x) * c + k] = values[((b * c + k) * h + y) * w + x] as number;
  }
  return out;
}

/** A zoo backbone as headstart exports it (cut, pooled), with 6 flowers preprocessed for it. */
async function zooGraph(id: string, home: string, cut: string, pooling: Pooling): Promise<{ model: OnnxModel; features: string; pixels: Float32Array; count: number }> {
  const backbone = await installBackbone(id, { home });
  const { model, features } = await backboneAsOnnx(backbone.files, cut, pooling);
  const files = await sampleImages(FLOWERS, 6);
  return { model, features, pixels: await decodeImages(files, backbone.card.input), count: files.length };
}

describe('convertOnnxToLayers on the bundled backbones', () => {
  const home = inject('sharedHome');

  it.each([
    { id: 'mobilenet-v1-imagenet', cut: 'features', pooling: 'avg', dim: 1024 },
    { id: 'mobilenet-v2-imagenet', cut: 'features', pooling: 'avg', dim: 1280 },
    { id: 'mobilenet-v2', cut: 'block_13_expand_relu', pooling: 'avg', dim: 576 },
    { id: 'mobilenet-v2', cut: 'out_relu', pooling: 'max', dim: 1280 },
    { id: 'mobilenet-v2', cut: 'block_16_project_BN', pooling: 'flatten', dim: 7 * 7 * 320 },
    { id: 'mobilenet-v1-imagenet', cut: 'MobilenetV1/MobilenetV1/Conv2d_13_pointwise/Relu6', pooling: 'max', dim: 1024 },
    { id: 'mobilenet-v1-imagenet', cut: 'MobilenetV1/MobilenetV1/Conv2d_11_pointwise/Relu6', pooling: 'flatten', dim: 14 * 14 * 512 },
  ] as { id: string; cut: string; pooling: Pooling; dim: number }[])('$id at $cut ($pooling): tfjs gives onnxruntime features on 6 flowers', async ({ id, cut, pooling, dim }) => {
    const { model, features, pixels, count } = await zooGraph(id, home, cut, pooling);
    const artifacts = convertOnnxToLayers(model, { output: features, where: id });
    expect(artifacts.inputShape).toEqual([224, 224, 3]);
    expect(artifacts.outputShape).toEqual([dim]);
    const [reference] = await runOnnx(model, 'pixels', pixels, [count, 224, 224, 3], [features]);
    const rebuilt = await runLayers(artifacts, pixels, [count, 224, 224, 3]);
    const error = maxRowRelativeError(rebuilt, reference as Float32Array, count);
    process.stdout.write(`onnx-to-layers ${id} at ${cut} (${pooling}): max relative error ${error.toExponential(2)} (${layerClasses(artifacts).length} layers)\n`);
    expect(new Set(reference).size).toBeGreaterThan(dim / 4);
    expect(error).toBeLessThan(1e-4);
  });

  it('rebuilds the top of a backbone from an internal activation, as onnxruntime computes it from there', async () => {
    const start = 'MobilenetV2/expanded_conv_14/add';
    const { model, features, pixels, count } = await zooGraph('mobilenet-v2-imagenet', home, 'features', 'avg');
    const exposed = addGraphOutputs(encodeOnnxModel(model), [start], 'mobilenet-v2-imagenet');
    const [activation, reference] = await runOnnx(exposed, 'pixels', pixels, [count, 224, 224, 3], [start, features]);
    const top = convertOnnxToLayers(decodeOnnxModel(exposed, 'mobilenet-v2-imagenet'), { output: features, input: start, where: 'mobilenet-v2-imagenet' });
    expect(top.inputShape).toEqual([7, 7, 160]);
    expect(top.inputName).toBe('MobilenetV2_expanded_conv_14_add');
    expect(layerClasses(top).filter((c) => c === 'InputLayer')).toHaveLength(1);
    expect(layerClasses(top).filter((c) => c === 'DepthwiseConv2D')).toHaveLength(2); // blocks 15 and 16 only
    const rebuilt = await runLayers(top, toNhwc(activation as Float32Array, [count, 160, 7, 7]), [count, 7, 7, 160]);
    const error = maxRowRelativeError(rebuilt, reference as Float32Array, count);
    process.stdout.write(`onnx-to-layers top from ${start}: max relative error ${error.toExponential(2)}\n`);
    expect(error).toBeLessThan(1e-4);
  });
});

/** A small graph with the ops the backbones above lack: explicit pads, folded biases, Concat, MaxPool, L2 norm, Gemm. */
function opsGraph(): OnnxModel {
  const rng = createRng(7);
  const random = (...dims: number[]) => Float32Array.from({ length: dims.reduce((a, b) => a * b, 1) }, () => rng() * 2 - 1);
  const b = new GraphBuilder('ops');
  const x = b.node('Transpose', [b.input('pixels', 'float32', ['batch', 8, 8, 3])], { perm: attr.ints([0, 3, 1, 2]) }, 'nchw');
  const k3 = { kernel_shape: attr.ints([3, 3]) };
  const same = b.node('Relu', [b.node('Conv', [x, b.constant('w1', [4, 3, 3, 3], random(4, 3, 3, 3)), b.constant('b1', [4], random(4))], { ...k3, pads: attr.ints([1, 1, 1, 1]) })]);
  const shifted = b.node('Conv', [x, b.constant('w2', [4, 3, 3, 3], random(4, 3, 3, 3))], { ...k3, pads: attr.ints([2, 2, 0, 0]) }, 'shifted');
  const biased = b.node('Add', [shifted, b.constant('b2', [1, 4, 1, 1], random(4))]);
  const joined = b.node('Concat', [same, biased], { axis: attr.int(1) });
  const scaled = b.node('Sub', [b.node('Mul', [joined, b.constant('scale', [8, 1, 1], random(8))]), b.constant('half', [], Float32Array.of(0.5))]);
  const depthwise = b.node('Conv', [scaled, b.constant('wd', [16, 1, 3, 3], random(16, 3, 3)), b.constant('bd', [16], random(16))], {
    ...k3, strides: attr.ints([2, 2]), pads: attr.ints([0, 0, 1, 1]), group: attr.int(8),
  });
  const relu6 = b.node('Clip', [depthwise, b.constant('zero', [], Float32Array.of(0)), b.constant('six', [], Float32Array.of(6))]);
  const flat = b.node('Flatten', [b.node('MaxPool', [relu6], { kernel_shape: attr.ints([2, 2]), strides: attr.ints([2, 2]) })], { axis: attr.int(1) });
  const squeezed = b.node('Squeeze', [b.node('GlobalAveragePool', [relu6]), b.constant('axes', [2], BigInt64Array.of(2n, 3n), 'int64')]);
  const both = b.node('Concat', [flat, squeezed], { axis: attr.int(1) });
  const hidden = b.node('Sigmoid', [b.node('Add', [b.node('MatMul', [both, b.constant('wm', [80, 10], random(80, 10))]), b.constant('bm', [10], random(10))])]);
  const unit = b.node('Div', [hidden, b.node('ReduceL2', [hidden], { axes: attr.ints([1]), keepdims: attr.int(1) })]);
  const logits = b.node('Gemm', [unit, b.constant('wg', [5, 10], random(5, 10)), b.constant('bg', [5], random(5))], { transB: attr.int(1), alpha: attr.float(0.5) });
  b.output(b.node('Softmax', [logits], { axis: attr.int(1) }, 'probabilities'), 'float32', ['batch', 5]);
  return b.buildModel();
}

describe('convertOnnxToLayers op by op', () => {
  it('rebuilds pads, folded biases, Concat, pooling, flattening in NCHW order, L2 normalisation and Gemm exactly', async () => {
    const model = opsGraph();
    const artifacts = convertOnnxToLayers(model, { output: 'probabilities', where: 'ops graph' });
    expect(new Set(layerClasses(artifacts))).toEqual(new Set([
      'InputLayer', 'Conv2D', 'ReLU', 'ZeroPadding2D', 'Concatenate', 'DepthwiseConv2D', 'Rescaling', 'MaxPooling2D', 'Permute', 'Flatten',
      'GlobalAveragePooling2D', 'Reshape', 'Dense', 'Activation', 'LayerNormalization', 'Softmax',
    ]));
    // The Add after a bias-free Conv or MatMul became that layer's bias.
    expect(artifacts.weightSpecs.map((w) => w.name)).toEqual(expect.arrayContaining(['shifted/bias', 'matmul/bias']));
    const rng = createRng(3);
    const pixels = Float32Array.from({ length: 3 * 8 * 8 * 3 }, () => rng() * 4 - 2);
    const [reference] = await runOnnx(model, 'pixels', pixels, [3, 8, 8, 3], ['probabilities']);
    const error = maxRowRelativeError(await runLayers(artifacts, pixels, [3, 8, 8, 3]), reference as Float32Array, 3);
    expect(error).toBeLessThan(1e-5);
  });

  it('names the op and the node it cannot rebuild, and the value it cannot find', () => {
    const b = new GraphBuilder('bad');
    const x = b.input('pixels', 'float32', ['batch', 4]);
    const erf = b.node('Erf', [x], {}, 'bell');
    const clipped = b.node('Clip', [x, b.constant('lo', [], Float32Array.of(-1)), b.constant('hi', [], Float32Array.of(1))], {}, 'hardtanh');
    b.output(erf);
    const model = b.buildModel();
    const failure = (fn: () => unknown) => {
      try {
        fn();
      } catch (err) {
        return err as HeadstartError;
      }
      throw new Error('expected a HeadstartError');
    };
    const unsupported = failure(() => convertOnnxToLayers(model, { output: erf, where: 'bad.onnx' }));
    expect(unsupported).toBeInstanceOf(HeadstartError);
    expect(unsupported.code).toBe('HS_MODEL_INVALID');
    expect(unsupported.message).toMatch(/^bad\.onnx: node 'bell' is an Erf, which headstart cannot rebuild .*Supported ONNX ops: Conv, /);
    const clip = failure(() => convertOnnxToLayers(model, { output: clipped, where: 'bad.onnx' }));
    expect(clip.message).toBe("bad.onnx: Clip node 'hardtanh' clips to [-1, 1]; headstart rebuilds Clip(0, max) (ReLU, ReLU6) only.");
    const missing = failure(() => convertOnnxToLayers(model, { output: 'hardtan', where: 'bad.onnx' }));
    expect(missing.code).toBe('HS_LAYER_NOT_FOUND');
    expect(missing.message).toMatch(/Similar names: hardtanh/);
  });
});
