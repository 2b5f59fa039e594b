import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

/** wasm's own Tile, kept for string tensors, which do not live on the wasm heap. */
let stringTile: tf.KernelFunc | undefined;

/**
 * Tile as block copies on the wasm heap. wasm's Tile computes a source index per output element and takes ~35 ms to
 * broadcast one [1, 1, 1, 960] row over a 16x7x7 grid; tfjs's batch-norm gradient tiles like that for every
 * batch-norm layer, which made Tile a third of a MobileNetV2 training step. Here each innermost row is copied once
 * and every repetition is a memmove (copyWithin) of the block already written.
 */
function tile(args: Parameters<tf.KernelFunc>[0]): tf.TensorInfo {
  const { inputs, attrs } = args;
  const backend = args.backend as BackendWasm;
  const x = inputs.x as tf.TensorInfo;
  const reps = (attrs as unknown as tf.TileAttrs).reps;
  if (x.dtype === 'string') return stringTile!(args) as tf.TensorInfo;
  const shape = x.shape;
  const rank = shape.length;
  const outShape = shape.map((s, i) => s * (reps[i] ?? 1));
  const out = backend.makeOutput(outShape, x.dtype);
  if (outShape.some((s) => s === 0)) return out;
  const src = backend.typedArrayFromHeap(x);
  const dst = backend.typedArrayFromHeap(out);
  if (rank === 0) {
    dst.set(src);
    return out;
  }
  // inSize[d] / outSize[d]: elements in one step of dimension d - 1, i.e. the product of dims d.. of x / of out.
  const inSize = new Array<number>(rank + 1).fill(1);
  const outSize = new Array<number>(rank + 1).fill(1);
  for (let d = rank - 1; d >= 0; d--) {
    inSize[d] = inSize[d + 1]! * shape[d]!;
    outSize[d] = outSize[d + 1]! * outShape[d]!;
  }
  // Writes x's block at dimension d (source offset s) into out at offset o, then repeats it reps[d] times.
  const write = (d: number, s: number, o: number): void => {
    const block = shape[d]! * outSize[d + 1]!;
    if (d === rank - 1) dst.set(src.subarray(s, s + shape[d]!), o);
    else for (let k = 0; k < shape[d]!; k++) write(d + 1, s + k * inSize[d + 1]!, o + k * outSize[d + 1]!);
    for (let r = 1; r < reps[d]!; r++) dst.copyWithin(o + r * block, o, o + block);
  };
  write(0, 0, 0);
  return out;
}

export const tileConfig: tf.KernelConfig = {
  kernelName: tf.Tile,
  backendName: 'wasm',
  kernelFunc: tile,
};

/** Remembers wasm's own Tile before tileConfig replaces it. */
export function keepWasmStringTile(current: tf.KernelConfig | undefined): void {
  if (current !== undefined && current.kernelFunc !== tile) stringTile = current.kernelFunc;
}
