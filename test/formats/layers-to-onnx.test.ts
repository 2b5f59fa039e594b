import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { convertLayersToOnnx, encodeOnnxModel, readLayersWeights } from '../../src/formats/index.js';
import { HeadstartError, createEngine, decodeImage, installBackbone, listImageFolder } from '../../src/index.js';
import type { InputSpec, ModelFiles, Pooling } from '../../src/index.js';
import { FLOWERS_MINI } from '../paths.js';

interface LayersFiles {
  modelJson: { modelTopology: object; weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[] };
  weights: Uint8Array;
}

/** Saves a tfjs model the way tensorflowjs_converter lays it out: model.json + weights.bin in `dir`. */
async function saveLayersModel(model: tf.LayersModel, dir: string): Promise<LayersFiles & { files: ModelFiles }> {
  let saved: LayersFiles | undefined;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      saved = {
        modelJson: { modelTopology: artifacts.modelTopology as object, weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs ?? [] }] },
        weights: new Uint8Array(artifacts.weightData as ArrayBuffer),
      };
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  if (!saved) throw new Error('tfjs did not save the model');
  await fs.mkdir(dir, { recursive: true });
  await fs.writeFile(path.join(dir, 'model.json'), JSON.stringify(saved.modelJson));
  await fs.writeFile(path.join(dir, 'weights.bin'), saved.weights);
  return { ...saved, files: { format: 'tfjs-layers', path: path.join(dir, 'model.json') } };
}

/** The first `count` flower images, round-robin over the classes. */
async function flowerFiles(count: number): Promise<string[]> {
  const { items } = await listImageFolder(FLOWERS_MINI);
  const byClass = [...new Set(items.map((i) => i.label))].map((label) => items.filter((i) => i.label === label).map((i) => i.path));
  const files: string[] = [];
  for (let i = 0; files.length < count; i++) for (const list of byClass) if (files.length < count && list[i]) files.push(list[i] as string);
  return files;
}

async function decodeBatch(files: string[], input: InputSpec): Promise<Float32Array> {
  const size = input.height * input.width * 3;
  const batch = new Float32Array(files.length * size);
  for (const [i, file] of files.entries()) batch.set(await decodeImage(new Uint8Array(await fs.readFile(file)), file, input), i * size);
  return batch;
}

async function runOnnx(session: ort.InferenceSession, pixels: Float32Array, count: number, input: InputSpec): Promise<{ data: Float32Array; dims: readonly number[] }> {
  const out = await session.run({ pixels: new ort.Tensor('float32', pixels, [count, input.height, input.width, 3]) });
  const features = out.features as ort.Tensor;
  return { data: features.data as Float32Array, dims: features.dims };
}

/** Largest |a - b| over one feature vector, relative to that vector's largest |b|, over all rows. */
function maxRelativeError(a: Float32Array, b: Float32Array, rows: number): number {
  const dim = b.length / rows;
  let worst = 0;
  for (let r = 0; r < rows; r++) {
    let scale = 0;
    for (let j = 0; j < dim; j++) scale = Math.max(scale, Math.abs(b[r * dim + j] as number));
    for (let j = 0; j < dim; j++) worst = Math.max(worst, Math.abs((a[r * dim + j] as number) - (b[r * dim + j] as number)) / (scale || 1));
  }
  return worst;
}

/** Converts at `cut`, runs both engines on the same pixels and returns the max relative error. */
async function compareWithTfjs(source: LayersFiles & { files: ModelFiles }, cut: string, pooling: Pooling, input: InputSpec, pixels: Float32Array, count: number) {
  const model = convertLayersToOnnx(source.modelJson, source.weights, { cut, pooling, where: source.files.path });
  const session = await ort.InferenceSession.create(encodeOnnxModel(model), { intraOpNumThreads: 2 });
  const extractor = await createEngine().loadExtractor(source.files, { cut, pooling, input });
  try {
    const onnx = await runOnnx(session, pixels, count, input);
    const reference = await extractor.extract(pixels, count);
    expect(onnx.dims).toEqual([count, extractor.dim]);
    expect(new Set(reference).size, `${cut}: features vary`).toBeGreaterThan(1);
    return maxRelativeError(onnx.data, reference, count);
  } finally {
    extractor.dispose();
    await session.release();
  }
}

function report(line: string): void {
  process.stdout.write(`${line}\n`);
}

