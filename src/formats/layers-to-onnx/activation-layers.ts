import { attr } from '../onnx/index.js';
import { channelAxis, floatScalar, isFeatureMap, onnxAxis } from './feature-values.js';
import type { FeatureValue } from './feature-values.js';
import { configNumber, floatWeight, layerError, outputName, singleInput } from './layer-context.js';
import type { LayerContext, LayerMapper } from './layer-context.js';

/** Keras activation names headstart converts (as tfjs-layers spells them; Keras 3's 'silu' is 'swish'). */
export const ACTIVATIONS = [
  'linear', 'relu', 'relu6', 'sigmoid', 'hard_sigmoid', 'tanh', 'softmax', 'log_softmax', 'elu', 'selu', 'softplus',
  'softsign', 'swish', 'silu', 'mish', 'gelu', 'gelu_new',
] as const;

/** 'hard_sigmoid', 'hardSigmoid' and 'hardsigmoid' are one activation; so are 'gelu_new' and tfjs's 'geluNew'. */
const canonical = (id: string): string => id.replace(/_/g, '').toLowerCase();

function activationName(ctx: LayerContext, key: string): string {
  const v = ctx.layer.config[key];
  if (v === undefined || v === null) return 'linear';
  if (typeof v === 'string') return v;
  // Keras 3 may serialise a built-in activation as { class_name: 'function', config: 'relu' }.
  if (typeof v === 'object' && typeof (v as { config?: unknown }).config === 'string') return (v as { config: string }).config;
  throw layerError(ctx, `has activation ${JSON.stringify(v)}; expected one of ${ACTIVATIONS.join(', ')}.`);
}

/** The activation named in the layer's config (`activation` by default), 'linear' when absent. */
export function configActivation(ctx: LayerContext, key = 'activation'): string {
  const name = activationName(ctx, key);
  if (!ACTIVATIONS.some((a) => canonical(a) === canonical(name))) {
    throw layerError(ctx, `uses activation '${name}', which headstart cannot convert. Supported activations: ${ACTIVATIONS.join(', ')}.`);
  }
  return name;
}

export const isLinear = (activation: string): boolean => canonical(activation) === 'linear';

/**
 * Applies a Keras activation to `x` as tfjs-layers computes it; the result is named after the layer. 'linear'
 * returns `x` itself, so callers name the node before it after the layer when the activation is linear.
 */
export function applyActivation(ctx: LayerContext, x: FeatureValue, activation: string): FeatureValue {
  const b = ctx.builder;
  const out = outputName(ctx);
  const prefix = ctx.layer.name;
  const node = (op: string, inputs: string[], attributes = {}) => ({ name: b.node(op, inputs, attributes, out), shape: x.shape });
  const inner = (op: string, inputs: string[], attributes = {}) => b.node(op, inputs, attributes, `${prefix}/${op.toLowerCase()}`);
  const scalar = (value: number) => floatScalar(b, `${prefix}/const`, value);
  switch (canonical(activation)) {
    case 'linear': return x;
    case 'relu': return node('Relu', [x.name]);
    case 'relu6': return node('Clip', [x.name, scalar(0), scalar(6)]);
    case 'sigmoid': return node('Sigmoid', [x.name]);
    case 'hardsigmoid': return node('HardSigmoid', [x.name], { alpha: attr.float(0.2), beta: attr.float(0.5) }); // tfjs: clip(0.2x + 0.5, 0, 1)
    case 'tanh': return node('Tanh', [x.name]);
    case 'softmax': return node('Softmax', [x.name], { axis: attr.int(channelAxis(x)) });
    case 'logsoftmax': return node('LogSoftmax', [x.name], { axis: attr.int(channelAxis(x)) });
    case 'elu': return node('Elu', [x.name], { alpha: attr.float(1) });
    case 'selu': return node('Selu', [x.name]); // ONNX's default alpha and gamma are SELU's constants
    case 'softplus': return node('Softplus', [x.name]);
    case 'softsign': return node('Softsign', [x.name]);
    case 'swish':
    case 'silu': return node('Mul', [x.name, inner('Sigmoid', [x.name])]);
    case 'mish': return node('Mul', [x.name, inner('Tanh', [inner('Softplus', [x.name])])]);
    case 'gelu': {
      // x * 0.5 * (1 + erf(x / sqrt(2)))
      const erf = inner('Erf', [inner('Div', [x.name, scalar(Math.SQRT2)])]);
      return node('Mul', [inner('Mul', [x.name, scalar(0.5)]), inner('Add', [erf, scalar(1)])]);
    }
    case 'gelunew': {
      // 0.5 * x * (1 + tanh(sqrt(2 / pi) * (x + 0.044715 * x^3)))
      const cube = inner('Mul', [inner('Mul', [x.name, x.name]), x.name]);
      const inside = inner('Mul', [inner('Add', [x.name, inner('Mul', [cube, scalar(0.044715)])]), scalar(Math.sqrt(2 / Math.PI))]);
      return node('Mul', [inner('Mul', [x.name, scalar(0.5)]), inner('Add', [inner('Tanh', [inside]), scalar(1)])]);
    }
    default: throw layerError(ctx, `uses activation '${activation}', which headstart cannot convert. Supported activations: ${ACTIVATIONS.join(', ')}.`);
  }
}

