import { attr } from '../onnx/index.js';
import { fromKerasLayout, int64Constant, toKerasLayout } from './feature-values.js';
import { featureMapInput, layerError, outputName, singleInput } from './layer-context.js';
import type { LayerContext, LayerMapper } from './layer-context.js';

/** Layers that only act in training (Dropout and its kin): Identity at inference. */
export const mapIdentity: LayerMapper = (ctx) => {
  const x = singleInput(ctx);
  return { name: ctx.builder.node('Identity', [x.name], {}, outputName(ctx)), shape: x.shape };
};

/** ZeroPadding2D's `padding`: p, [ph, pw] or [[top, bottom], [left, right]]. */
function zeroPadding(ctx: LayerContext): [[number, number], [number, number]] {
  const p = ctx.layer.config.padding ?? 1;
  const isPair = (v: unknown): v is [number, number] => Array.isArray(v) && v.length === 2 && v.every((n) => typeof n === 'number');
  if (typeof p === 'number') return [[p, p], [p, p]];
  if (isPair(p)) return [[p[0], p[0]], [p[1], p[1]]];
  if (Array.isArray(p) && p.length === 2 && isPair(p[0]) && isPair(p[1])) return [p[0], p[1]];
  throw layerError(ctx, `has padding ${JSON.stringify(p)}; expected p, [ph, pw] or [[top, bottom], [left, right]].`);
}

export const mapZeroPadding2D: LayerMapper = (ctx) => {
  const x = featureMapInput(ctx);
  const [[top, bottom], [left, right]] = zeroPadding(ctx);
  const [h, w, c] = x.shape as [number, number, number];
  const pads = int64Constant(ctx.builder, `${ctx.layer.name}/pads`, [0, 0, top, left, 0, 0, bottom, right]);
  return { name: ctx.builder.node('Pad', [x.name, pads], { mode: attr.string('constant') }, outputName(ctx)), shape: [h + top + bottom, w + left + right, c] };
};

/** Flatten in Keras (NHWC) order: a feature map goes back to channels-last first, so Dense kernels still line up. */
export const mapFlatten: LayerMapper = (ctx) => {
  const x = singleInput(ctx);
  const size = x.shape.reduce((a, d) => a * d, 1);
  if (x.shape.length <= 1) return mapIdentity(ctx);
  const keras = toKerasLayout(ctx.builder, x, ctx.layer.name);
  return { name: ctx.builder.node('Flatten', [keras], { axis: attr.int(1) }, outputName(ctx)), shape: [size] };
};

/** Reshape in Keras layout, with target_shape's -1 resolved from the static input shape. */
export const mapReshape: LayerMapper = (ctx) => {
  const x = singleInput(ctx);
  const raw = ctx.layer.config.target_shape;
  // tfjs writes an inferred dimension as null, Keras as -1.
  const target = Array.isArray(raw) ? raw.map((d) => (d === null ? -1 : d)) : [];
  if (!Array.isArray(raw) || !target.every((d) => typeof d === 'number') || target.filter((d) => d === -1).length > 1) {
    throw layerError(ctx, `has target_shape ${JSON.stringify(raw)}; expected a list of numbers with at most one -1.`);
  }
  const size = x.shape.reduce((a, d) => a * d, 1);
  const known = (target as number[]).reduce((a, d) => (d === -1 ? a : a * d), 1);
  const shape = (target as number[]).map((d) => (d === -1 ? size / known : d));
  if (shape.reduce((a, d) => a * d, 1) !== size || !shape.every((d) => Number.isInteger(d) && d > 0)) {
    throw layerError(ctx, `cannot reshape its [${x.shape.join(', ')}] input to ${JSON.stringify(raw)}.`);
  }
  const b = ctx.builder;
  const reshaped = b.node(
    'Reshape',
    [toKerasLayout(b, x, ctx.layer.name), int64Constant(b, `${ctx.layer.name}/shape`, [-1, ...shape])],
    {},
    shape.length === 3 ? `${ctx.layer.name}/nhwc` : outputName(ctx),
  );
  return fromKerasLayout(b, reshaped, shape, outputName(ctx));
};