async function readInstalled(id: string, home: string): Promise<LayersFiles & { files: ModelFiles; input: InputSpec }> {
  const backbone = await installBackbone(id, { home });
  const modelJson = JSON.parse(await fs.readFile(backbone.files.path, 'utf8')) as LayersFiles['modelJson'];
  const weights = new Uint8Array(await fs.readFile(path.join(path.dirname(backbone.files.path), 'weights.bin')));
  return { modelJson, weights, files: backbone.files, input: backbone.card.input };
}

describe('convertLayersToOnnx on the bundled backbones', () => {
  const home = inject('sharedHome');
  const cases: { id: string; cut: string; pooling: Pooling }[] = [
    { id: 'mobilenet-v2', cut: 'block_13_expand_relu', pooling: 'avg' },
    { id: 'mobilenet-v2', cut: 'out_relu', pooling: 'avg' },
    { id: 'mobilenet-v2', cut: 'block_16_project_BN', pooling: 'flatten' },
    { id: 'inception-v3', cut: 'mixed3', pooling: 'avg' },
    { id: 'inception-v3', cut: 'mixed10', pooling: 'avg' },
  ];

  it.each(cases)('$id at $cut ($pooling) matches the tfjs extractor on 4 flowers', async ({ id, cut, pooling }) => {
    const backbone = await readInstalled(id, home);
    const files = await flowerFiles(4);
    const error = await compareWithTfjs(backbone, cut, pooling, backbone.input, await decodeBatch(files, backbone.input), files.length);
    report(`layers-to-onnx ${id} ${cut} ${pooling}: max relative error ${error.toExponential(2)}`);
    expect(error).toBeLessThan(1e-4);
  });

  it('names the converted graph values after the Keras layers and folds BatchNormalization into convolutions', async () => {
    const backbone = await readInstalled('mobilenet-v2', home);
    const model = convertLayersToOnnx(backbone.modelJson, backbone.weights, { cut: 'block_1_project_BN', pooling: 'avg', where: backbone.files.path });
    const outputs = model.graph.nodes.flatMap((n) => n.outputs);
    expect(outputs).toEqual(expect.arrayContaining(['bn_Conv1', 'Conv1_relu', 'block_1_expand_relu', 'block_1_project_BN', 'features']));
    expect(model.graph.nodes.some((n) => n.opType === 'Mul' || n.opType === 'BatchNormalization')).toBe(false);
    expect(model.graph.inputs).toEqual([{ name: 'pixels', elemType: 'float32', shape: ['batch', 224, 224, 3] }]);
    expect(model.graph.outputs).toEqual([{ name: 'features', elemType: 'float32', shape: ['batch', 24] }]);
    // Only the layers up to the cut are converted.
    expect(outputs).not.toContain('block_2_add');
  });

  it('runs faster in onnxruntime than in tfjs-wasm (printed, not asserted)', async () => {
    const files = await flowerFiles(32);
    for (const { id, cut } of [{ id: 'mobilenet-v2', cut: 'block_13_expand_relu' }, { id: 'inception-v3', cut: 'mixed3' }]) {
      const backbone = await readInstalled(id, home);
      const { input } = backbone;
      const pixels = await decodeBatch(files, input);
      const size = input.height * input.width * 3;
      const model = convertLayersToOnnx(backbone.modelJson, backbone.weights, { cut, pooling: 'avg', where: backbone.files.path });
      const session = await ort.InferenceSession.create(encodeOnnxModel(model), { intraOpNumThreads: 2 });
      const extractor = await createEngine().loadExtractor(backbone.files, { cut, pooling: 'avg', input });
      const batches = [0, 16].map((start) => pixels.subarray(start * size, (start + 16) * size));
      await runOnnx(session, batches[0] as Float32Array, 16, input); // warm-up
      await extractor.extract(batches[0] as Float32Array, 16);
      let start = performance.now();
      for (const batch of batches) await runOnnx(session, batch, 16, input);
      const onnxMs = (performance.now() - start) / files.length;
      start = performance.now();
      for (const batch of batches) await extractor.extract(batch, 16);
      const tfjsMs = (performance.now() - start) / files.length;
      report(`layers-to-onnx timing ${id} ${cut}: onnxruntime (2 threads, batch 16) ${onnxMs.toFixed(1)} ms/image, tfjs-wasm ${tfjsMs.toFixed(1)} ms/image, 32 images`);
      extractor.dispose();
      await session.release();
    }
  });
});

