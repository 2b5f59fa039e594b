/**
 * Reorders `count` images from HWC (how headstart decodes them) to CHW, the NCHW batch ONNX vision models take.
 * `out` (length count*h*w*channels) may be larger than the input, e.g. a zero-padded fixed-size batch.
 */
export function hwcToChw(pixels: Float32Array, count: number, height: number, width: number, channels = 3, out?: Float32Array): Float32Array {
  const plane = height * width;
  const image = plane * channels;
  const result = out ?? new Float32Array(count * image);
  for (let n = 0; n < count; n++) {
    const base = n * image;
    for (let c = 0; c < channels; c++) {
      const dst = base + c * plane;
      for (let i = 0, src = base + c; i < plane; i++, src += channels) result[dst + i] = pixels[src] as number;
    }
  }
  return result;
}
