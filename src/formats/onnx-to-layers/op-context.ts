import { HeadstartError } from '../../core/index.js';
import type { OnnxNode, OnnxTensor } from '../onnx/index.js';
import type { KerasGraph } from './keras-graph.js';

/**
 * An ONNX value as the Layers model holds it: the layer that outputs it and its ONNX dims without the batch axis.
 * A rank-4 ONNX value is 'nchw' ([C, H, W]; the layer outputs [H, W, C], as tfjs convolutions want) or 'nhwc'
 * ([H, W, C], the graph's image input before its Transpose). `l2NormOf` marks a ReduceL2 that only exists as the
 * divisor of Div(x, ReduceL2(x)), which becomes an L2 normalisation.
 */
export interface LayersValue {
  layer: string;
  shape: number[];
  layout: 'nchw' | 'nhwc';
  l2NormOf?: string;
}

/** The Layers (NHWC) shape of a value, without the batch axis. */
export function kerasShape(v: LayersValue): number[] {
  const [c, h, w] = v.shape as [number, number, number];
  return v.shape.length === 3 && v.layout === 'nchw' ? [h, w, c] : v.shape;
}

/** What an op converter sees: its node, its inputs, the Keras graph being built. */
export interface OpContext {
  node: OnnxNode;
  keras: KerasGraph;
  /** The model file, for messages. */
  where: string;
  /** Version of the default operator set (defaults of Softmax and Clip changed with it). */
  opset: number;
  /** Input `i` as a Layers value; throws when it is a constant or missing. */
  value(i: number): LayersValue;
  /** Input `i` whatever it is: a Layers value, or undefined for a constant or an empty name. */
  rawValue(i: number): LayersValue | undefined;
  /** Input `i` when it is a constant (initialiser or Constant node). */
  constant(i: number): OnnxTensor | undefined;
  /** True when the output of layer `name` may change: this node is its only reader, and it is not the model's input or output. */
  foldable(name: string): boolean;
}

/** Turns one ONNX node into Keras layers; returns the value of the node's first output. */
export type OpConverter = (ctx: OpContext) => LayersValue;

const nodeName = (node: OnnxNode): string => node.name || node.outputs[0] || '?';

/** An HS_MODEL_INVALID error naming the op, the node and the model file. */
export function opError(ctx: OpContext, problem: string): HeadstartError {
  return new HeadstartError('HS_MODEL_INVALID', `${ctx.where}: ${ctx.node.opType} node '${nodeName(ctx.node)}' ${problem}`);
}

/** The layer name for the node's output: its ONNX value name, so sub-models are named by the same values. */
export const outputHint = (ctx: OpContext): string => ctx.node.outputs[0] ?? ctx.node.opType;

interface AttributeValues {
  int: number;
  ints: number[];
  float: number;
  string: string;
}

/** The node's attribute `name` when present, checked to be of `type`. */
function attribute<T extends keyof AttributeValues>(ctx: OpContext, name: string, type: T): AttributeValues[T] | undefined {
  const a = ctx.node.attributes?.[name];
  if (!a) return undefined;
  if (a.type !== type) throw opError(ctx, `has attribute ${name} of type ${a.type}; expected ${type}.`);
  return a.value as AttributeValues[T];
}

export const intAttr = (ctx: OpContext, name: string, fallback: number): number => attribute(ctx, name, 'int') ?? fallback;
export const floatAttr = (ctx: OpContext, name: string, fallback: number): number => attribute(ctx, name, 'float') ?? fallback;
export const intsAttr = (ctx: OpContext, name: string): number[] | undefined => attribute(ctx, name, 'ints');
export const stringAttr = (ctx: OpContext, name: string, fallback: string): string => attribute(ctx, name, 'string') ?? fallback;

/** A constant's values as numbers (int64 shapes and pads, float weights). */
export function constantNumbers(t: OnnxTensor): number[] {
  return Array.from(t.data as ArrayLike<number | bigint>, (v) => Number(v));
}

export function constantFloats(t: OnnxTensor): Float32Array {
  return t.data instanceof Float32Array ? t.data : Float32Array.from(constantNumbers(t));
}

/** Input `i`, which must be a constant (weights, shapes, pads). */
export function requireConstant(ctx: OpContext, i: number, what: string): OnnxTensor {
  const t = ctx.constant(i);
  if (!t) throw opError(ctx, `needs ${what} (input ${i}, '${ctx.node.inputs[i] ?? ''}') to be a constant; it is computed in the graph.`);
  return t;
}

/** An axis of an ONNX value of rank `rank` (with batch), made non-negative. */
export function onnxAxis(ctx: OpContext, axis: number, rank: number): number {
  const a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank) throw opError(ctx, `has axis ${axis}, outside a rank-${rank} value.`);
  return a;
}

/** The Keras axis (with batch at 0) of an ONNX axis (with batch at 0) of `v`. */
export function kerasAxis(ctx: OpContext, v: LayersValue, axis: number): number {
  const a = onnxAxis(ctx, axis, v.shape.length + 1);
  if (a === 0) throw opError(ctx, 'works along the batch axis, which a Layers model cannot.');
  return v.shape.length === 3 && v.layout === 'nchw' ? ([0, 3, 1, 2][a] as number) : a;
}