describe('convertLayersToOnnx on small tfjs models', () => {
  let work: string;
  const input: InputSpec = { height: 19, width: 17, channelOrder: 'rgb', resize: 'center-crop', mean: [127.5, 127.5, 127.5], std: [127.5, 127.5, 127.5] };
  let files: string[];
  let pixels: Float32Array;

  beforeAll(async () => {
    // The models below are built on tfjs's global backend; creating a head makes the engine start it (wasm).
    (await createEngine().createHead({ inputDim: 1, classes: 2, hidden: [], dropout: 0, l2: 0, seed: 0 })).dispose();
    work = await fs.mkdtemp(path.join(os.tmpdir(), 'headstart-layers-onnx-'));
    files = await flowerFiles(4);
    pixels = await decodeBatch(files, input);
  });
  afterAll(async () => {
    await fs.rm(work, { recursive: true, force: true });
  });

  let seed = 1;
  const random = () => tf.initializers.randomUniform({ minval: -0.5, maxval: 0.5, seed: seed++ });
  const conv = { kernelInitializer: random(), biasInitializer: random() };
  /** A BatchNormalization with non-trivial statistics, so that folding it wrong shows. */
  const batchNorm = (name: string) =>
    tf.layers.batchNormalization({
      name,
      epsilon: 0.01,
      gammaInitializer: tf.initializers.randomUniform({ minval: 0.5, maxval: 1.5, seed: seed++ }),
      betaInitializer: random(),
      movingMeanInitializer: random(),
      movingVarianceInitializer: tf.initializers.randomUniform({ minval: 0.2, maxval: 2, seed: seed++ }),
    });

  it('matches tfjs on a Sequential model with every convolution, pooling and shape layer', async () => {
    let worst = 0;
    const model = tf.sequential({
      layers: [
        tf.layers.zeroPadding2d({ inputShape: [19, 17, 3], padding: [[1, 2], [0, 1]], name: 'pad' }),
        tf.layers.conv2d({ filters: 8, kernelSize: 3, strides: 2, padding: 'same', name: 'conv_same_s2', ...conv }),
        batchNorm('bn_folded'),
        tf.layers.reLU({ maxValue: 6, name: 'relu6' }),
        tf.layers.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, padding: 'same', name: 'depthwise', depthwiseInitializer: random(), biasInitializer: random(), useBias: true }),
        batchNorm('bn_depthwise'),
        tf.layers.separableConv2d({ filters: 12, kernelSize: [3, 2], padding: 'valid', depthMultiplier: 1, activation: 'relu', name: 'separable', depthwiseInitializer: random(), pointwiseInitializer: random(), biasInitializer: random() }),
        batchNorm('bn_after_relu'),
        tf.layers.conv2d({ filters: 6, kernelSize: 3, dilationRate: 2, padding: 'same', activation: 'tanh', name: 'conv_dilated', ...conv }),
        tf.layers.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same', name: 'max_same' }),
        tf.layers.averagePooling2d({ poolSize: 3, strides: 2, padding: 'same', name: 'avg_same' }),
        tf.layers.conv2d({ filters: 5, kernelSize: [2, 1], strides: [1, 2], padding: 'valid', name: 'conv_valid', ...conv }),
        tf.layers.reshape({ targetShape: [-1, 5], name: 'to_rows' }),
        tf.layers.dense({ units: 4, activation: 'sigmoid', name: 'dense_rows', kernelInitializer: random(), biasInitializer: random() }),
        tf.layers.reshape({ targetShape: [2, 1, 4], name: 'to_map' }),
        tf.layers.dropout({ rate: 0.5, name: 'dropout' }),
        tf.layers.flatten({ name: 'flatten' }),
        tf.layers.dense({ units: 10, name: 'dense', kernelInitializer: random(), biasInitializer: random() }),
        batchNorm('bn_dense'),
        tf.layers.activation({ activation: 'elu', name: 'elu' }),
        tf.layers.dense({ units: 3, activation: 'softmax', name: 'probs', kernelInitializer: random(), biasInitializer: random() }),
      ],
    });
    const source = await saveLayersModel(model, path.join(work, 'sequential'));
    model.dispose();
    for (const [cut, pooling] of [
      ['pad', 'flatten'], ['conv_same_s2', 'avg'], ['relu6', 'max'], ['bn_depthwise', 'flatten'], ['separable', 'avg'], ['bn_after_relu', 'flatten'],
      ['conv_dilated', 'max'], ['max_same', 'flatten'], ['avg_same', 'flatten'], ['to_rows', 'avg'], ['dense_rows', 'max'], ['to_map', 'flatten'],
      ['flatten', 'avg'], ['bn_dense', 'avg'], ['probs', 'avg'],
    ] as [string, Pooling][]) {
      const error = await compareWithTfjs(source, cut, pooling, input, pixels, files.length);
      expect(error, `${cut} (${pooling})`).toBeLessThan(1e-4);
      worst = Math.max(worst, error);
    }
    report(`layers-to-onnx sequential test model: max relative error ${worst.toExponential(2)} over 15 cuts`);
    const converted = convertLayersToOnnx(source.modelJson, source.weights, { cut: 'probs', pooling: 'avg', where: 'sequential' });
    const producers = new Map(converted.graph.nodes.map((n) => [n.outputs[0], n.opType]));
    expect([producers.get('bn_folded'), producers.get('bn_depthwise'), producers.get('bn_dense')]).toEqual(['Conv', 'Conv', 'Gemm']);
    expect(producers.get('bn_after_relu')).toBe('Add'); // the separable conv has a relu: nothing to fold into
  });

  it('matches tfjs on functional models with merges, a BatchNormalization after Add and every activation', async () => {
    let worst = 0;
    const x = tf.input({ shape: [19, 17, 3], name: 'image' });
    const stem = tf.layers.conv2d({ filters: 8, kernelSize: 3, padding: 'same', name: 'stem', ...conv }).apply(x) as tf.SymbolicTensor;
    const branch = tf.layers.conv2d({ filters: 8, kernelSize: 1, name: 'branch', ...conv }).apply(stem) as tf.SymbolicTensor;
    const sum = tf.layers.add({ name: 'sum' }).apply([stem, branch]) as tf.SymbolicTensor;
    const bn = batchNorm('bn_after_add').apply(sum) as tf.SymbolicTensor;
    // 'stem' feeds a BN and the Add: the BN must not fold into it.
    const stemBn = batchNorm('bn_stem').apply(stem) as tf.SymbolicTensor;
    const activations = ['relu', 'relu6', 'sigmoid', 'hardSigmoid', 'tanh', 'softmax', 'linear', 'elu', 'selu', 'softplus', 'softsign', 'swish', 'mish', 'gelu'] as const;
    const activated = activations.map((a) => tf.layers.activation({ activation: a, name: `act_${a}` }).apply(bn) as tf.SymbolicTensor);
    const advanced = [
      tf.layers.leakyReLU({ alpha: 0.2, name: 'leaky' }).apply(bn),
      tf.layers.elu({ name: 'elu_layer' }).apply(bn),
      tf.layers.thresholdedReLU({ theta: 0.1, name: 'thresholded' }).apply(bn),
      tf.layers.softmax({ axis: -1, name: 'softmax_layer' }).apply(bn),
      tf.layers.prelu({ sharedAxes: [1, 2], alphaInitializer: random(), name: 'prelu' }).apply(bn),
      tf.layers.reLU({ maxValue: 0.5, name: 'relu_half' }).apply(bn),
      tf.layers.dense({ units: 3, activation: 'relu', name: 'dense_on_map', kernelInitializer: random(), biasInitializer: random() }).apply(bn),
    ] as tf.SymbolicTensor[];
    const channels = tf.layers.concatenate({ name: 'channels' }).apply([...activated, ...advanced, stemBn]) as tf.SymbolicTensor;
    const merged = [
      tf.layers.multiply({ name: 'product' }).apply([bn, stemBn]),
      tf.layers.maximum({ name: 'maximum' }).apply([bn, stemBn, branch]),
      tf.layers.minimum({ name: 'minimum' }).apply([bn, stemBn]),
      tf.layers.average({ name: 'average' }).apply([bn, stemBn, branch]),
      tf.layers.add({ name: 'sum3' }).apply([bn, stemBn, branch]),
    ] as tf.SymbolicTensor[];
    const rows = tf.layers.concatenate({ axis: 1, name: 'rows' }).apply(merged) as tf.SymbolicTensor;
    const pooledMax = tf.layers.globalMaxPooling2d({ name: 'gmax' }).apply(rows) as tf.SymbolicTensor;
    const pooledAvg = tf.layers.globalAveragePooling2d({ name: 'gavg' }).apply(channels) as tf.SymbolicTensor;
    const vector = tf.layers.concatenate({ name: 'vector' }).apply([pooledMax, pooledAvg]) as tf.SymbolicTensor;
    const logits = tf.layers.dense({ units: 5, name: 'logits', kernelInitializer: random(), biasInitializer: random() }).apply(vector) as tf.SymbolicTensor;
    const model = tf.model({ inputs: x, outputs: logits, name: 'branchy' });
    const source = await saveLayersModel(model, path.join(work, 'functional'));
    model.dispose();
    for (const [cut, pooling] of [
      ['bn_after_add', 'avg'], ['bn_stem', 'flatten'], ['channels', 'avg'], ['channels', 'max'], ['channels', 'flatten'], ['rows', 'flatten'],
      ['vector', 'avg'], ['logits', 'avg'], ['image', 'flatten'],
    ] as [string, Pooling][]) {
      const error = await compareWithTfjs(source, cut, pooling, input, pixels, files.length);
      expect(error, `${cut} (${pooling})`).toBeLessThan(1e-4);
      worst = Math.max(worst, error);
    }
    report(`layers-to-onnx functional test model: max relative error ${worst.toExponential(2)} over 9 cuts`);
    // The BN after Add is a Mul and an Add; the one after the shared stem is not folded into it either.
    const converted = convertLayersToOnnx(source.modelJson, source.weights, { cut: 'channels', pooling: 'avg', where: 'functional' });
    const producers = new Map(converted.graph.nodes.map((n) => [n.outputs[0], n.opType]));
    expect(producers.get('bn_after_add')).toBe('Add');
    expect(producers.get('bn_stem')).toBe('Add');
    expect(producers.get('stem')).toBe('Conv');
  });

  it("matches tfjs's own predict on gelu_new, which tfjs saves as 'geluNew' and cannot load back", async () => {
    const model = tf.sequential({
      layers: [
        tf.layers.conv2d({ inputShape: [19, 17, 3], filters: 4, kernelSize: 3, name: 'conv', ...conv }),
        tf.layers.activation({ activation: 'gelu_new', name: 'gelu_new' }),
      ],
    });
    const source = await saveLayersModel(model, path.join(work, 'gelu-new'));
    const reference = tf.tidy(() => (model.predict(tf.tensor4d(pixels, [files.length, 19, 17, 3])) as tf.Tensor).mean([1, 2]).dataSync() as Float32Array);
    model.dispose();
    const converted = convertLayersToOnnx(source.modelJson, source.weights, { cut: 'gelu_new', pooling: 'avg', where: 'gelu-new' });
    const session = await ort.InferenceSession.create(encodeOnnxModel(converted));
    const onnx = await runOnnx(session, pixels, files.length, input);
    await session.release();
    expect(maxRelativeError(onnx.data, reference, files.length)).toBeLessThan(1e-4);
  });

  it('reads Keras 3 inbound nodes ({ args, kwargs } with keras_history) the same as Keras 2 lists', async () => {
    const x = tf.input({ shape: [19, 17, 3], name: 'image' });
    const a = tf.layers.conv2d({ filters: 4, kernelSize: 3, name: 'a', ...conv }).apply(x) as tf.SymbolicTensor;
    const b = tf.layers.conv2d({ filters: 4, kernelSize: 3, name: 'b', ...conv }).apply(x) as tf.SymbolicTensor;
    // Named like the graph output, which the converter reserves: the layer's value must take another name.
    const joined = tf.layers.concatenate({ name: 'features' }).apply([a, b]) as tf.SymbolicTensor;
    const model = tf.model({ inputs: x, outputs: joined });
    const source = await saveLayersModel(model, path.join(work, 'keras3'));
    model.dispose();
    // tfjs saves the model config itself as modelTopology (converted Keras files wrap it in model_config).
    const keras3 = JSON.parse(JSON.stringify(source.modelJson)) as { modelTopology: { config: { layers: Record<string, unknown>[] } } };
    const tensor = ([name, node, index]: [string, number, number]) => ({ class_name: '__keras_tensor__', config: { shape: null, dtype: 'float32', keras_history: [name, node, index] } });
    for (const layer of keras3.modelTopology.config.layers) {
      const nodes = layer.inbound_nodes as [string, number, number][][];
      layer.inbound_nodes = nodes.map((node) => ({ args: node.length === 1 ? [tensor(node[0] as [string, number, number])] : [node.map(tensor)], kwargs: {} }));
      const config = layer.config as Record<string, unknown>;
      if (config.batch_input_shape) {
        config.batch_shape = config.batch_input_shape;
        delete config.batch_input_shape;
      }
    }
    const run = async (json: object) => {
      const session = await ort.InferenceSession.create(encodeOnnxModel(convertLayersToOnnx(json, source.weights, { cut: 'features', pooling: 'max', where: 'm' })));
      const out = await runOnnx(session, pixels, files.length, input);
      await session.release();
      return out.data;
    };
    const features = await run(keras3);
    expect(features).toEqual(await run(source.modelJson));
    expect(features.length).toBe(files.length * 8);
  });

  it('rejects a layer it cannot convert by naming it, and converts cuts below it', async () => {
    const model = tf.sequential({
      layers: [
        tf.layers.conv2d({ inputShape: [19, 17, 3], filters: 4, kernelSize: 3, name: 'conv', ...conv }),
        tf.layers.conv2dTranspose({ filters: 2, kernelSize: 3, name: 'upsample' }),
        tf.layers.globalAveragePooling2d({ name: 'pool' }),
      ],
    });
    const source = await saveLayersModel(model, path.join(work, 'transpose'));
    model.dispose();
    const err = (() => {
      try {
        return convertLayersToOnnx(source.modelJson, source.weights, { cut: 'pool', pooling: 'avg', where: 'transpose/model.json' });
      } catch (e) {
        return e;
      }
    })() as HeadstartError;
    expect(err).toBeInstanceOf(HeadstartError);
    expect(err.code).toBe('HS_MODEL_INVALID');
    expect(err.message).toMatch(/transpose\/model\.json: layer 'upsample' is a Conv2DTranspose, which headstart cannot convert to ONNX\. Supported layer classes: .*DepthwiseConv2D/);
    expect(await compareWithTfjs(source, 'conv', 'avg', input, pixels, files.length)).toBeLessThan(1e-4);

    expect(() => convertLayersToOnnx(source.modelJson, source.weights, { cut: 'convv', pooling: 'avg', where: 'm.json' })).toThrow(
      expect.objectContaining({ code: 'HS_LAYER_NOT_FOUND', message: expect.stringContaining("Layer 'convv' is not in m.json. Layers with similar names: conv") }),
    );
    expect(() => convertLayersToOnnx(source.modelJson, source.weights, { cut: 'conv', pooling: 'mean' as Pooling, where: 'm.json' })).toThrow(
      "Expected pooling to be one of 'avg', 'max', 'flatten'. Received: 'mean'.",
    );
    expect(() => convertLayersToOnnx(source.modelJson, source.weights.subarray(8), { cut: 'conv', pooling: 'avg', where: 'm.json' })).toThrow(/weight files hold/);
  });
});

