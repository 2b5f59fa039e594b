import { attr } from '../onnx/index.js';
import { onnxAxis } from './feature-values.js';
import type { FeatureValue } from './feature-values.js';
import { configNumber, layerError, outputName } from './layer-context.js';
import type { LayerContext, LayerMapper } from './layer-context.js';

/** The inputs of a merge layer: two or more of one rank (all feature maps, or all in Keras layout). */
function mergeInputs(ctx: LayerContext): FeatureValue[] {
  const { inputs } = ctx;
  if (inputs.length < 2) throw layerError(ctx, `merges ${inputs.length} input; it needs at least two.`);
  const rank = inputs[0]?.shape.length;
  if (inputs.some((v) => v.shape.length !== rank)) {
    throw layerError(ctx, `merges inputs of shapes ${inputs.map((v) => `[${v.shape.join(', ')}]`).join(', ')}; headstart merges inputs of one rank.`);
  }
  return inputs;
}

/** Keras's element-wise output shape: equal dims, or 1 broadcast against the other. */
function broadcastShape(ctx: LayerContext, inputs: FeatureValue[]): number[] {
  return (inputs[0] as FeatureValue).shape.map((_, i) => {
    const dims = new Set(inputs.map((v) => v.shape[i] as number));
    dims.delete(1);
    if (dims.size > 1) throw layerError(ctx, `merges inputs of shapes ${inputs.map((v) => `[${v.shape.join(', ')}]`).join(', ')}, which do not broadcast.`);
    return [...dims][0] ?? 1;
  });
}

/** An element-wise merge: one variadic ONNX op (Sum, Max, Min, Mean) or a chain of a binary one (Mul, Sub). */
function elementwise(op: string, { variadic, exactlyTwo = false }: { variadic: boolean; exactlyTwo?: boolean }): LayerMapper {
  return (ctx) => {
    const inputs = mergeInputs(ctx);
    if (exactlyTwo && inputs.length !== 2) throw layerError(ctx, `needs exactly two inputs; it has ${inputs.length}.`);
    const shape = broadcastShape(ctx, inputs);
    const b = ctx.builder;
    if (variadic || inputs.length === 2) return { name: b.node(op, inputs.map((v) => v.name), {}, outputName(ctx)), shape };
    let acc = (inputs[0] as FeatureValue).name;
    inputs.slice(1).forEach((v, i) => {
      acc = b.node(op, [acc, v.name], {}, i === inputs.length - 2 ? outputName(ctx) : `${ctx.layer.name}/partial`);
    });
    return { name: acc, shape };
  };
}

export const mapAdd: LayerMapper = (ctx) => (ctx.inputs.length === 2 ? elementwise('Add', { variadic: false }) : elementwise('Sum', { variadic: true }))(ctx);
export const mapSubtract = elementwise('Sub', { variadic: false, exactlyTwo: true });
export const mapMultiply = elementwise('Mul', { variadic: false });
export const mapAverage = elementwise('Mean', { variadic: true });
export const mapMaximum = elementwise('Max', { variadic: true });
export const mapMinimum = elementwise('Min', { variadic: true });

/** Concatenate along a Keras axis (-1, the channels, is ONNX axis 1 for feature maps). */
export const mapConcatenate: LayerMapper = (ctx) => {
  const inputs = mergeInputs(ctx);
  const first = inputs[0] as FeatureValue;
  const rank = first.shape.length;
  const kerasAxis = configNumber(ctx, 'axis', -1);
  const axis = onnxAxis(kerasAxis, rank);
  if (axis === undefined) throw layerError(ctx, `has axis ${kerasAxis}, outside its rank-${rank + 1} inputs.`);
  const along = (kerasAxis < 0 ? kerasAxis + rank + 1 : kerasAxis) - 1;
  const shape = first.shape.map((d, i) => (i === along ? inputs.reduce((sum, v) => sum + (v.shape[i] as number), 0) : d));
  if (inputs.some((v) => v.shape.some((d, i) => i !== along && d !== first.shape[i]))) {
    throw layerError(ctx, `concatenates inputs of shapes ${inputs.map((v) => `[${v.shape.join(', ')}]`).join(', ')} along axis ${kerasAxis}; the other dimensions must match.`);
  }
  return { name: ctx.builder.node('Concat', inputs.map((v) => v.name), { axis: attr.int(axis) }, outputName(ctx)), shape };
};
