import { constantNumbers, intAttr, intsAttr, kerasAxis, kerasShape, onnxAxis, opError, outputHint, requireConstant } from './op-context.js';
import type { LayersValue, OpContext, OpConverter } from './op-context.js';

/**
 * A value flattened to [batch, features] in ONNX (C, H, W) order. The Layers model holds a feature map as [H, W, C],
 * so a Permute to [C, H, W] comes first, unless H and W are 1 (the usual flatten after global pooling).
 */
function flatten(ctx: OpContext, x: LayersValue): LayersValue {
  if (x.shape.length === 1) return x;
  if (x.shape.length !== 3) throw opError(ctx, `flattens a value of dims [batch, ${x.shape.join(', ')}]; headstart rebuilds flattening of feature maps and vectors only.`);
  const hint = outputHint(ctx);
  const spatial = x.layout === 'nchw' && (x.shape[1] !== 1 || x.shape[2] !== 1);
  const input = spatial ? ctx.keras.add('Permute', `${hint}/nchw`, { dims: [3, 1, 2] }, [x.layer]) : x.layer;
  return { layer: ctx.keras.add('Flatten', hint, {}, [input]), shape: [x.shape.reduce((a, b) => a * b, 1)], layout: 'nchw' };
}

export const mapFlatten: OpConverter = (ctx) => {
  const x = ctx.value(0);
  if (onnxAxis(ctx, intAttr(ctx, 'axis', 1), x.shape.length + 1) !== 1) throw opError(ctx, 'flattens from an axis other than 1; headstart keeps the batch axis apart.');
  return flatten(ctx, x);
};

/** Reshape that keeps the dims, flattens, or turns a vector into a [D, 1, 1] map; the first dim is the batch. */
export const mapReshape: OpConverter = (ctx) => {
  const x = ctx.value(0);
  const target = constantNumbers(requireConstant(ctx, 1, 'the target shape'));
  const size = x.shape.reduce((a, b) => a * b, 1);
  // 0 copies the input dim; the batch dim (first) may be -1, 0 or a fixed batch size.
  const dims = target.slice(1).map((d, i) => (d === 0 ? (x.shape[i] ?? 0) : d));
  const known = dims.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
  const resolved = dims.map((d) => (d === -1 ? size / known : d));
  if (resolved.reduce((a, b) => a * b, 1) !== size || dims.filter((d) => d === -1).length > 1) {
    throw opError(ctx, `reshapes [batch, ${x.shape.join(', ')}] to [${target.join(', ')}]; headstart keeps the first dim as the batch.`);
  }
  if (resolved.join() === x.shape.join()) return x;
  if (resolved.length === 1) return flatten(ctx, x);
  if (x.shape.length === 1 && resolved.length === 3 && resolved[1] === 1 && resolved[2] === 1) {
    return { layer: ctx.keras.add('Reshape', outputHint(ctx), { target_shape: [1, 1, size] }, [x.layer]), shape: resolved, layout: 'nchw' };
  }
  throw opError(ctx, `reshapes [batch, ${x.shape.join(', ')}] to [batch, ${resolved.join(', ')}]; headstart rebuilds reshapes that flatten, keep the dims, or make a vector a [D, 1, 1] map.`);
};

/** Squeeze of unit axes: what remains is the input, or its flattening. */
export const mapSqueeze: OpConverter = (ctx) => {
  const x = ctx.value(0);
  const rank = x.shape.length + 1;
  const raw = intsAttr(ctx, 'axes') ?? (ctx.node.inputs[1] ? constantNumbers(requireConstant(ctx, 1, 'the axes')) : undefined);
  const axes = (raw ?? x.shape.flatMap((d, i) => (d === 1 ? [i + 1] : []))).map((a) => onnxAxis(ctx, a, rank));
  if (axes.some((a) => a === 0 || x.shape[a - 1] !== 1)) throw opError(ctx, `squeezes axes [${axes.join(', ')}] of [batch, ${x.shape.join(', ')}]; headstart squeezes unit axes other than the batch only.`);
  const kept = x.shape.filter((_, i) => !axes.includes(i + 1));
  if (kept.length === x.shape.length) return x;
  if (kept.length === 1) return flatten(ctx, x);
  throw opError(ctx, `squeezes [batch, ${x.shape.join(', ')}] to [batch, ${kept.join(', ')}]; headstart rebuilds squeezes to [batch, features] only.`);
};

/** NHWC <-> NCHW transposes change only how the value is read: the Layers model stays NHWC. */
export const mapTranspose: OpConverter = (ctx) => {
  const x = ctx.value(0);
  const perm = (intsAttr(ctx, 'perm') ?? []).join();
  if (perm === x.shape.map((_, i) => i).concat(x.shape.length).join()) return x;
  if (x.shape.length === 3 && x.layout === 'nhwc' && perm === '0,3,1,2') return { ...x, shape: [x.shape[2] as number, x.shape[0] as number, x.shape[1] as number], layout: 'nchw' };
  if (x.shape.length === 3 && x.layout === 'nchw' && perm === '0,2,3,1') return { ...x, shape: kerasShape(x), layout: 'nhwc' };
  throw opError(ctx, `permutes [batch, ${x.shape.join(', ')}] (${x.layout}) by [${perm}]; headstart rebuilds only the NHWC <-> NCHW transposes of feature maps.`);
};

export const mapConcat: OpConverter = (ctx) => {
  const values = ctx.node.inputs.map((_, i) => ctx.value(i));
  const first = values[0] as LayersValue;
  const axis = onnxAxis(ctx, intAttr(ctx, 'axis', 1), first.shape.length + 1);
  if (values.some((v) => v.shape.length !== first.shape.length || v.layout !== first.layout || v.shape.some((d, i) => i !== axis - 1 && d !== first.shape[i]))) {
    throw opError(ctx, `joins values of dims ${values.map((v) => `[${v.shape.join(', ')}]`).join(', ')} along axis ${axis}, which do not match.`);
  }
  const shape = first.shape.map((d, i) => (i === axis - 1 ? values.reduce((n, v) => n + (v.shape[i] as number), 0) : d));
  const layer = ctx.keras.add('Concatenate', outputHint(ctx), { axis: kerasAxis(ctx, first, axis) }, values.map((v) => v.layer));
  return { layer, shape, layout: first.layout };
};

/** Identity and inference-time Dropout: the same value. */
export const mapIdentity: OpConverter = (ctx) => ctx.value(0);
