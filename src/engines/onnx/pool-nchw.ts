import type { Pooling } from '../engine.js';

/** Length of one pooled vector for a cut value of shape `dims` (batch first), or undefined if it cannot be pooled. */
export function pooledDim(dims: readonly number[], pooling: Pooling): number | undefined {
  const perImage = dims.slice(1).reduce((a, b) => a * b, 1);
  if (dims.length === 2 || (pooling === 'flatten' && dims.length >= 2)) return perImage;
  return dims.length === 4 ? dims[1] : undefined;
}

/**
 * Turns the first `count` rows of a cut value into feature vectors, ONNX-style: a rank-2 value is already one vector
 * per image; a rank-4 value is an NCHW map, averaged ('avg') or maximised ('max') over H and W, or copied in its own
 * C, H, W order ('flatten'). Callers check the rank with {@link pooledDim} first.
 */
export function poolNchw(data: Float32Array, dims: readonly number[], count: number, pooling: Pooling): Float32Array {
  const perImage = dims.slice(1).reduce((a, b) => a * b, 1);
  if (dims.length === 2 || pooling === 'flatten') return data.slice(0, count * perImage);
  const channels = dims[1] ?? 0;
  const plane = perImage / channels;
  const out = new Float32Array(count * channels);
  for (let row = 0; row < count * channels; row++) {
    const base = row * plane;
    let acc = pooling === 'avg' ? 0 : -Infinity;
    for (let i = 0; i < plane; i++) {
      const v = data[base + i] as number;
      acc = pooling === 'avg' ? acc + v : v > acc ? v : acc;
    }
    out[row] = pooling === 'avg' ? acc / plane : acc;
  }
  return out;
}
