import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

type Shape4 = [number, number, number, number];

/**
 * Runs wasm kernels on TensorInfos from inside another kernel, as tfjs-backend-wasm's own kernels compose each other,
 * and frees every intermediate it made when the outer kernel is done. Kernels are looked up by name, so the scope
 * always calls what is registered for 'wasm' (including the replacements in this folder).
 */
export class KernelScope {
  private readonly made: tf.TensorInfo[] = [];

  constructor(private readonly backend: BackendWasm) {}

  run(kernelName: string, inputs: tf.NamedTensorInfoMap, attrs: object = {}): tf.TensorInfo {
    const { kernelFunc } = tf.getKernel(kernelName, 'wasm');
    const out = kernelFunc({ inputs, backend: this.backend, attrs: attrs as tf.NamedAttrMap });
    if (Array.isArray(out)) throw new Error(`Kernel ${kernelName} returned several tensors; KernelScope expects one.`);
    this.made.push(out);
    return out;
  }

  /** Hands a result to the caller: the scope will not free it. */
  keep(t: tf.TensorInfo): tf.TensorInfo {
    const i = this.made.lastIndexOf(t);
    if (i >= 0) this.made.splice(i, 1);
    else this.backend.incRef(t.dataId); // an input passed straight through: the caller gets its own reference
    return t;
  }

  dispose(): void {
    for (const t of this.made) this.backend.disposeData(t.dataId);
    this.made.length = 0;
  }

  reshape(x: tf.TensorInfo, shape: number[]): tf.TensorInfo {
    return this.run(tf.Reshape, { x }, { shape });
  }

  transpose(x: tf.TensorInfo, perm: number[]): tf.TensorInfo {
    return this.run(tf.Transpose, { x }, { perm });
  }

  /** a · b for 2-D a [m, k] and b [k, n], with both operands laid out as stated (wasm's transposed matmul is slow). */
  matMul(a: tf.TensorInfo, b: tf.TensorInfo): tf.TensorInfo {
    const [m, k] = a.shape as [number, number];
    const n = b.shape[1] as number;
    const out = this.run(tf.BatchMatMul, { a: this.reshape(a, [1, m, k]), b: this.reshape(b, [1, k, n]) }, { transposeA: false, transposeB: false });
    return this.reshape(out, [m, n]);
  }

  concat(parts: tf.TensorInfo[], axis: number): tf.TensorInfo {
    if (parts.length === 1) return parts[0]!;
    return this.run(tf.Concat, parts as unknown as tf.NamedTensorInfoMap, { axis });
  }

  slice(x: tf.TensorInfo, begin: number[], size: number[]): tf.TensorInfo {
    if (begin.every((b) => b === 0) && size.every((s, i) => s === x.shape[i])) return x;
    return this.run(tf.Slice, { x }, { begin, size });
  }

  /** Pads (positive amounts) or crops (negative amounts) the rows and columns of an NHWC tensor. */
  padOrCrop(x: tf.TensorInfo, [top, bottom]: [number, number], [left, right]: [number, number]): tf.TensorInfo {
    const [n, h, w, c] = x.shape as Shape4;
    const cropTop = Math.max(0, -top);
    const cropLeft = Math.max(0, -left);
    const cropped = this.slice(x, [0, cropTop, cropLeft, 0], [n, h - cropTop - Math.max(0, -bottom), w - cropLeft - Math.max(0, -right), c]);
    const pads: [number, number][] = [[0, 0], [Math.max(0, top), Math.max(0, bottom)], [Math.max(0, left), Math.max(0, right)], [0, 0]];
    if (pads.every(([a, b]) => a === 0 && b === 0)) return cropped;
    return this.run(tf.PadV2, { x: cropped }, { paddings: pads, constantValue: 0 });
  }

  /**
   * Inserts stride - 1 zero rows (columns) after every row (column) of an NHWC tensor, as a transposed convolution
   * needs: [n, h, w, c] -> [n, h * sh, w * sw, c] (the trailing zeros included).
   */
  dilate(x: tf.TensorInfo, sh: number, sw: number): tf.TensorInfo {
    if (sh === 1 && sw === 1) return x;
    const [n, h, w, c] = x.shape as Shape4;
    const spread = this.run(tf.PadV2, { x: this.reshape(x, [n, h, 1, w, 1, c]) }, {
      paddings: [[0, 0], [0, 0], [0, sh - 1], [0, 0], [0, sw - 1], [0, 0]],
      constantValue: 0,
    });
    return this.reshape(spread, [n, h * sh, w * sw, c]);
  }

  /**
   * The input window of each filter tap (i, j), in row-major tap order: [n, outH, outW, c] tensors with
   * window[b, r, q] = x[b, r * sh + i * dh - top, q * sw + j * dw - left], zero outside x (im2col, one tap at a time).
   * A gather of whole channel rows straight between wasm heap views: wasm's Slice copies its entire input to JS on
   * every call and its rank-5 path is a generic loop (376 ms for one stride-2 phase of a 16x16x16x576 input), and
   * StridedSlice is slow too, so padding plus slicing would cost more than the products the windows feed.
   */
  tapWindows(x: tf.TensorInfo, info: tf.backend_util.Conv2DInfo): tf.TensorInfo[] {
    const { strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw, filterHeight: kh, filterWidth: kw } = info;
    const { outHeight: oh, outWidth: ow, inHeight: h, inWidth: w, batchSize: n } = info;
    const { top, left } = info.padInfo;
    const c = x.shape[3] as number;
    const windows: tf.TensorInfo[] = [];
    for (let i = 0; i < kh; i++) {
      for (let j = 0; j < kw; j++) {
        const rowStart = i * dh - top;
        const colStart = j * dw - left;
        if (rowStart === 0 && colStart === 0 && sh === 1 && sw === 1 && oh === h && ow === w) {
          windows.push(x);
          continue;
        }
        const out = this.backend.makeOutput([n, oh, ow, c], 'float32');
        this.made.push(out);
        // Views taken after the allocation: growing the wasm heap detaches older ones.
        const src = this.backend.typedArrayFromHeap(x) as Float32Array;
        const dst = this.backend.typedArrayFromHeap(out) as Float32Array;
        for (let b = 0; b < n; b++) {
          for (let r = 0; r < oh; r++) {
            const xr = rowStart + r * sh;
            const dstRow = ((b * oh + r) * ow) * c;
            if (xr < 0 || xr >= h) {
              dst.fill(0, dstRow, dstRow + ow * c);
              continue;
            }
            for (let q = 0; q < ow; q++) {
              const xc = colStart + q * sw;
              const d = dstRow + q * c;
              if (xc < 0 || xc >= w) dst.fill(0, d, d + c);
              else dst.set(src.subarray(((b * h + xr) * w + xc) * c, ((b * h + xr) * w + xc + 1) * c), d);
            }
          }
        }
        windows.push(out);
      }
    }
    return windows;
  }
}

/** Runs `body` in a KernelScope, frees the scope's intermediates and returns the one result `body` kept. */
export function withScope(backend: object, body: (scope: KernelScope) => tf.TensorInfo): tf.TensorInfo {
  const scope = new KernelScope(backend as BackendWasm);
  try {
    return scope.keep(body(scope));
  } finally {
    scope.dispose();
  }
}

/** tfjs only trains NHWC convolutions on wasm; say so instead of computing garbage. */
export function assertNhwc(kernelName: string, dataFormat: string | undefined): void {
  if (dataFormat !== undefined && dataFormat !== 'NHWC') {
    throw new Error(`${kernelName} on the wasm backend supports dataFormat 'NHWC' only; received '${dataFormat}'.`);
  }
}
