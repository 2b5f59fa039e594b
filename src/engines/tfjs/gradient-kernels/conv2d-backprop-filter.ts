import * as tf from '@tensorflow/tfjs';
import { assertNhwc, withScope } from './kernel-scope.js';

type Shape4 = [number, number, number, number];

/**
 * dW of a 2-D convolution as matrix products on wasm's BatchMatMul: with the input windows of the kernel taps as
 * patch matrices P_t [rows, inC] (rows = batch * outH * outW) and dy as D [rows, outC], dW_t = P_t^T · D. A 1x1
 * convolution is one product. The operand transposed is whichever is smaller: the patches, or dy once for all taps
 * (then dW^T comes out and its small transpose is taken at the end).
 */
function conv2DBackpropFilter({ inputs, backend, attrs }: Parameters<tf.KernelFunc>[0]): tf.TensorInfo {
  const { x, dy } = inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs as unknown as tf.Conv2DBackpropFilterAttrs;
  assertNhwc(tf.Conv2DBackpropFilter, dataFormat);
  const info = tf.backend_util.computeConv2DInfo(x.shape as Shape4, filterShape, strides, 1, pad, dimRoundingMode);
  const [kh, kw, inC, outC] = filterShape;
  const taps = kh * kw;
  const rows = info.batchSize * info.outHeight * info.outWidth;
  return withScope(backend, (s) => {
    const windows = s.tapWindows(x, info).map((w) => s.reshape(w, [rows, inC]));
    const d = s.reshape(dy, [rows, outC]);
    if (outC <= taps * inC) {
      const dT = s.transpose(d, [1, 0]);
      const parts = windows.map((w) => s.matMul(dT, w)); // each [outC, inC]
      const dWT = s.concat(parts, 1); // [outC, taps * inC]
      return s.reshape(s.transpose(dWT, [1, 0]), filterShape);
    }
    const parts = windows.map((w) => s.matMul(s.transpose(w, [1, 0]), d)); // each [inC, outC]
    const dW = s.concat(parts, 0);
    return s.reshape(dW, filterShape);
  });
}

export const conv2DBackpropFilterConfig: tf.KernelConfig = {
  kernelName: tf.Conv2DBackpropFilter,
  backendName: 'wasm',
  kernelFunc: conv2DBackpropFilter,
};
