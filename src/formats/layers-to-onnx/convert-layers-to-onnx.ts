import { HeadstartError, invalidChoice, invalidOption, rejectUnknownKeys } from '../../core/index.js';
import { GraphBuilder, attr } from '../onnx/index.js';
import type { OnnxModel } from '../onnx/index.js';
import { isLinear } from './activation-layers.js';
import { batchNormAffine } from './batch-norm.js';
import { channelsFirst, isFeatureMap, toKerasLayout } from './feature-values.js';
import type { FeatureValue } from './feature-values.js';
import type { LayerContext, LayerMapper } from './layer-context.js';
import { FOLDS_BATCH_NORM, SUPPORTED_LAYER_CLASSES, findLayerMapper } from './layer-mappers.js';
import { callKey, collectLayerCalls, parseLayersTopology } from './layers-topology.js';
import type { LayerCall, LayersLayer } from './layers-topology.js';
import { groupWeightsByLayer, readLayersWeights } from './layers-weights.js';
import type { LayersWeight } from './layers-weights.js';

export type LayersPooling = 'avg' | 'max' | 'flatten';
const POOLINGS: readonly LayersPooling[] = ['avg', 'max', 'flatten'];

export interface ConvertLayersToOnnxOptions {
  /** Layer whose output becomes the features. */
  cut: string;
  /**
   * How the cut's output becomes one vector per image, as headstart's tfjs extractor does it: 'avg' and 'max'
   * reduce over height and width, 'flatten' flattens in NHWC order; a vector output is left as it is.
   */
  pooling: LayersPooling;
  /** The model file, named in error messages. */
  where: string;
  /** Input [height, width] for a model whose input layer leaves them open (null). @default the input layer's */
  inputSize?: [number, number];
}

const KNOWN_OPTIONS = ['cut', 'pooling', 'where', 'inputSize'];

/** The graph's input and output names: `pixels` NHWC float32 in, `features` [batch, dim] out. */
export const INPUT_NAME = 'pixels';
export const OUTPUT_NAME = 'features';

function checkOptions(options: ConvertLayersToOnnxOptions): void {
  rejectUnknownKeys('convertLayersToOnnx', options, KNOWN_OPTIONS);
  if (typeof options.cut !== 'string' || options.cut === '') throw invalidOption(`Expected cut to be a layer name. Received: ${JSON.stringify(options.cut)}.`);
  if (!POOLINGS.includes(options.pooling)) throw invalidChoice('pooling', options.pooling, POOLINGS);
  const size = options.inputSize;
  if (size !== undefined && !(Array.isArray(size) && size.length === 2 && size.every((d) => Number.isInteger(d) && d > 0))) {
    throw invalidOption(`Expected inputSize to be [height, width] in pixels. Received: ${JSON.stringify(size)}.`);
  }
}

/** The model's image input: `pixels` [batch, H, W, C], transposed to NCHW and named after the input layer. */
function addInput(b: GraphBuilder, layer: LayersLayer, options: ConvertLayersToOnnxOptions): FeatureValue {
  const raw = layer.config.batch_input_shape ?? layer.config.batch_shape;
  const shape = Array.isArray(raw) ? raw.slice(1) : [];
  const [h, w, c] = shape.map((d, i) => (typeof d === 'number' ? d : i < 2 ? options.inputSize?.[i] : undefined));
  if (shape.length !== 3 || h === undefined || w === undefined || c === undefined) {
    throw new HeadstartError(
      'HS_MODEL_INVALID',
      `${options.where}: input layer '${layer.name}' has shape ${JSON.stringify(raw)}; headstart converts image models with a [batch, height, width, channels] input` +
        `${shape.length === 3 ? '. Pass inputSize: [height, width] for a model that leaves them open' : ''}.`,
    );
  }
  b.input(INPUT_NAME, 'float32', ['batch', h, w, c]);
  return { name: channelsFirst(b, INPUT_NAME, layer.name), shape: [h, w, c] };
}

function unsupported(call: LayerCall, where: string): HeadstartError {
  return new HeadstartError(
    'HS_MODEL_INVALID',
    `${where}: layer '${call.layer.name}' is a ${call.layer.className}, which headstart cannot convert to ONNX. ` +
      `Supported layer classes: ${SUPPORTED_LAYER_CLASSES.join(', ')}. Cut below it, or run the model with the tfjs engine.`,
  );
}

/**
 * The BatchNormalization that `call` alone feeds, when it can fold into `call`'s weights: `call` is a conv or Dense
 * with a linear activation, its only reader is that BN, and the cut is not `call` itself.
 */
function foldableBatchNorm(call: LayerCall, readers: Map<string, LayerCall[]>, cutKey: string): LayerCall | undefined {
  if (!FOLDS_BATCH_NORM.has(call.layer.className) || call.key === cutKey) return undefined;
  const activation = call.layer.config.activation;
  if (activation !== undefined && activation !== null && !(typeof activation === 'string' && isLinear(activation))) return undefined;
  const [reader, ...others] = readers.get(call.key) ?? [];
  if (!reader || others.length > 0 || reader.layer.className !== 'BatchNormalization' || reader.inputs.length !== 1) return undefined;
  return reader;
}

