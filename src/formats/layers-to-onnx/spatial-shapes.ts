/** A sliding window over height and width: a convolution's or a pooling's geometry. */
export interface Window {
  kernel: [number, number];
  strides: [number, number];
  dilations: [number, number];
  padding: 'same' | 'valid';
}

/** Where a window lands on an input of [height, width]: ONNX pads [top, left, bottom, right] and the output size. */
export interface WindowPlacement {
  pads: [number, number, number, number];
  output: [number, number];
}

/**
 * TensorFlow's padding, made explicit from static sizes. 'same': output = ceil(input / stride), padded with
 * floor(total / 2) before and the rest (the odd pixel) after. 'valid': no padding, output =
 * floor((input - effective kernel) / stride) + 1. Returns undefined when the window does not fit.
 */
export function placeWindow(input: [number, number], w: Window): WindowPlacement | undefined {
  const before: number[] = [];
  const after: number[] = [];
  const output: number[] = [];
  for (let i = 0; i < 2; i++) {
    const size = input[i] as number;
    const stride = w.strides[i] as number;
    const span = ((w.kernel[i] as number) - 1) * (w.dilations[i] as number) + 1;
    if (w.padding === 'same') {
      const out = Math.ceil(size / stride);
      const total = Math.max((out - 1) * stride + span - size, 0);
      before.push(Math.floor(total / 2));
      after.push(total - Math.floor(total / 2));
      output.push(out);
    } else {
      before.push(0);
      after.push(0);
      output.push(Math.floor((size - span) / stride) + 1);
    }
  }
  if (output.some((o) => o < 1)) return undefined;
  return { pads: [before[0], before[1], after[0], after[1]] as [number, number, number, number], output: output as [number, number] };
}
