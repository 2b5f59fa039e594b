import * as tf from '@tensorflow/tfjs';
import { withScope } from './kernel-scope.js';

type Shape4 = [number, number, number, number];

/**
 * dx of a depthwise convolution as wasm's forward DepthwiseConv2dNative: dy with stride - 1 zeros between its rows
 * and columns, padded by (effective kernel - 1 - pad), convolved (same dilation, stride 1) with the filter flipped in
 * space. With a channel multiplier M the filter runs over all C * M dy channels and each channel's M results are
 * summed.
 */
function depthwiseConv2dNativeBackpropInput({ inputs, backend, attrs }: Parameters<tf.KernelFunc>[0]): tf.TensorInfo {
  const { dy, filter } = inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
  const { strides, dilations, pad, dimRoundingMode, inputShape } = attrs as unknown as tf.DepthwiseConv2dNativeBackpropInputAttrs;
  const [kh, kw, c, m] = filter.shape as Shape4;
  const info = tf.backend_util.computeConv2DInfo(inputShape, filter.shape as Shape4, strides, dilations, pad, dimRoundingMode, true);
  const { strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw, inHeight: h, inWidth: w } = info;
  const { effectiveFilterHeight: ekh, effectiveFilterWidth: ekw, outHeight: oh, outWidth: ow, batchSize: n } = info;
  return withScope(backend, (s) => {
    const spread = s.dilate(dy, sh, sw);
    const padTop = ekh - 1 - info.padInfo.top;
    const padLeft = ekw - 1 - info.padInfo.left;
    const padded = s.padOrCrop(spread, [padTop, h + ekh - 1 - oh * sh - padTop], [padLeft, w + ekw - 1 - ow * sw - padLeft]);
    const flipped = s.reshape(s.run(tf.Reverse, { x: filter }, { dims: [0, 1] }), [kh, kw, c * m, 1]);
    const dx = s.run(tf.DepthwiseConv2dNative, { x: padded, filter: flipped }, { strides: 1, pad: 'valid', dilations: [dh, dw] });
    if (m === 1) return dx;
    return s.run(tf.Sum, { x: s.reshape(dx, [n, h, w, c, m]) }, { axis: [4], keepDims: false });
  });
}

export const depthwiseConv2dNativeBackpropInputConfig: tf.KernelConfig = {
  kernelName: tf.DepthwiseConv2dNativeBackpropInput,
  backendName: 'wasm',
  kernelFunc: depthwiseConv2dNativeBackpropInput,
};
