import type { OnnxTensor } from '../onnx/index.js';
import { reduceAxes } from './conv-ops.js';
import { constantFloats, floatAttr, intAttr, kerasAxis, kerasShape, opError, outputHint } from './op-context.js';
import type { LayersValue, OpContext, OpConverter } from './op-context.js';

/** A constant operand as one number, or one number per channel (per feature of a vector). */
type Operand = number | Float32Array;

/** How constant `t` broadcasts against `x`: scalar, or one value per channel ([C, 1, 1] of NCHW, [D] of a vector). */
function operand(ctx: OpContext, x: LayersValue, t: OnnxTensor): Operand {
  const values = constantFloats(t);
  if (values.length === 1) return values[0] as number;
  const dims = [...t.dims];
  while (dims[0] === 1 && dims.length > x.shape.length) dims.shift();
  const channels = x.shape[0] as number;
  const perChannel = x.shape.length === 3 && x.layout === 'nchw' ? dims.length === 3 && dims[0] === channels && dims[1] === 1 && dims[2] === 1 : x.shape.length === 1 && dims.length === 1 && dims[0] === channels;
  if (!perChannel) {
    throw opError(ctx, `broadcasts a constant of dims [${t.dims.join(', ')}] against a value of dims [batch, ${x.shape.join(', ')}]; headstart rebuilds scalar and per-channel constants only.`);
  }
  return values;
}

const map = (o: Operand, f: (v: number) => number): Operand => (typeof o === 'number' ? f(o) : o.map(f));

/** Adds `offset` to the bias of the layer that made `x` (a Conv or Dense without one), when nothing else reads `x`. */
function foldIntoBias(ctx: OpContext, x: LayersValue, offset: Operand): LayersValue | undefined {
  const layer = ctx.keras.layer(x.layer);
  if (!['Conv2D', 'DepthwiseConv2D', 'Dense'].includes(layer.className) || layer.config.use_bias !== false || !ctx.foldable(x.layer)) return undefined;
  const units = x.shape[0] as number;
  layer.config.use_bias = true;
  layer.weights.set('bias', { shape: [units], data: typeof offset === 'number' ? new Float32Array(units).fill(offset) : offset });
  return x;
}

/** y = x * scale + offset: Rescaling for scalars, a 1x1 DepthwiseConv2D for per-channel constants. */
function affine(ctx: OpContext, x: LayersValue, scale: Operand, offset: Operand): LayersValue {
  const hint = outputHint(ctx);
  if (typeof scale === 'number' && typeof offset === 'number') return { ...x, layer: ctx.keras.add('Rescaling', hint, { scale, offset }, [x.layer]) };
  const channels = x.shape[0] as number;
  const perChannel = (o: Operand) => (typeof o === 'number' ? new Float32Array(channels).fill(o) : o);
  const vector = x.shape.length === 1;
  const input = vector ? ctx.keras.add('Reshape', `${hint}/map`, { target_shape: [1, 1, channels] }, [x.layer]) : x.layer;
  const conv = ctx.keras.add(
    'DepthwiseConv2D',
    vector ? `${hint}/affine` : hint,
    { kernel_size: [1, 1], strides: [1, 1], padding: 'valid', data_format: 'channels_last', dilation_rate: [1, 1], depth_multiplier: 1, activation: 'linear', use_bias: true },
    [input],
    { depthwise_kernel: { shape: [1, 1, channels, 1], data: perChannel(scale) }, bias: { shape: [channels], data: perChannel(offset) } },
  );
  return { ...x, layer: vector ? ctx.keras.add('Reshape', hint, { target_shape: [channels] }, [conv]) : conv };
}

/** Two computed values of the same dims, merged by a Keras merge layer. */
function merge(ctx: OpContext, className: 'Add' | 'Subtract' | 'Multiply'): LayersValue {
  const [a, b] = [ctx.value(0), ctx.value(1)];
  if (a.shape.join() !== b.shape.join() || (a.shape.length === 3 && a.layout !== b.layout)) {
    throw opError(ctx, `combines values of dims [${a.shape.join(', ')}] and [${b.shape.join(', ')}]; headstart rebuilds equal dims only (no broadcasting).`);
  }
  return { ...a, layer: ctx.keras.add(className, outputHint(ctx), {}, [a.layer, b.layer]) };
}

/** Add, Sub, Mul and Div: merge layers for two values, affine layers (or a folded bias) for a value and a constant. */
function arithmetic(op: 'Add' | 'Sub' | 'Mul' | 'Div'): OpConverter {
  return (ctx) => {
    const [c0, c1] = [ctx.constant(0), ctx.constant(1)];
    if (!c0 && !c1) {
      if (op === 'Div') {
        const norm = ctx.rawValue(1);
        if (norm?.l2NormOf !== undefined && norm.l2NormOf === ctx.node.inputs[0]) return l2Normalize(ctx, ctx.value(0));
        throw opError(ctx, 'divides two computed values; headstart rebuilds Div by a constant, and Div(x, ReduceL2(x)) (L2 normalisation).');
      }
      return merge(ctx, op === 'Add' ? 'Add' : op === 'Sub' ? 'Subtract' : 'Multiply');
    }
    if (c0 && c1) throw opError(ctx, 'has only constant inputs; fold it before converting.');
    const xIndex = c0 ? 1 : 0;
    const x = ctx.value(xIndex);
    const c = operand(ctx, x, (c0 ?? c1) as OnnxTensor);
    switch (op) {
      case 'Add': return foldIntoBias(ctx, x, c) ?? affine(ctx, x, 1, c);
      case 'Mul': return affine(ctx, x, c, 0);
      case 'Sub': return xIndex === 0 ? (foldIntoBias(ctx, x, map(c, (v) => -v)) ?? affine(ctx, x, 1, map(c, (v) => -v))) : affine(ctx, x, -1, c);
      case 'Div':
        if (xIndex === 1) throw opError(ctx, 'divides a constant by a computed value; headstart rebuilds division by a constant only.');
        return affine(ctx, x, map(c, (v) => 1 / v), 0);
    }
  };
}

