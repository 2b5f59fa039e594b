import * as tf from '@tensorflow/tfjs';
import { assertNhwc, withScope } from './kernel-scope.js';

type Shape4 = [number, number, number, number];

/**
 * dx of a 2-D convolution. wasm ships this kernel as plain loops, about 10x slower than its own matmul (measured on
 * MobileNetV2's 1x1 convolutions, batch 16), so it is replaced: a 1x1 stride-1 unpadded convolution is one product
 * dx = dy · W^T; anything else is the transposed convolution as wasm's forward Conv2D (XNNPACK): dy with stride - 1
 * zeros between its rows and columns, padded by kernel - 1 - pad, convolved with the filter flipped in space and with
 * its in and out channels swapped.
 */
function conv2DBackpropInput({ inputs, backend, attrs }: Parameters<tf.KernelFunc>[0]): tf.TensorInfo {
  const { dy, filter } = inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
  const { strides, pad, dataFormat, dimRoundingMode, inputShape } = attrs as unknown as tf.Conv2DBackpropInputAttrs;
  assertNhwc(tf.Conv2DBackpropInput, dataFormat);
  const [kh, kw, inC, outC] = filter.shape as Shape4;
  const info = tf.backend_util.computeConv2DInfo(inputShape, filter.shape as Shape4, strides, 1, pad, dimRoundingMode);
  const { strideHeight: sh, strideWidth: sw, inHeight: h, inWidth: w, outHeight: oh, outWidth: ow } = info;
  const { top, left } = info.padInfo;
  return withScope(backend, (s) => {
    if (kh === 1 && kw === 1 && sh === 1 && sw === 1 && top === 0 && left === 0 && oh === h && ow === w) {
      const wT = s.transpose(s.reshape(filter, [inC, outC]), [1, 0]);
      return s.reshape(s.matMul(s.reshape(dy, [info.batchSize * oh * ow, outC]), wT), inputShape);
    }
    const spread = s.dilate(dy, sh, sw);
    const padTop = kh - 1 - top;
    const padLeft = kw - 1 - left;
    const padded = s.padOrCrop(spread, [padTop, h + kh - 1 - oh * sh - padTop], [padLeft, w + kw - 1 - ow * sw - padLeft]);
    const flipped = s.transpose(s.run(tf.Reverse, { x: filter }, { dims: [0, 1] }), [0, 1, 3, 2]);
    return s.run(tf.Conv2D, { x: padded, filter: flipped }, { strides: 1, pad: 'valid', dilations: 1, dataFormat: 'NHWC' });
  });
}

export const conv2DBackpropInputConfig: tf.KernelConfig = {
  kernelName: tf.Conv2DBackpropInput,
  backendName: 'wasm',
  kernelFunc: conv2DBackpropInput,
};
