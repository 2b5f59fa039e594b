import * as tf from '@tensorflow/tfjs';
import { conv2DBackpropFilterConfig } from './conv2d-backprop-filter.js';
import { conv2DBackpropInputConfig } from './conv2d-backprop-input.js';
import { depthwiseConv2dNativeBackpropFilterConfig } from './depthwise-backprop-filter.js';
import { depthwiseConv2dNativeBackpropInputConfig } from './depthwise-backprop-input.js';
import { keepWasmStringTile, tileConfig } from './tile.js';
import { unsortedSegmentSumConfig } from './unsorted-segment-sum.js';

/**
 * The kernels registered for 'wasm': the four it lacks (UnsortedSegmentSum is Gather's gradient, so every Embedding
 * layer's), and two it has but runs too slowly for training (Conv2DBackpropInput as plain loops, Tile as per-element
 * index arithmetic).
 */
export const WASM_GRADIENT_KERNELS: readonly tf.KernelConfig[] = [
  conv2DBackpropFilterConfig,
  conv2DBackpropInputConfig,
  depthwiseConv2dNativeBackpropFilterConfig,
  depthwiseConv2dNativeBackpropInputConfig,
  tileConfig,
  unsortedSegmentSumConfig,
];

/**
 * Registers the convolution and embedding gradient kernels that training needs on tfjs's wasm backend, built from the fast kernels
 * wasm has (BatchMatMul, Conv2D, DepthwiseConv2dNative, Transpose, PadV2, Multiply) and copies on the wasm heap. Idempotent.
 */
export function registerWasmGradientKernels(): void {
  for (const config of WASM_GRADIENT_KERNELS) {
    const current = tf.getKernel(config.kernelName, 'wasm') as tf.KernelConfig | undefined;
    if (current?.kernelFunc === config.kernelFunc) continue;
    if (config === tileConfig) keepWasmStringTile(current);
    if (current !== undefined) tf.unregisterKernel(config.kernelName, 'wasm');
    tf.registerKernel(config);
  }
}
