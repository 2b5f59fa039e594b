import * as tf from '@tensorflow/tfjs';
import { withScope } from './kernel-scope.js';

type Shape4 = [number, number, number, number];

/**
 * dW of a depthwise convolution: for each filter tap, the tap's input window times dy (elementwise, wasm Multiply),
 * summed over batch and positions as a product with a row of ones (wasm BatchMatMul; wasm's Sum over a leading axis
 * transposes first and is about 10x slower).
 */
function depthwiseConv2dNativeBackpropFilter({ inputs, backend, attrs }: Parameters<tf.KernelFunc>[0]): tf.TensorInfo {
  const { x, dy } = inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
  const { strides, dilations, pad, dimRoundingMode, filterShape } = attrs as unknown as tf.DepthwiseConv2dNativeBackpropFilterAttrs;
  const [, , c, m] = filterShape;
  const info = tf.backend_util.computeConv2DInfo(x.shape as Shape4, filterShape, strides, dilations, pad, dimRoundingMode, true);
  const rows = info.batchSize * info.outHeight * info.outWidth;
  return withScope(backend, (s) => {
    const ones = s.run(tf.Fill, {}, { shape: [1, rows], value: 1, dtype: 'float32' });
    const d = s.reshape(dy, m === 1 ? [rows, c] : [rows, c, m]);
    const perTap = s.tapWindows(x, info).map((window) => {
      const product = s.run(tf.Multiply, { a: s.reshape(window, m === 1 ? [rows, c] : [rows, c, 1]), b: d });
      return s.matMul(ones, s.reshape(product, [rows, c * m])); // [1, c * m]
    });
    return s.reshape(s.concat(perTap, 0), filterShape);
  });
}

export const depthwiseConv2dNativeBackpropFilterConfig: tf.KernelConfig = {
  kernelName: tf.DepthwiseConv2dNativeBackpropFilter,
  backendName: 'wasm',
  kernelFunc: depthwiseConv2dNativeBackpropFilter,
};