/** Pools the cut's output the way the tfjs extractor does, into [batch, dim]. */
function poolFeatures(b: GraphBuilder, v: FeatureValue, pooling: LayersPooling): { name: string; dim: number } {
  const size = v.shape.reduce((a, d) => a * d, 1);
  if (v.shape.length <= 1) return { name: b.node('Identity', [v.name], {}, OUTPUT_NAME), dim: size };
  if (pooling === 'flatten') return { name: b.node('Flatten', [toKerasLayout(b, v, 'features')], { axis: attr.int(1) }, OUTPUT_NAME), dim: size };
  // Reduce every axis but batch and channels: H and W of a feature map (NCHW 2, 3), else Keras axes 1..rank-1.
  const axes = isFeatureMap(v) ? [2, 3] : v.shape.slice(0, -1).map((_, i) => i + 1);
  const op = pooling === 'avg' ? 'ReduceMean' : 'ReduceMax';
  return { name: b.node(op, [v.name], { axes: attr.ints(axes), keepdims: attr.int(0) }, OUTPUT_NAME), dim: v.shape[v.shape.length - 1] as number };
}

/**
 * Converts a TF.js Layers model, cut at one layer and pooled, into an ONNX graph that computes what headstart's tfjs
 * extractor computes: float32 input `pixels` [batch, H, W, C] (NHWC, transposed to NCHW inside) and output
 * `features` [batch, dim]. `modelJson` is the parsed model.json ({ modelTopology, weightsManifest }) and `weights`
 * the weight shards concatenated in manifest order. Only the layers the cut needs are converted; a
 * BatchNormalization folds into the conv or Dense before it when it alone reads that layer's output.
 */
export function convertLayersToOnnx(modelJson: object, weights: Uint8Array, options: ConvertLayersToOnnxOptions): OnnxModel {
  checkOptions(options);
  const { cut, pooling, where } = options;
  const json = modelJson as { modelTopology?: unknown; weightsManifest?: unknown };
  if (!json.modelTopology || !Array.isArray(json.weightsManifest)) {
    throw new HeadstartError('HS_MODEL_INVALID', `${where} is not a TF.js Layers model.json: it needs "modelTopology" and "weightsManifest".`);
  }
  const calls = collectLayerCalls(parseLayersTopology(json.modelTopology, where), cut, where);
  const inputLayers = calls.filter((c) => c.layer.className === 'InputLayer').map((c) => c.layer.name);
  if (inputLayers.length !== 1) {
    throw new HeadstartError('HS_MODEL_INVALID', `${where}: layer '${cut}' depends on ${inputLayers.length} input layers (${inputLayers.join(', ')}); headstart converts models with one image input.`);
  }
  // Every layer is checked before any weight is decoded, so an unsupported one fails fast.
  const mappers = new Map<string, LayerMapper>();
  for (const call of calls) {
    if (call.layer.className === 'InputLayer') continue;
    const mapper = findLayerMapper(call.layer.className);
    if (!mapper) throw unsupported(call, where);
    mappers.set(call.key, mapper);
  }

  const weightsByLayer = groupWeightsByLayer(readLayersWeights(json.weightsManifest, weights, where));
  const readers = new Map<string, LayerCall[]>();
  for (const call of calls) {
    for (const input of call.inputs) {
      const key = callKey(input.layer, input.call);
      readers.set(key, [...(readers.get(key) ?? []), call]);
    }
  }
  const cutKey = callKey(cut, 0);

  const b = new GraphBuilder('tfjs-layers');
  b.uniqueName(OUTPUT_NAME); // reserved: no layer value may take the output's name (see the rename below)
  const values = new Map<string, FeatureValue>();
  const contextOf = (call: LayerCall, inputs: FeatureValue[]): LayerContext => ({
    builder: b, layer: call.layer, inputs, where, weights: weightsByLayer.get(call.layer.name) ?? new Map<string, LayersWeight>(),
  });
  for (const call of calls) {
    if (values.has(call.key)) continue; // a BatchNormalization already folded into its producer
    if (call.layer.className === 'InputLayer') {
      values.set(call.key, addInput(b, call.layer, options));
      continue;
    }
    const ctx = contextOf(call, call.inputs.map((r) => values.get(callKey(r.layer, r.call)) as FeatureValue));
    const bn = foldableBatchNorm(call, readers, cutKey);
    if (bn) ctx.fold = { name: bn.layer.name, affine: (output) => batchNormAffine(contextOf(bn, [output]), output) };
    const value = (mappers.get(call.key) as LayerMapper)(ctx);
    values.set(call.key, value);
    if (bn) values.set(bn.key, value);
  }

  const pooled = poolFeatures(b, values.get(cutKey) as FeatureValue, pooling);
  b.output(pooled.name, 'float32', ['batch', pooled.dim]);
  const model = b.buildModel({ source: 'tfjs-layers', cut, pooling });
  // GraphBuilder hands out unique names, so the pooling node got 'features_1'; 'features' was reserved for it.
  const last = model.graph.nodes[model.graph.nodes.length - 1];
  const output = model.graph.outputs[0];
  if (last && output && last.outputs[0] === pooled.name) {
    last.outputs = [OUTPUT_NAME];
    last.name = OUTPUT_NAME;
    output.name = OUTPUT_NAME;
  }
  return model;
}
