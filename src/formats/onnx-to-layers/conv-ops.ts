import { constantNumbers, floatAttr, intAttr, intsAttr, opError, outputHint, requireConstant, stringAttr } from './op-context.js';
import { placeWindow } from '../layers-to-onnx/spatial-shapes.js';
import type { Window, WindowPlacement } from '../layers-to-onnx/spatial-shapes.js';
import type { LayersWeightData } from './keras-graph.js';
import type { LayersValue, OpContext, OpConverter } from './op-context.js';

/** Input 0 as a feature map: an NCHW rank-4 value, held NHWC by the Layers model. */
function featureMap(ctx: OpContext): LayersValue & { shape: [number, number, number] } {
  const x = ctx.value(0);
  if (x.shape.length !== 3 || x.layout !== 'nchw') {
    throw opError(ctx, `needs an NCHW feature map; its input '${ctx.node.inputs[0]}' has dims [batch, ${x.shape.join(', ')}]${x.layout === 'nhwc' ? ' in NHWC order (Transpose it to NCHW first)' : ''}.`);
  }
  return x as LayersValue & { shape: [number, number, number] };
}

/** A window with Keras padding, plus explicit [[top, bottom], [left, right]] pads when neither 'same' nor 'valid' fits. */
interface PaddedWindow extends Window {
  explicit?: [[number, number], [number, number]];
  /** Output height and width. */
  out: [number, number];
}

const pair = (ctx: OpContext, name: string, fallback: [number, number]): [number, number] => {
  const v = intsAttr(ctx, name) ?? fallback;
  if (v.length !== 2) throw opError(ctx, `has ${name} [${v.join(', ')}]; headstart rebuilds 2-D windows only.`);
  return [v[0] as number, v[1] as number];
};

/** The window of a Conv or pooling node over a [H, W] map, its ONNX pads matched to Keras's 'same' or 'valid'. */
function windowOf(ctx: OpContext, size: [number, number], kernelFallback?: [number, number]): PaddedWindow {
  const kernel = pair(ctx, 'kernel_shape', kernelFallback ?? [0, 0]);
  if (kernel[0] === 0) throw opError(ctx, 'has no kernel_shape.');
  const geometry = { kernel, strides: pair(ctx, 'strides', [1, 1]), dilations: pair(ctx, 'dilations', [1, 1]) };
  if (intAttr(ctx, 'ceil_mode', 0) !== 0) throw opError(ctx, 'has ceil_mode 1; Keras pools with floor rounding only.');
  // Both are [top, left, bottom, right].
  const same = (placeWindow(size, { ...geometry, padding: 'same' }) as WindowPlacement).pads;
  const autoPad = stringAttr(ctx, 'auto_pad', 'NOTSET');
  const pads = autoPad === 'SAME_UPPER' ? same : autoPad === 'VALID' ? [0, 0, 0, 0] : autoPad === 'NOTSET' ? (intsAttr(ctx, 'pads') ?? [0, 0, 0, 0]) : undefined;
  if (!pads) throw opError(ctx, `has auto_pad ${autoPad}; headstart rebuilds NOTSET, VALID and SAME_UPPER.`);
  const [top, left, bottom, right] = pads as [number, number, number, number];
  if (pads.length !== 4) throw opError(ctx, `has pads [${pads.join(', ')}]; expected [top, left, bottom, right].`);
  const placed = placeWindow([size[0] + top + bottom, size[1] + left + right], { ...geometry, padding: 'valid' });
  if (!placed) throw opError(ctx, `has a ${kernel.join('x')} window larger than its padded ${size.join('x')} input.`);
  const isValid = pads.every((p) => p === 0);
  const isSame = pads.every((p, i) => p === same[i]);
  return { ...geometry, padding: isSame && !isValid ? 'same' : 'valid', ...(isSame || isValid ? {} : { explicit: [[top, bottom], [left, right]] }), out: placed.output };
}