export const mapAdd = arithmetic('Add');
export const mapSub = arithmetic('Sub');
export const mapMul = arithmetic('Mul');
export const mapDiv = arithmetic('Div');

/**
 * x / ||x|| over the features of a vector, with standard layers only: [x, -x] has mean 0 and variance ||x||^2 / D,
 * so a LayerNormalization over it gives x * sqrt(D) / ||x||, and a 2 -> 1 Dense picks x and scales by 1 / sqrt(D).
 */
function l2Normalize(ctx: OpContext, x: LayersValue): LayersValue {
  if (x.shape.length !== 1) throw opError(ctx, `L2-normalises a value of dims [batch, ${x.shape.join(', ')}]; headstart rebuilds the L2 normalisation of vectors only.`);
  const dim = x.shape[0] as number;
  const hint = outputHint(ctx);
  const k = ctx.keras;
  const column = k.add('Reshape', `${hint}/column`, { target_shape: [dim, 1] }, [x.layer]);
  const negated = k.add('Rescaling', `${hint}/negated`, { scale: -1, offset: 0 }, [column]);
  const pair = k.add('Concatenate', `${hint}/pair`, { axis: -1 }, [column, negated]);
  const standardized = k.add('LayerNormalization', `${hint}/standardized`, { axis: [1, 2], epsilon: 1e-12, center: false, scale: false }, [pair]);
  const unit = k.add('Dense', `${hint}/unit`, { units: 1, activation: 'linear', use_bias: false }, [standardized], {
    kernel: { shape: [2, 1], data: Float32Array.of(1 / Math.sqrt(dim), 0) },
  });
  return { ...x, layer: k.add('Reshape', hint, { target_shape: [dim] }, [unit]) };
}

/** ReduceL2 over the features of a vector, kept: it only exists as the divisor of Div(x, ReduceL2(x)). */
export const mapReduceL2: OpConverter = (ctx) => {
  const x = ctx.value(0);
  const axes = reduceAxes(ctx) ?? [];
  if (x.shape.length !== 1 || axes.length !== 1 || (axes[0] !== 1 && axes[0] !== -1) || intAttr(ctx, 'keepdims', 1) !== 1) {
    throw opError(ctx, 'is not the L2 norm of a vector with keepdims; headstart rebuilds ReduceL2 only inside Div(x, ReduceL2(x, axes=[1], keepdims=1)).');
  }
  return { layer: x.layer, shape: [1], layout: 'nchw', l2NormOf: ctx.node.inputs[0] };
};

/** Clip(0, max): ReLU with max_value (ReLU6 when max is 6). */
export const mapClip: OpConverter = (ctx) => {
  const x = ctx.value(0);
  const bound = (i: number, name: string, fallback: number): number => {
    if (ctx.opset < 11) return floatAttr(ctx, name, fallback);
    const t = ctx.node.inputs[i] ? ctx.constant(i) : undefined;
    if (ctx.node.inputs[i] && !t) throw opError(ctx, `needs its ${name} bound to be a constant.`);
    return t ? (constantFloats(t)[0] as number) : fallback;
  };
  const [min, max] = [bound(1, 'min', -Infinity), bound(2, 'max', Infinity)];
  if (min !== 0) throw opError(ctx, `clips to [${min}, ${max}]; headstart rebuilds Clip(0, max) (ReLU, ReLU6) only.`);
  return { ...x, layer: ctx.keras.add('ReLU', outputHint(ctx), Number.isFinite(max) ? { max_value: max } : {}, [x.layer]) };
};

/** Ops that are one Keras layer on their input, configured from the node's attributes. */
function oneLayer(className: string, config: (ctx: OpContext) => Record<string, unknown>): OpConverter {
  return (ctx) => {
    const x = ctx.value(0);
    return { ...x, layer: ctx.keras.add(className, outputHint(ctx), config(ctx), [x.layer]) };
  };
}

export const mapRelu = oneLayer('ReLU', () => ({}));
export const mapLeakyRelu = oneLayer('LeakyReLU', (ctx) => ({ alpha: floatAttr(ctx, 'alpha', 0.01) }));
export const mapElu = oneLayer('ELU', (ctx) => ({ alpha: floatAttr(ctx, 'alpha', 1) }));
export const mapSigmoid = oneLayer('Activation', () => ({ activation: 'sigmoid' }));
export const mapTanh = oneLayer('Activation', () => ({ activation: 'tanh' }));
export const mapSoftplus = oneLayer('Activation', () => ({ activation: 'softplus' }));
export const mapSoftsign = oneLayer('Activation', () => ({ activation: 'softsign' }));

/** Softmax over the channels (of a feature map) or the features (of a vector): the last Keras axis. */
export const mapSoftmax: OpConverter = (ctx) => {
  const x = ctx.value(0);
  // Before opset 13, Softmax flattened from `axis` (default 1) on; that is the same only for vectors.
  const axis = intAttr(ctx, 'axis', ctx.opset >= 13 ? -1 : 1);
  if ((ctx.opset < 13 && x.shape.length !== 1) || kerasAxis(ctx, x, axis) !== kerasShape(x).length) {
    throw opError(ctx, `takes the softmax along axis ${axis} of dims [batch, ${x.shape.join(', ')}]; headstart rebuilds it over channels or features only.`);
  }
  return { ...x, layer: ctx.keras.add('Softmax', outputHint(ctx), { axis: -1 }, [x.layer]) };
};
