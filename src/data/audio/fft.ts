import { invalidOption } from '../../core/index.js';

/**
 * Fast Fourier transform of real input, for a power-of-two size n >= 2: an iterative radix-2 complex FFT of size
 * n/2 on the even and odd samples packed as real and imaginary parts, then one split pass that separates their
 * spectra. Twiddles and the bit-reversal table are computed once per instance; reuse it for every frame.
 */
export class RealFft {
  readonly size: number;
  private readonly half: number;
  private readonly bitReverse: Uint32Array;
  /** cos and sin of 2*pi*k/n for k < n/2: the split pass uses all of them, the half-size FFT every other one. */
  private readonly cos: Float64Array;
  private readonly sin: Float64Array;
  private readonly re: Float64Array;
  private readonly im: Float64Array;
  /** Imaginary parts for powerSpectrum, kept to avoid an allocation per frame. */
  private readonly spectrumIm: Float64Array;

  constructor(size: number) {
    if (!Number.isInteger(size) || size < 2 || (size & (size - 1)) !== 0) {
      throw invalidOption(`Expected the FFT size to be a power of two of at least 2. Received: ${String(size)}.`);
    }
    this.size = size;
    const half = size / 2;
    this.half = half;
    this.cos = new Float64Array(half);
    this.sin = new Float64Array(half);
    for (let k = 0; k < half; k++) {
      this.cos[k] = Math.cos((2 * Math.PI * k) / size);
      this.sin[k] = Math.sin((2 * Math.PI * k) / size);
    }
    const bits = Math.log2(half);
    this.bitReverse = new Uint32Array(half);
    for (let i = 0; i < half; i++) {
      let r = 0;
      for (let b = 0; b < bits; b++) r |= ((i >> b) & 1) << (bits - 1 - b);
      this.bitReverse[i] = r;
    }
    this.re = new Float64Array(half);
    this.im = new Float64Array(half);
    this.spectrumIm = new Float64Array(half + 1);
  }

  /** In-place complex FFT of size n/2 on this.re, this.im (input already in bit-reversed order). */
  private complexHalf(): void {
    const { half, re, im, cos, sin } = this;
    for (let len = 2; len <= half; len *= 2) {
      const step = (2 * half) / len; // index stride into the size-n twiddle tables
      const mid = len / 2;
      for (let start = 0; start < half; start += len) {
        for (let j = 0; j < mid; j++) {
          const wr = cos[j * step]!;
          const wi = -sin[j * step]!;
          const a = start + j;
          const b = a + mid;
          const xr = re[b]! * wr - im[b]! * wi;
          const xi = re[b]! * wi + im[b]! * wr;
          re[b] = re[a]! - xr;
          im[b] = im[a]! - xi;
          re[a]! += xr;
          im[a]! += xi;
        }
      }
    }
  }

  /**
   * The spectrum X[k] = sum_t x[t] e^(-2 pi i k t / n) for k = 0..n/2, written to `outRe` and `outIm` (each at
   * least n/2 + 1 long). `input` shorter than n is zero-padded; longer input is an error.
   */
  transform(input: ArrayLike<number>, outRe: Float64Array, outIm: Float64Array): void {
    const { half, re, im, bitReverse, cos, sin } = this;
    if (input.length > this.size) throw invalidOption(`FFT input has ${input.length} samples, more than the FFT size ${this.size}.`);
    for (let i = 0; i < half; i++) {
      const r = bitReverse[i]!;
      re[r] = 2 * i < input.length ? input[2 * i]! : 0;
      im[r] = 2 * i + 1 < input.length ? input[2 * i + 1]! : 0;
    }
    this.complexHalf();
    // Z = FFT(even + i*odd); E[k] = (Z[k] + conj Z[h-k]) / 2, O[k] = (Z[k] - conj Z[h-k]) / 2i, X[k] = E[k] + W^k O[k].
    for (let k = 0; k <= half; k++) {
      const a = re[k % half]!;
      const b = im[k % half]!;
      const c = re[(half - k) % half]!;
      const d = im[(half - k) % half]!;
      const er = (a + c) / 2;
      const ei = (b - d) / 2;
      const or = (b + d) / 2;
      const oi = (c - a) / 2;
      const wc = k < half ? cos[k]! : -1;
      const ws = k < half ? sin[k]! : 0;
      outRe[k] = er + wc * or + ws * oi;
      outIm[k] = ei + wc * oi - ws * or;
    }
  }

  /** |X[k]|^2 for k = 0..n/2 into `out` (at least n/2 + 1 long). */
  powerSpectrum(input: ArrayLike<number>, out: Float64Array): void {
    const im = this.spectrumIm;
    this.transform(input, out, im);
    for (let k = 0; k <= this.half; k++) out[k] = out[k]! * out[k]! + im[k]! * im[k]!;
  }
}