/** Conv with group 1 (Conv2D) or one group per input channel (DepthwiseConv2D); kernels OIHW become HWIO / HWC1. */
export const mapConv: OpConverter = (ctx) => {
  const x = featureMap(ctx);
  const [channels, height, width] = x.shape;
  const w = requireConstant(ctx, 1, 'the kernel');
  const [filters, perGroup, kh, kw] = w.dims as [number, number, number, number];
  if (w.dims.length !== 4) throw opError(ctx, `has a kernel of dims [${w.dims.join(', ')}]; headstart rebuilds 2-D convolutions only.`);
  const biasTensor = ctx.node.inputs[2] ? requireConstant(ctx, 2, 'the bias') : undefined;
  const group = intAttr(ctx, 'group', 1);
  const win = windowOf(ctx, [height, width], [kh, kw]);
  if (win.dilations.some((d) => d !== 1) && win.strides.some((s) => s !== 1)) throw opError(ctx, 'combines dilation with a stride, which tfjs convolutions do not support.');
  const hint = outputHint(ctx);
  const input = win.explicit ? ctx.keras.add('ZeroPadding2D', `${hint}/pad`, { padding: win.explicit, data_format: 'channels_last' }, [x.layer]) : x.layer;
  const source = w.data as Float32Array;
  const config = {
    kernel_size: win.kernel, strides: win.strides, padding: win.padding, data_format: 'channels_last', dilation_rate: win.dilations,
    activation: 'linear', use_bias: biasTensor !== undefined,
  };
  const bias: Record<string, LayersWeightData> = biasTensor ? { bias: { shape: [filters], data: Float32Array.from(constantNumbers(biasTensor)) } } : {};
  let layer: string;
  if (group === 1 && perGroup === channels) {
    const kernel = new Float32Array(source.length);
    for (let o = 0; o < filters; o++) for (let i = 0; i < channels; i++) for (let y = 0; y < kh; y++) for (let z = 0; z < kw; z++) {
      kernel[((y * kw + z) * channels + i) * filters + o] = source[((o * channels + i) * kh + y) * kw + z] as number;
    }
    layer = ctx.keras.add('Conv2D', hint, { filters, ...config }, [input], { kernel: { shape: [kh, kw, channels, filters], data: kernel }, ...bias });
  } else if (group === channels && perGroup === 1 && filters % channels === 0) {
    // Output channel o = c * multiplier + k reads input channel c, in ONNX and in TF alike.
    const multiplier = filters / channels;
    const kernel = new Float32Array(source.length);
    for (let o = 0; o < filters; o++) for (let y = 0; y < kh; y++) for (let z = 0; z < kw; z++) kernel[(y * kw + z) * filters + o] = source[(o * kh + y) * kw + z] as number;
    layer = ctx.keras.add('DepthwiseConv2D', hint, { depth_multiplier: multiplier, ...config }, [input], {
      depthwise_kernel: { shape: [kh, kw, channels, multiplier], data: kernel }, ...bias,
    });
  } else {
    throw opError(ctx, `has group ${group} over ${channels} channels; headstart rebuilds group 1 (Conv2D) and one group per channel (DepthwiseConv2D).`);
  }
  return { layer, shape: [filters, win.out[0], win.out[1]], layout: 'nchw' };
};

/** Constant zero padding of height and width (ZeroPadding2D). */
export const mapPad: OpConverter = (ctx) => {
  const x = featureMap(ctx);
  if (stringAttr(ctx, 'mode', 'constant') !== 'constant') throw opError(ctx, `has mode '${stringAttr(ctx, 'mode', '')}'; headstart rebuilds constant (zero) padding only.`);
  const pads = ctx.opset >= 11 ? constantNumbers(requireConstant(ctx, 1, 'the pads')) : (intsAttr(ctx, 'pads') ?? []);
  const fill = ctx.opset >= 11 ? (ctx.node.inputs[2] ? constantNumbers(requireConstant(ctx, 2, 'the pad value'))[0] : 0) : floatAttr(ctx, 'value', 0);
  const [n0, c0, t, l, n1, c1, b, r] = pads as [number, number, number, number, number, number, number, number];
  if (pads.length !== 8 || n0 !== 0 || c0 !== 0 || n1 !== 0 || c1 !== 0 || pads.some((p) => p < 0) || fill !== 0) {
    throw opError(ctx, `pads by [${pads.join(', ')}] with ${fill}; headstart rebuilds non-negative zero padding of height and width only.`);
  }
  const layer = ctx.keras.add('ZeroPadding2D', outputHint(ctx), { padding: [[t, b], [l, r]], data_format: 'channels_last' }, [x.layer]);
  return { layer, shape: [x.shape[0], x.shape[1] + t + b, x.shape[2] + l + r], layout: 'nchw' };
};

