import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

/**
 * UnsortedSegmentSum, which wasm lacks and the gradient of Gather (so of every Embedding layer) needs: row r of x is
 * added into output row segmentIds[r]; ids outside 0..numSegments-1 are dropped, as TensorFlow does.
 */
function unsortedSegmentSum(args: Parameters<tf.KernelFunc>[0]): tf.TensorInfo {
  const backend = args.backend as BackendWasm;
  const x = args.inputs.x as tf.TensorInfo;
  const segmentIds = args.inputs.segmentIds as tf.TensorInfo;
  const { numSegments } = args.attrs as unknown as tf.UnsortedSegmentSumAttrs;
  // tfjs's op flattens x to the segment ids' rank, so each id owns one contiguous row of x.
  const rows = segmentIds.shape.reduce((a, b) => a * b, 1);
  const inner = x.shape.slice(segmentIds.shape.length);
  const width = inner.reduce((a, b) => a * b, 1);
  const out = backend.makeOutput([numSegments, ...inner], x.dtype);
  // Views taken after the allocation: growing the wasm heap detaches older ones.
  const src = backend.typedArrayFromHeap(x);
  const ids = backend.typedArrayFromHeap(segmentIds);
  const dst = backend.typedArrayFromHeap(out);
  dst.fill(0);
  for (let r = 0; r < rows; r++) {
    const id = ids[r] as number;
    if (id < 0 || id >= numSegments) continue;
    const s = r * width;
    const d = id * width;
    for (let k = 0; k < width; k++) dst[d + k] = (dst[d + k] as number) + (src[s + k] as number);
  }
  return out;
}

export const unsortedSegmentSumConfig: tf.KernelConfig = {
  kernelName: tf.UnsortedSegmentSum,
  backendName: 'wasm',
  kernelFunc: unsortedSegmentSum,
};
