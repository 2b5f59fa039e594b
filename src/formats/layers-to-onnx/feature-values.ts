import { attr } from '../onnx/index.js';
import type { GraphBuilder } from '../onnx/index.js';

/**
 * A value of the ONNX graph being built, with its Keras shape without the batch dimension. Feature maps (Keras
 * [H, W, C]) live in the graph as NCHW, because ONNX's Conv and pooling ops want channels first; every other value
 * (vectors after Flatten or Dense, Reshape results of another rank) keeps its Keras layout.
 */
export interface FeatureValue {
  name: string;
  shape: number[];
}

/** True for a feature map: Keras [H, W, C], held NCHW in the graph. */
export const isFeatureMap = (v: FeatureValue): boolean => v.shape.length === 3;

const TO_CHANNELS_LAST = [0, 2, 3, 1];
const TO_CHANNELS_FIRST = [0, 3, 1, 2];

/** The value in Keras layout (a feature map transposed back to NHWC); other values pass through. */
export function toKerasLayout(b: GraphBuilder, v: FeatureValue, prefix: string): string {
  return isFeatureMap(v) ? b.node('Transpose', [v.name], { perm: attr.ints(TO_CHANNELS_LAST) }, `${prefix}/nhwc`) : v.name;
}

/** Wraps a value computed in Keras layout, transposing a feature map to NCHW. */
export function fromKerasLayout(b: GraphBuilder, name: string, shape: number[], outName: string): FeatureValue {
  if (shape.length !== 3) return { name, shape };
  return { name: b.node('Transpose', [name], { perm: attr.ints(TO_CHANNELS_FIRST) }, outName), shape };
}

/** NHWC -> NCHW, for the model's input. */
export function channelsFirst(b: GraphBuilder, name: string, outName: string): string {
  return b.node('Transpose', [name], { perm: attr.ints(TO_CHANNELS_FIRST) }, outName);
}

/**
 * The ONNX axis of a Keras axis (counted with the batch dimension, negative from the end) of a value with `rank`
 * Keras dimensions after the batch one. Feature-map axes move: H 1 -> 2, W 2 -> 3, C 3 -> 1.
 */
export function onnxAxis(kerasAxis: number, rank: number): number | undefined {
  const axis = kerasAxis < 0 ? kerasAxis + rank + 1 : kerasAxis;
  if (axis < 1 || axis > rank) return undefined;
  return rank === 3 ? ([0, 2, 3, 1][axis] as number) : axis;
}

/** The axis that holds channels (Keras's last axis) in the graph's layout. */
export const channelAxis = (v: FeatureValue): number => (isFeatureMap(v) ? 1 : v.shape.length);

/** Dims of a per-channel constant that broadcasts over a value: [C, 1, 1] for a feature map, [C] otherwise. */
export function perChannelDims(v: FeatureValue, channels: number): number[] {
  return isFeatureMap(v) ? [channels, 1, 1] : [channels];
}

export function int64Constant(b: GraphBuilder, prefix: string, values: number[]): string {
  return b.constant(prefix, [values.length], BigInt64Array.from(values.map((v) => BigInt(v))), 'int64');
}

export function floatScalar(b: GraphBuilder, prefix: string, value: number): string {
  return b.constant(prefix, [], Float32Array.of(value));
}
