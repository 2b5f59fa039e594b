import { invalidChoice, invalidOption, rejectUnknownKeys } from '../../core/index.js';

export interface TrimSilenceOptions {
  /** A frame is silent when its RMS level is more than this many dB below the loudest frame's. @default 40 */
  thresholdDb?: number;
  /** Samples per analysis frame. @default 256 */
  frameLength?: number;
  /** Samples between frame starts. @default 64 */
  hop?: number;
}

const TRIM_DEFAULTS: Required<TrimSilenceOptions> = { thresholdDb: 40, frameLength: 256, hop: 64 };

/**
 * Cuts leading and trailing silence: keeps everything from the first to the end of the last frame whose RMS level
 * is within `thresholdDb` of the loudest frame's (the same rule as librosa's `effects.trim`). Quiet passages in the
 * middle stay. Returns a view into `samples`; a clip with no sound at all (every sample zero) is returned whole.
 */
export function trimSilence(samples: Float32Array, options: TrimSilenceOptions = {}): Float32Array {
  rejectUnknownKeys('trimSilence', options, Object.keys(TRIM_DEFAULTS));
  const { thresholdDb, frameLength, hop } = { ...TRIM_DEFAULTS, ...options };
  if (!(thresholdDb > 0)) throw invalidOption(`Expected thresholdDb to be above 0. Received: ${String(thresholdDb)}.`);
  for (const [name, v] of [['frameLength', frameLength], ['hop', hop]] as const) {
    if (!Number.isInteger(v) || v < 1) throw invalidOption(`Expected ${name} to be a positive integer. Received: ${String(v)}.`);
  }
  const n = samples.length;
  const frames = n <= frameLength ? 1 : 1 + Math.ceil((n - frameLength) / hop);
  const energy = new Float64Array(frames);
  let loudest = 0;
  for (let f = 0; f < frames; f++) {
    const start = f * hop;
    const end = Math.min(n, start + frameLength);
    let sum = 0;
    for (let i = start; i < end; i++) sum += samples[i]! * samples[i]!;
    energy[f] = sum / Math.max(1, end - start);
    if (energy[f]! > loudest) loudest = energy[f]!;
  }
  if (loudest === 0) return samples;
  const floor = loudest * 10 ** (-thresholdDb / 10); // mean-square ratio, so dB / 10
  let first = 0;
  while (energy[first]! < floor) first++;
  let last = frames - 1;
  while (energy[last]! < floor) last--;
  return samples.subarray(first * hop, Math.min(n, last * hop + frameLength));
}

/** Where a clip sits in its fixed-length window: 'center' pads or crops both ends equally, 'start' only the end. */
export type ClipAlign = 'center' | 'start';
export const CLIP_ALIGNS: readonly ClipAlign[] = ['center', 'start'];

/**
 * Returns exactly `length` samples: a longer clip is cropped and a shorter one padded with zeros, at the end
 * ('start') or equally at both ends, the odd sample going to the end ('center').
 */
export function fitLength(samples: Float32Array, length: number, align: ClipAlign = 'center'): Float32Array {
  if (!Number.isInteger(length) || length < 0) throw invalidOption(`Expected length to be a non-negative integer. Received: ${String(length)}.`);
  if (!CLIP_ALIGNS.includes(align)) throw invalidChoice('align', align, CLIP_ALIGNS);
  const out = new Float32Array(length);
  const n = samples.length;
  if (n >= length) {
    const start = align === 'center' ? Math.floor((n - length) / 2) : 0;
    out.set(samples.subarray(start, start + length));
  } else {
    out.set(samples, align === 'center' ? Math.floor((length - n) / 2) : 0);
  }
  return out;
}