/** AveragePool and MaxPool with Keras-compatible ('same' or 'valid') padding. */
function pool(className: 'AveragePooling2D' | 'MaxPooling2D'): OpConverter {
  return (ctx) => {
    const x = featureMap(ctx);
    const win = windowOf(ctx, [x.shape[1], x.shape[2]]);
    if (win.dilations.some((d) => d !== 1)) throw opError(ctx, 'has dilations; Keras pooling has none.');
    // Keras averages over the pixels inside the image only ('same'), as ONNX does with count_include_pad 0.
    if (win.explicit || (win.padding === 'same' && intAttr(ctx, 'count_include_pad', 0) !== 0)) {
      throw opError(ctx, `pads by ${JSON.stringify(intsAttr(ctx, 'pads'))}${intAttr(ctx, 'count_include_pad', 0) ? ' counting the pads' : ''}, which no Keras padding ('same' or 'valid') matches.`);
    }
    const layer = ctx.keras.add(className, outputHint(ctx), { pool_size: win.kernel, strides: win.strides, padding: win.padding, data_format: 'channels_last' }, [x.layer]);
    return { layer, shape: [x.shape[0], win.out[0], win.out[1]], layout: 'nchw' };
  };
}

export const mapAveragePool = pool('AveragePooling2D');
export const mapMaxPool = pool('MaxPooling2D');

/** Mean or max over height and width; with keepdims the [C, 1, 1] value is restored by a Reshape. */
function globalPool(ctx: OpContext, kind: 'avg' | 'max', keepdims: boolean): LayersValue {
  const x = featureMap(ctx);
  const channels = x.shape[0];
  const hint = outputHint(ctx);
  const pooled = ctx.keras.add(kind === 'avg' ? 'GlobalAveragePooling2D' : 'GlobalMaxPooling2D', keepdims ? `${hint}/pool` : hint, { data_format: 'channels_last' }, [x.layer]);
  if (!keepdims) return { layer: pooled, shape: [channels], layout: 'nchw' };
  return { layer: ctx.keras.add('Reshape', hint, { target_shape: [1, 1, channels] }, [pooled]), shape: [channels, 1, 1], layout: 'nchw' };
}

export const mapGlobalAveragePool: OpConverter = (ctx) => globalPool(ctx, 'avg', true);
export const mapGlobalMaxPool: OpConverter = (ctx) => globalPool(ctx, 'max', true);

/** The axes of a Reduce* node: an attribute, or (opset 18) a constant second input. */
export function reduceAxes(ctx: OpContext): number[] | undefined {
  return intsAttr(ctx, 'axes') ?? (ctx.node.inputs[1] ? constantNumbers(requireConstant(ctx, 1, 'the axes')) : undefined);
}

/** ReduceMean / ReduceMax over the spatial axes of a feature map (how converters pool features). */
function spatialReduce(kind: 'avg' | 'max'): OpConverter {
  return (ctx) => {
    const axes = (reduceAxes(ctx) ?? []).map((a) => (a < 0 ? a + 4 : a)).sort();
    if (axes.length !== 2 || axes[0] !== 2 || axes[1] !== 3) {
      throw opError(ctx, `reduces axes [${(reduceAxes(ctx) ?? ['all']).join(', ')}]; headstart rebuilds reductions over the height and width (2, 3) of an NCHW feature map only.`);
    }
    return globalPool(ctx, kind, intAttr(ctx, 'keepdims', 1) !== 0);
  };
}

export const mapReduceMean = spatialReduce('avg');
export const mapReduceMax = spatialReduce('max');