describe('readLayersWeights', () => {
  it('decodes float32, int32 and uint8, uint16 and float16 quantised weights as tfjs does', () => {
    const manifest = [
      {
        paths: ['a.bin'],
        weights: [
          { name: 'l/f32', shape: [2], dtype: 'float32' },
          { name: 'l/u8', shape: [3], dtype: 'float32', quantization: { dtype: 'uint8', min: -1, scale: 0.5 } },
          { name: 'l/f16', shape: [5], dtype: 'float32', quantization: { dtype: 'float16' } },
          { name: 'l/i32', shape: [1], dtype: 'int32' },
          { name: 'm/u16', shape: [2], dtype: 'float32', quantization: { dtype: 'uint16', min: 0.25, scale: 0.001 } },
        ],
      },
    ];
    const bytes = new Uint8Array(8 + 3 + 10 + 4 + 4);
    const view = new DataView(bytes.buffer);
    view.setFloat32(0, 1.5, true);
    view.setFloat32(4, -2, true);
    bytes.set([0, 1, 255], 8);
    [0x3c00, 0xc000, 0x3800, 0x0001, 0x7c00].forEach((h, i) => view.setUint16(11 + 2 * i, h, true));
    view.setInt32(21, -7, true);
    view.setUint16(25, 0, true);
    view.setUint16(27, 1000, true);
    const weights = readLayersWeights(manifest, bytes, 'a.json');
    expect(Array.from(weights.get('l/f32')?.values ?? [])).toEqual([1.5, -2]);
    expect(Array.from(weights.get('l/u8')?.values ?? [])).toEqual([-1, -0.5, 126.5]);
    expect(Array.from(weights.get('l/f16')?.values ?? [])).toEqual([1, -2, 0.5, Math.fround(2 ** -24), Infinity]);
    expect(Array.from(weights.get('l/i32')?.values ?? [])).toEqual([-7]);
    expect(Array.from(weights.get('m/u16')?.values ?? [])).toEqual([0.25, Math.fround(1.25)]);
    expect(() => readLayersWeights(manifest, bytes.subarray(1), 'a.json')).toThrow(/a\.json: the weight files hold 28 bytes, but the manifest needs 29/);
  });
});