export const mapActivation: LayerMapper = (ctx) => {
  const x = singleInput(ctx);
  const activation = configActivation(ctx);
  return isLinear(activation) ? { name: ctx.builder.node('Identity', [x.name], {}, outputName(ctx)), shape: x.shape } : applyActivation(ctx, x, activation);
};

/**
 * Keras ReLU: max_value if x >= max_value, x if threshold <= x < max_value, negative_slope * (x - threshold)
 * otherwise. (tfjs-layers reads only max_value; the other two are 0 in every model it saves.)
 */
export const mapReLU: LayerMapper = (ctx) => {
  const b = ctx.builder;
  const x = singleInput(ctx);
  const maxValue = ctx.layer.config.max_value ?? ctx.layer.config.maxValue;
  if (maxValue !== undefined && maxValue !== null && typeof maxValue !== 'number') throw layerError(ctx, `has max_value ${JSON.stringify(maxValue)}; expected a number.`);
  const slope = configNumber(ctx, 'negative_slope', 0);
  const threshold = configNumber(ctx, 'threshold', 0);
  const out = outputName(ctx);
  const scalar = (value: number) => floatScalar(b, `${ctx.layer.name}/const`, value);
  if (slope === 0 && threshold === 0) {
    const name = typeof maxValue === 'number' ? b.node('Clip', [x.name, scalar(0), scalar(maxValue)], {}, out) : b.node('Relu', [x.name], {}, out);
    return { name, shape: x.shape };
  }
  const t = scalar(threshold);
  const below = b.node('Mul', [b.node('Sub', [x.name, t], {}, `${ctx.layer.name}/shifted`), scalar(slope)], {}, `${ctx.layer.name}/below`);
  const above = b.node('GreaterOrEqual', [x.name, t], {}, `${ctx.layer.name}/above`);
  if (typeof maxValue !== 'number') return { name: b.node('Where', [above, x.name, below], {}, out), shape: x.shape };
  const unclipped = b.node('Where', [above, x.name, below], {}, `${ctx.layer.name}/unclipped`);
  return { name: b.node('Min', [unclipped, scalar(maxValue)], {}, out), shape: x.shape };
};

export const mapLeakyReLU: LayerMapper = (ctx) => {
  const x = singleInput(ctx);
  // tfjs and Keras 2 call the slope `alpha`; Keras 3 calls it `negative_slope`.
  const alpha = configNumber(ctx, 'alpha', configNumber(ctx, 'negative_slope', 0.3));
  return { name: ctx.builder.node('LeakyRelu', [x.name], { alpha: attr.float(alpha) }, outputName(ctx)), shape: x.shape };
};

export const mapELU: LayerMapper = (ctx) => {
  const x = singleInput(ctx);
  return { name: ctx.builder.node('Elu', [x.name], { alpha: attr.float(configNumber(ctx, 'alpha', 1)) }, outputName(ctx)), shape: x.shape };
};

export const mapThresholdedReLU: LayerMapper = (ctx) => {
  const x = singleInput(ctx);
  return { name: ctx.builder.node('ThresholdedRelu', [x.name], { alpha: attr.float(configNumber(ctx, 'theta', 1)) }, outputName(ctx)), shape: x.shape };
};

export const mapSoftmax: LayerMapper = (ctx) => {
  const x = singleInput(ctx);
  const raw = ctx.layer.config.axis;
  const kerasAxis = Array.isArray(raw) && raw.length === 1 ? raw[0] : (raw ?? -1);
  const axis = typeof kerasAxis === 'number' ? onnxAxis(kerasAxis, x.shape.length) : undefined;
  if (axis === undefined) throw layerError(ctx, `has axis ${JSON.stringify(raw)}; expected one axis of its [${x.shape.join(', ')}] input.`);
  return { name: ctx.builder.node('Softmax', [x.name], { axis: attr.int(axis) }, outputName(ctx)), shape: x.shape };
};

/** PReLU's alpha has the input's shape, with 1 on shared axes; a feature map's is moved to [C, H, W]. */
export const mapPReLU: LayerMapper = (ctx) => {
  const x = singleInput(ctx);
  const weight = ctx.weights.get('alpha');
  const alpha = floatWeight(ctx, 'alpha');
  const shape = weight?.shape ?? [];
  let dims = shape;
  let values = alpha;
  if (isFeatureMap(x) && shape.length === 3) {
    const [h, w, c] = shape as [number, number, number];
    values = new Float32Array(alpha.length);
    for (let i = 0; i < h; i++) for (let j = 0; j < w; j++) for (let k = 0; k < c; k++) values[(k * h + i) * w + j] = alpha[(i * w + j) * c + k] as number;
    dims = [c, h, w];
  }
  const slope = ctx.builder.constant(`${ctx.layer.name}/alpha`, dims, values);
  return { name: ctx.builder.node('PRelu', [x.name, slope], {}, outputName(ctx)), shape: x.shape };
};
