import { GraphBuilder, attr, encodeOnnxModel } from '../../src/formats/onnx/index.js';

/** 1x1 convolution, 3 -> 2 channels: conv1[c] = sum_k W1[c][k] * x[k] + B1[c]. */
export const W1 = [0.5, -1, 0.25, -0.5, 1, 0.75];
export const B1 = [0.1, -0.2];

export interface TinyModelOptions {
  /** Layout of the graph's input: 'nhwc' puts a Transpose in front of the same NCHW body. */
  layout: 'nchw' | 'nhwc';
  /** Height and width. */
  size: number;
  /** A fixed batch size instead of the symbolic 'batch'. */
  batch?: number;
}

/**
 * x -> Conv 1x1 (conv1) -> Relu (relu1) -> Conv 3x3 stride 2 (conv2) -> Relu (relu2) -> GlobalAveragePool (gap)
 * -> Flatten (features, a graph output). A side branch reshapes relu1 to [n, 2, h*w] (tokens), a rank-3 value.
 */
export function tinyConvModel({ layout, size, batch }: TinyModelOptions): Uint8Array {
  const b = new GraphBuilder('tiny-conv');
  const n = batch ?? 'batch';
  let x = b.input('x', 'float32', layout === 'nchw' ? [n, 3, size, size] : [n, size, size, 3]);
  if (layout === 'nhwc') x = b.node('Transpose', [x], { perm: attr.ints([0, 3, 1, 2]) }, 'to_nchw');
  const w1 = b.constant('w1', [2, 3, 1, 1], Float32Array.from(W1));
  const b1 = b.constant('b1', [2], Float32Array.from(B1));
  const conv1 = b.node('Conv', [x, w1, b1], { kernel_shape: attr.ints([1, 1]) }, 'conv1');
  const relu1 = b.node('Relu', [conv1], {}, 'relu1');
  const w2 = b.constant('w2', [4, 2, 3, 3], Float32Array.from({ length: 72 }, (_, i) => ((i * 7) % 11) / 10 - 0.5));
  const b2 = b.constant('b2', [4], Float32Array.from([0, 0.1, -0.1, 0.2]));
  const conv2 = b.node('Conv', [relu1, w2, b2], { kernel_shape: attr.ints([3, 3]), strides: attr.ints([2, 2]), pads: attr.ints([1, 1, 1, 1]) }, 'conv2');
  const relu2 = b.node('Relu', [conv2], {}, 'relu2');
  const gap = b.node('GlobalAveragePool', [relu2], {}, 'gap');
  const features = b.node('Flatten', [gap], { axis: attr.int(1) }, 'features');
  b.node('Reshape', [relu1, b.constant('tokens_shape', [3], BigInt64Array.from([0n, 2n, -1n]), 'int64')], {}, 'tokens');
  b.output(features, 'float32', [n, 4]);
  return encodeOnnxModel(b.buildModel());
}

/** Deterministic pixel values in [-1, 1), HWC per image. */
export function testPixels(count: number, size: number): Float32Array {
  return Float32Array.from({ length: count * size * size * 3 }, (_, i) => ((i * 37) % 101) / 50.5 - 1);
}

/** relu1 computed by hand from HWC pixels: [n][c][y*size + x]. */
export function relu1ByHand(pixels: Float32Array, count: number, size: number): number[][][] {
  return Array.from({ length: count }, (_, n) =>
    [0, 1].map((c) =>
      Array.from({ length: size * size }, (_, p) => {
        let v = B1[c] as number;
        for (let k = 0; k < 3; k++) v += (W1[c * 3 + k] as number) * (pixels[(n * size * size + p) * 3 + k] as number);
        return Math.max(0, v);
      }),
    ),
  );
}
