import { attr } from '../onnx/index.js';
import { applyActivation, configActivation, isLinear } from './activation-layers.js';
import type { FeatureValue } from './feature-values.js';
import { configBoolean, configNumber, configPadding, configPair, featureMapInput, floatWeight, layerError, outputName } from './layer-context.js';
import type { LayerContext, LayerMapper } from './layer-context.js';
import { placeWindow } from './spatial-shapes.js';
import type { Window } from './spatial-shapes.js';

/** An ONNX Conv: weights [out, in / group, kh, kw], optional bias [out]. */
interface ConvSpec {
  weights: Float32Array;
  dims: [number, number, number, number];
  bias?: Float32Array;
  group: number;
  window: Window;
}

/** Keras kernel [kh, kw, a, b] -> ONNX [b, a, kh, kw]. A Conv2D kernel is [kh, kw, in, out]. */
function kernelToOnnx(k: Float32Array, [kh, kw, a, b]: [number, number, number, number]): Float32Array {
  const out = new Float32Array(k.length);
  for (let i = 0; i < kh; i++) {
    for (let j = 0; j < kw; j++) {
      for (let p = 0; p < a; p++) {
        for (let q = 0; q < b; q++) out[((q * a + p) * kh + i) * kw + j] = k[((i * kw + j) * a + p) * b + q] as number;
      }
    }
  }
  return out;
}

/**
 * Depthwise kernel [kh, kw, in, mult] -> ONNX [in * mult, 1, kh, kw] for a Conv with group = in: TF puts output
 * channel c * mult + m in group c, which is ONNX's order too.
 */
function depthwiseToOnnx(k: Float32Array, [kh, kw, cin, mult]: [number, number, number, number]): Float32Array {
  const out = new Float32Array(k.length);
  for (let i = 0; i < kh; i++) {
    for (let j = 0; j < kw; j++) {
      for (let c = 0; c < cin; c++) {
        for (let m = 0; m < mult; m++) out[((c * mult + m) * kh + i) * kw + j] = k[((i * kw + j) * cin + c) * mult + m] as number;
      }
    }
  }
  return out;
}

function windowOf(ctx: LayerContext, kernel: [number, number]): Window {
  return { kernel, strides: configPair(ctx, 'strides', [1, 1]), dilations: configPair(ctx, 'dilation_rate', [1, 1]), padding: configPadding(ctx) };
}

/**
 * Emits the Conv (with a folded BatchNormalization, if the converter granted one) and the layer's activation. A
 * `stage` names an inner Conv of the layer (a separable conv's depthwise half): it gets neither fold nor activation.
 */
function convolve(ctx: LayerContext, x: FeatureValue, conv: ConvSpec, activation: string, stage?: string): FeatureValue {
  const b = ctx.builder;
  const [h, w] = x.shape as [number, number, number];
  const placement = placeWindow([h, w], conv.window);
  if (!placement) {
    const { kernel, strides } = conv.window;
    throw layerError(ctx, `has a ${kernel[0]}x${kernel[1]} kernel with strides ${strides.join('x')} that does not fit its ${h}x${w} input.`);
  }
  const [out] = conv.dims;
  const shape = [...placement.output, out];
  let { weights, bias } = conv;
  let name = stage ? `${ctx.layer.name}/${stage}` : isLinear(activation) ? outputName(ctx) : `${ctx.layer.name}/conv`;
  if (ctx.fold && !stage) {
    const { scale, shift } = ctx.fold.affine({ name, shape });
    const perOutput = weights.length / out;
    weights = weights.map((v, i) => v * (scale[Math.floor(i / perOutput)] as number));
    bias = Float32Array.from(scale, (s, o) => (bias?.[o] ?? 0) * s + (shift[o] as number));
    name = ctx.fold.name;
  }
  const inputs = [x.name, b.constant(`${ctx.layer.name}/${stage ?? 'kernel'}`, conv.dims, weights)];
  if (bias) inputs.push(b.constant(`${ctx.layer.name}/bias`, [out], bias));
  const conved = b.node('Conv', inputs, {
    kernel_shape: attr.ints(conv.window.kernel),
    strides: attr.ints(conv.window.strides),
    dilations: attr.ints(conv.window.dilations),
    pads: attr.ints(placement.pads),
    group: attr.int(conv.group),
  }, name);
  return stage ? { name: conved, shape } : applyActivation(ctx, { name: conved, shape }, activation);
}

