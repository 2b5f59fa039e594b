import { HeadstartError } from '../../core/index.js';
import type { GraphBuilder } from '../onnx/index.js';
import type { FeatureValue } from './feature-values.js';
import type { LayersLayer } from './layers-topology.js';
import type { LayersWeight } from './layers-weights.js';

/** y = x * scale + shift per channel: an inference-mode BatchNormalization, in float64 until written. */
export interface ChannelAffine {
  scale: Float64Array;
  shift: Float64Array;
}

/** What a layer mapping sees: the layer, its inputs in the graph, its weights. */
export interface LayerContext {
  builder: GraphBuilder;
  layer: LayersLayer;
  inputs: FeatureValue[];
  /** This layer's weights by short name (`kernel`, `bias`, `gamma`, ...). */
  weights: Map<string, LayersWeight>;
  /** The model file, for messages. */
  where: string;
  /**
   * A BatchNormalization that reads only this layer's output, to fold into it (set only for the layer classes that
   * fold). `name` is the BN layer's: the folded output takes it, so the graph can still be cut there. `affine` wants
   * this layer's output (unfolded), from which the BN takes its channel count.
   */
  fold?: { name: string; affine(output: FeatureValue): ChannelAffine };
}

/** Turns one application of a Keras layer into ONNX nodes; returns the layer's output. */
export type LayerMapper = (ctx: LayerContext) => FeatureValue;

/** An HS_MODEL_INVALID error that names the layer, its class and the model file. */
export function layerError(ctx: LayerContext, problem: string): HeadstartError {
  return new HeadstartError('HS_MODEL_INVALID', `${ctx.where}: layer '${ctx.layer.name}' (${ctx.layer.className}) ${problem}`);
}

export function singleInput(ctx: LayerContext): FeatureValue {
  const [input, ...rest] = ctx.inputs;
  if (!input || rest.length > 0) throw layerError(ctx, `takes one input, but is called on ${ctx.inputs.length}.`);
  return input;
}

/** The single input, which must be a feature map (Keras [H, W, C]). */
export function featureMapInput(ctx: LayerContext): FeatureValue {
  const input = singleInput(ctx);
  if (input.shape.length !== 3) throw layerError(ctx, `needs a [height, width, channels] input; it receives [${input.shape.join(', ')}].`);
  const format = ctx.layer.config.data_format;
  if (format !== undefined && format !== null && format !== 'channels_last') {
    throw layerError(ctx, `has data_format '${String(format)}'; headstart converts channels_last models only.`);
  }
  return input;
}

export function configNumber(ctx: LayerContext, key: string, fallback: number): number {
  const v = ctx.layer.config[key];
  if (v === undefined || v === null) return fallback;
  if (typeof v !== 'number') throw layerError(ctx, `has ${key} ${JSON.stringify(v)}; expected a number.`);
  return v;
}

export function configString(ctx: LayerContext, key: string, fallback: string): string {
  const v = ctx.layer.config[key];
  if (v === undefined || v === null) return fallback;
  if (typeof v !== 'string') throw layerError(ctx, `has ${key} ${JSON.stringify(v)}; expected a string.`);
  return v;
}

export function configBoolean(ctx: LayerContext, key: string, fallback: boolean): boolean {
  const v = ctx.layer.config[key];
  return typeof v === 'boolean' ? v : fallback;
}

/** A Keras 2-tuple (kernel_size, strides, ...) given as a number or a list. */
export function configPair(ctx: LayerContext, key: string, fallback?: [number, number]): [number, number] {
  const v = ctx.layer.config[key];
  if ((v === undefined || v === null) && fallback) return fallback;
  if (typeof v === 'number') return [v, v];
  if (Array.isArray(v) && v.length === 2 && v.every((x) => typeof x === 'number')) return [v[0] as number, v[1] as number];
  throw layerError(ctx, `has ${key} ${JSON.stringify(v)}; expected a number or two numbers.`);
}

/** 'same' or 'valid' (Keras's `padding` of convolutions and poolings). */
export function configPadding(ctx: LayerContext): 'same' | 'valid' {
  const padding = configString(ctx, 'padding', 'valid').toLowerCase();
  if (padding !== 'same' && padding !== 'valid') throw layerError(ctx, `has padding '${padding}'; expected 'same' or 'valid'.`);
  return padding;
}

export function requireWeight(ctx: LayerContext, name: string): LayersWeight {
  const weight = ctx.weights.get(name);
  if (!weight) {
    const have = [...ctx.weights.keys()];
    throw layerError(ctx, `needs weight '${ctx.layer.name}/${name}', which the weightsManifest lacks (this layer has: ${have.length > 0 ? have.join(', ') : 'none'}).`);
  }
  return weight;
}

/** A weight as float32 values, checked against the shape the layer needs. */
export function floatWeight(ctx: LayerContext, name: string, shape?: number[]): Float32Array {
  const weight = requireWeight(ctx, name);
  if (shape && (weight.shape.length !== shape.length || weight.shape.some((d, i) => d !== shape[i]))) {
    throw layerError(ctx, `has weight '${weight.name}' of shape [${weight.shape.join(', ')}]; expected [${shape.join(', ')}].`);
  }
  return weight.values instanceof Float32Array ? weight.values : Float32Array.from(weight.values);
}

/** The name of this layer's output: the layer's own name, so the ONNX graph can be cut where the Keras one can. */
export const outputName = (ctx: LayerContext): string => ctx.layer.name;
