import { channelAxis, onnxAxis, perChannelDims } from './feature-values.js';
import type { FeatureValue } from './feature-values.js';
import { configBoolean, configNumber, floatWeight, layerError, outputName, singleInput } from './layer-context.js';
import type { ChannelAffine, LayerContext, LayerMapper } from './layer-context.js';

/** Checks that a BatchNormalization normalises the channel (last) axis, the only one headstart converts. */
function checkChannelAxis(ctx: LayerContext, input: FeatureValue): void {
  const raw = ctx.layer.config.axis ?? -1;
  const axis = Array.isArray(raw) && raw.length === 1 ? raw[0] : raw;
  if (typeof axis !== 'number' || onnxAxis(axis, input.shape.length) !== channelAxis(input)) {
    throw layerError(ctx, `normalises axis ${JSON.stringify(raw)}; headstart converts BatchNormalization over the last (channel) axis only.`);
  }
}

/**
 * An inference-mode BatchNormalization as one per-channel affine map: scale = gamma / sqrt(moving_variance +
 * epsilon), shift = beta - moving_mean * scale (gamma is 1 when `scale` is false, beta 0 when `center` is false).
 */
export function batchNormAffine(ctx: LayerContext, input: FeatureValue): ChannelAffine {
  checkChannelAxis(ctx, input);
  const channels = input.shape[input.shape.length - 1] as number;
  const epsilon = configNumber(ctx, 'epsilon', 1e-3);
  const mean = floatWeight(ctx, 'moving_mean', [channels]);
  const variance = floatWeight(ctx, 'moving_variance', [channels]);
  const gamma = configBoolean(ctx, 'scale', true) ? floatWeight(ctx, 'gamma', [channels]) : undefined;
  const beta = configBoolean(ctx, 'center', true) ? floatWeight(ctx, 'beta', [channels]) : undefined;
  const scale = new Float64Array(channels);
  const shift = new Float64Array(channels);
  for (let c = 0; c < channels; c++) {
    scale[c] = (gamma?.[c] ?? 1) / Math.sqrt((variance[c] as number) + epsilon);
    shift[c] = (beta?.[c] ?? 0) - (mean[c] as number) * (scale[c] as number);
  }
  return { scale, shift };
}

/** A BatchNormalization that could not be folded into the layer before it: Mul and Add by per-channel constants. */
export const mapBatchNormalization: LayerMapper = (ctx) => {
  const b = ctx.builder;
  const x = singleInput(ctx);
  const { scale, shift } = batchNormAffine(ctx, x);
  const dims = perChannelDims(x, scale.length);
  const scaled = b.node('Mul', [x.name, b.constant(`${ctx.layer.name}/scale`, dims, Float32Array.from(scale))], {}, `${ctx.layer.name}/scaled`);
  return { name: b.node('Add', [scaled, b.constant(`${ctx.layer.name}/shift`, dims, Float32Array.from(shift))], {}, outputName(ctx)), shape: x.shape };
};