export const mapConv2D: LayerMapper = (ctx) => {
  const x = featureMapInput(ctx);
  const cin = x.shape[2] as number;
  const [kh, kw] = configPair(ctx, 'kernel_size');
  const groups = configNumber(ctx, 'groups', 1);
  if (!Number.isInteger(cin / groups)) throw layerError(ctx, `has groups ${groups}, which does not divide its ${cin} input channels.`);
  const filters = configNumber(ctx, 'filters', ctx.weights.get('kernel')?.shape[3] ?? 0);
  const kernel = floatWeight(ctx, 'kernel', [kh, kw, cin / groups, filters]);
  const bias = configBoolean(ctx, 'use_bias', true) ? floatWeight(ctx, 'bias', [filters]) : undefined;
  const dims: [number, number, number, number] = [filters, cin / groups, kh, kw];
  const weights = kernelToOnnx(kernel, [kh, kw, cin / groups, filters]);
  return convolve(ctx, x, { weights, dims, group: groups, window: windowOf(ctx, [kh, kw]), ...(bias ? { bias } : {}) }, configActivation(ctx));
};

export const mapDepthwiseConv2D: LayerMapper = (ctx) => {
  const x = featureMapInput(ctx);
  const cin = x.shape[2] as number;
  const [kh, kw] = configPair(ctx, 'kernel_size');
  const mult = configNumber(ctx, 'depth_multiplier', 1);
  const kernel = floatWeight(ctx, 'depthwise_kernel', [kh, kw, cin, mult]);
  const bias = configBoolean(ctx, 'use_bias', true) ? floatWeight(ctx, 'bias', [cin * mult]) : undefined;
  const weights = depthwiseToOnnx(kernel, [kh, kw, cin, mult]);
  return convolve(ctx, x, { weights, dims: [cin * mult, 1, kh, kw], group: cin, window: windowOf(ctx, [kh, kw]), ...(bias ? { bias } : {}) }, configActivation(ctx));
};

/** A depthwise Conv (strides, padding, dilation) then a 1x1 pointwise Conv with the bias and activation. */
export const mapSeparableConv2D: LayerMapper = (ctx) => {
  const x = featureMapInput(ctx);
  const cin = x.shape[2] as number;
  const [kh, kw] = configPair(ctx, 'kernel_size');
  const mult = configNumber(ctx, 'depth_multiplier', 1);
  const filters = configNumber(ctx, 'filters', ctx.weights.get('pointwise_kernel')?.shape[3] ?? 0);
  const depthwise = floatWeight(ctx, 'depthwise_kernel', [kh, kw, cin, mult]);
  const pointwise = floatWeight(ctx, 'pointwise_kernel', [1, 1, cin * mult, filters]);
  const bias = configBoolean(ctx, 'use_bias', true) ? floatWeight(ctx, 'bias', [filters]) : undefined;
  const spread = convolve(
    ctx, x, { weights: depthwiseToOnnx(depthwise, [kh, kw, cin, mult]), dims: [cin * mult, 1, kh, kw], group: cin, window: windowOf(ctx, [kh, kw]) }, 'linear', 'depthwise',
  );
  const pointwiseWindow: Window = { kernel: [1, 1], strides: [1, 1], dilations: [1, 1], padding: 'valid' };
  const weights = kernelToOnnx(pointwise, [1, 1, cin * mult, filters]);
  return convolve(ctx, spread, { weights, dims: [filters, cin * mult, 1, 1], group: 1, window: pointwiseWindow, ...(bias ? { bias } : {}) }, configActivation(ctx));
};
