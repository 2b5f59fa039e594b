import { invalidOption } from '../../core/index.js';

/** Zero crossings of the sinc on each side of the centre tap: longer is a sharper cutoff at more cost. */
const ZERO_CROSSINGS = 32;
/** Passband edge as a fraction of the lower Nyquist frequency; the transition band sits just below Nyquist. */
const ROLLOFF = 0.94;
/** Kaiser window shape: about 86 dB of stopband attenuation. */
const KAISER_BETA = 8.6;

/** Modified Bessel function of the first kind, order 0 (power series; converges fast for the arguments used). */
function besselI0(x: number): number {
  let sum = 1;
  let term = 1;
  const q = (x * x) / 4;
  for (let k = 1; k < 50; k++) {
    term *= q / (k * k);
    sum += term;
    if (term < sum * 1e-12) break;
  }
  return sum;
}

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

/**
 * Changes the sample rate of a signal with a band-limited windowed-sinc filter (Kaiser window, beta 8.6, 32 zero
 * crossings each side), evaluated directly at each output instant. The low-pass cutoff is 0.94 of the lower of the
 * two Nyquist frequencies, so downsampling removes what would alias. The output time grid is exact for integer
 * rates: output sample n sits at input time n * from / to, and the filter taps of each of the `to / gcd` distinct
 * fractional offsets are computed once and normalised to unit sum (DC passes unchanged). Output length is
 * round(n * to / from). Samples beyond the ends count as zero.
 */
export function resample(samples: Float32Array, fromRate: number, toRate: number): Float32Array {
  for (const [name, v] of [['fromRate', fromRate], ['toRate', toRate]] as const) {
    if (!Number.isInteger(v) || v < 1) throw invalidOption(`Expected ${name} to be a positive integer in Hz. Received: ${String(v)}.`);
  }
  if (fromRate === toRate) return samples.slice();
  const g = gcd(fromRate, toRate);
  const up = toRate / g;
  const down = fromRate / g;
  const outLength = Math.round((samples.length * toRate) / fromRate);
  // Cutoff in cycles per input sample; the filter spans ZERO_CROSSINGS sinc lobes of that cutoff on each side.
  const cutoff = (0.5 * ROLLOFF * Math.min(fromRate, toRate)) / fromRate;
  const halfWidth = ZERO_CROSSINGS / (2 * cutoff);
  const reach = Math.ceil(halfWidth);
  const taps = 2 * reach + 1;
  const i0Beta = besselI0(KAISER_BETA);
  const phaseTaps = new Map<number, Float64Array>();

  /** Taps for input indices base-reach .. base+reach, where the output instant is base + phase/up. */
  const tapsFor = (phase: number): Float64Array => {
    let h = phaseTaps.get(phase);
    if (h) return h;
    h = new Float64Array(taps);
    const frac = phase / up;
    let sum = 0;
    for (let j = 0; j < taps; j++) {
      const d = frac - (j - reach); // distance from the output instant to input sample base + j - reach
      const r = d / halfWidth;
      if (Math.abs(r) >= 1) continue;
      const x = 2 * cutoff * d;
      const sinc = x === 0 ? 1 : Math.sin(Math.PI * x) / (Math.PI * x);
      const w = besselI0(KAISER_BETA * Math.sqrt(1 - r * r)) / i0Beta;
      h[j] = sinc * w;
      sum += h[j]!;
    }
    for (let j = 0; j < taps; j++) h[j]! /= sum;
    phaseTaps.set(phase, h);
    return h;
  };

  const out = new Float32Array(outLength);
  const n = samples.length;
  for (let m = 0; m < outLength; m++) {
    const pos = m * down; // output instant, in units of 1/up input samples
    const base = Math.floor(pos / up);
    const h = tapsFor(pos - base * up);
    const first = base - reach;
    const lo = Math.max(0, -first);
    const hi = Math.min(taps, n - first);
    let acc = 0;
    for (let j = lo; j < hi; j++) acc += h[j]! * samples[first + j]!;
    out[m] = acc;
  }
  return out;
}
