import { invalidChoice, invalidOption, rejectUnknownKeys } from '../../core/index.js';
import { RealFft } from './fft.js';
import { melFilterbank } from './mel.js';
import type { MelFilterbank } from './mel.js';
import { resample } from './resample.js';
import { CLIP_ALIGNS, fitLength, trimSilence } from './trim.js';
import type { ClipAlign } from './trim.js';
import { mixToMono } from './wav.js';
import type { WavAudio } from './wav.js';

export type AudioWindow = 'hann' | 'hamming';
export const AUDIO_WINDOWS: readonly AudioWindow[] = ['hann', 'hamming'];

/**
 * Everything that turns a WAV file into log-mel or MFCC features; a model card stores it whole, and the same spec
 * drives extraction, training and prediction. Steps: decode, average channels, resample to `sampleRate`, trim
 * leading and trailing silence, fit to `clipSeconds`, then frame, window, FFT, mel filterbank, log and DCT.
 *
 * Frames are not centred: frame t covers samples [t * hop, t * hop + nFft), the window is nFft long, and a clip
 * shorter than nFft is zero-padded to one frame. Power spectra are |X|^2 of samples in [-1, 1], without scaling.
 * Mel bands use the HTK mel scale with unit-peak triangles and no area normalisation (see {@link melFilterbank}).
 */
export interface AudioFeatureSpec {
  /** Rate the audio is resampled to before anything else, in Hz. @default 8000 */
  sampleRate: number;
  /** Fixed clip length in seconds: longer clips are cropped, shorter ones padded with zeros. @default 1 */
  clipSeconds: number;
  /** Where the clip sits in its fixed-length window. @default 'center' */
  clipAlign: ClipAlign;
  /** Leading and trailing frames more than this many dB below the loudest are trimmed first; null keeps them. @default 40 */
  trimDb: number | null;
  /** FFT size and window length in samples, a power of two. @default 256 (32 ms at 8 kHz) */
  nFft: number;
  /** Samples between frames. @default 80 (10 ms at 8 kHz) */
  hop: number;
  /** Periodic window applied to each frame. @default 'hann' */
  window: AudioWindow;
  /** Mel bands. @default 40 */
  nMels: number;
  /** Lowest filterbank frequency in Hz. @default 20 */
  fMin: number;
  /** Highest filterbank frequency in Hz. @default sampleRate / 2 */
  fMax: number;
  /** Mel energies below this are raised to it before the natural log, so silence stays finite. @default 1e-6 */
  logFloor: number;
  /** MFCCs kept (the first ones of the orthonormal DCT-II of the log-mel frame). @default 13 */
  nMfcc: number;
}

/** Defaults for 8 kHz speech (FSDD, telephone audio); for 16 kHz use sampleRate 16000, nFft 512, hop 160. */
export const AUDIO_FEATURE_DEFAULTS: Readonly<Omit<AudioFeatureSpec, 'fMax'>> = {
  sampleRate: 8000,
  clipSeconds: 1,
  clipAlign: 'center',
  trimDb: 40,
  nFft: 256,
  hop: 80,
  window: 'hann',
  nMels: 40,
  fMin: 20,
  logFloor: 1e-6,
  nMfcc: 13,
};

const SPEC_KEYS = [...Object.keys(AUDIO_FEATURE_DEFAULTS), 'fMax'];

function positiveInteger(name: string, v: unknown): void {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw invalidOption(`Expected ${name} to be a positive integer. Received: ${String(v)}.`);
}

/** Fills in defaults and checks every field; fMax defaults to half the (possibly overridden) sample rate. */
export function resolveAudioFeatureSpec(spec: Partial<AudioFeatureSpec> = {}): AudioFeatureSpec {
  rejectUnknownKeys('AudioFeatureSpec', spec, SPEC_KEYS);
  const merged = { ...AUDIO_FEATURE_DEFAULTS, ...spec };
  const s: AudioFeatureSpec = { ...merged, fMax: spec.fMax ?? merged.sampleRate / 2 };
  positiveInteger('sampleRate', s.sampleRate);
  positiveInteger('hop', s.hop);
  positiveInteger('nMels', s.nMels);
  positiveInteger('nMfcc', s.nMfcc);
  if (!Number.isInteger(s.nFft) || s.nFft < 2 || (s.nFft & (s.nFft - 1)) !== 0) {
    throw invalidOption(`Expected nFft to be a power of two (128, 256, 512 ...). Received: ${String(s.nFft)}.`);
  }
  if (!(s.clipSeconds > 0)) throw invalidOption(`Expected clipSeconds to be above 0. Received: ${String(s.clipSeconds)}.`);
  if (!CLIP_ALIGNS.includes(s.clipAlign)) throw invalidChoice('clipAlign', s.clipAlign, CLIP_ALIGNS);
  if (!AUDIO_WINDOWS.includes(s.window)) throw invalidChoice('window', s.window, AUDIO_WINDOWS);
  if (s.trimDb !== null && !(s.trimDb > 0)) throw invalidOption(`Expected trimDb to be above 0, or null for no trimming. Received: ${String(s.trimDb)}.`);
  if (!(s.fMin >= 0 && s.fMax > s.fMin && s.fMax <= s.sampleRate / 2)) {
    throw invalidOption(`Expected 0 <= fMin < fMax <= sampleRate / 2 (${s.sampleRate / 2} Hz). Received: fMin ${String(s.fMin)}, fMax ${String(s.fMax)}.`);
  }
  if (!(s.logFloor > 0)) throw invalidOption(`Expected logFloor to be above 0. Received: ${String(s.logFloor)}.`);
  if (s.nMfcc > s.nMels) throw invalidOption(`Expected nMfcc (${s.nMfcc}) to be at most nMels (${s.nMels}).`);
  return s;
}

/** Frames of a clip with `length` samples under `spec` (at least one). */
export function frameCount(length: number, spec: Pick<AudioFeatureSpec, 'nFft' | 'hop'>): number {
  return length <= spec.nFft ? 1 : 1 + Math.floor((length - spec.nFft) / spec.hop);
}

/** Orthonormal DCT-II basis, `rows` x `size`: c_k = s_k sum_m x_m cos(pi k (m + 1/2) / size), s_0 = sqrt(1/size), else sqrt(2/size). */
function dctBasis(rows: number, size: number): Float64Array {
  const basis = new Float64Array(rows * size);
  for (let k = 0; k < rows; k++) {
    const scale = Math.sqrt((k === 0 ? 1 : 2) / size);
    for (let m = 0; m < size; m++) basis[k * size + m] = scale * Math.cos((Math.PI * k * (m + 0.5)) / size);
  }
  return basis;
}

/** A log-mel or MFCC matrix: `frames` rows of `dim` values, row-major. */
export interface AudioFeatureMatrix {
  frames: number;
  dim: number;
  values: Float32Array;
}

/**
 * Computes the features of one {@link AudioFeatureSpec}, holding its FFT, window, filterbank and DCT basis so that
 * a dataset pays for them once.
 */
export class AudioFeaturizer {
  readonly spec: AudioFeatureSpec;
  readonly filterbank: MelFilterbank;
  /** Samples in a fixed-length clip. */
  readonly clipLength: number;
  private readonly fft: RealFft;
  private readonly windowValues: Float64Array;
  private readonly dct: Float64Array;

  constructor(spec: Partial<AudioFeatureSpec> = {}) {
    this.spec = resolveAudioFeatureSpec(spec);
    const { nFft, window, sampleRate, nMels, fMin, fMax, nMfcc, clipSeconds } = this.spec;
    this.fft = new RealFft(nFft);
    const a0 = window === 'hann' ? 0.5 : 0.54;
    this.windowValues = Float64Array.from({ length: nFft }, (_, i) => a0 - (1 - a0) * Math.cos((2 * Math.PI * i) / nFft));
    this.filterbank = melFilterbank({ sampleRate, nFft, nMels, fMin, fMax });
    this.dct = dctBasis(nMfcc, nMels);
    this.clipLength = Math.round(clipSeconds * sampleRate);
  }

  /**
   * Turns decoded audio into the spec's mono signal: mixed to mono, resampled, trimmed, and (with `fixedLength`)
   * fitted to `clipSeconds`. Without `fixedLength` the clip is only cropped when longer than `clipSeconds`.
   */
  prepare(audio: Pick<WavAudio, 'sampleRate' | 'samples'>, fixedLength: boolean): Float32Array {
    const { sampleRate, trimDb, clipAlign } = this.spec;
    let x = resample(mixToMono(audio.samples), audio.sampleRate, sampleRate);
    if (trimDb !== null) x = trimSilence(x, { thresholdDb: trimDb });
    if (fixedLength || x.length > this.clipLength) x = fitLength(x, this.clipLength, clipAlign);
    return x;
  }

  /** Natural-log mel energies of each frame of `samples` (already at the spec's rate): frames x nMels. */
  logMel(samples: Float32Array): AudioFeatureMatrix {
    const { nFft, hop, nMels, logFloor } = this.spec;
    const { weights, bins } = this.filterbank;
    const frames = frameCount(samples.length, this.spec);
    const values = new Float32Array(frames * nMels);
    const frame = new Float64Array(nFft);
    const power = new Float64Array(bins);
    for (let t = 0; t < frames; t++) {
      const start = t * hop;
      for (let i = 0; i < nFft; i++) frame[i] = start + i < samples.length ? samples[start + i]! * this.windowValues[i]! : 0;
      this.fft.powerSpectrum(frame, power);
      for (let m = 0; m < nMels; m++) {
        let e = 0;
        const row = m * bins;
        for (let k = 0; k < bins; k++) e += weights[row + k]! * power[k]!;
        values[t * nMels + m] = Math.log(Math.max(e, logFloor));
      }
    }
    return { frames, dim: nMels, values };
  }

  /** The first nMfcc orthonormal DCT-II coefficients of each row of a log-mel matrix: frames x nMfcc. */
  mfccFromLogMel(logMel: AudioFeatureMatrix): AudioFeatureMatrix {
    const { nMels, nMfcc } = this.spec;
    if (logMel.dim !== nMels) throw invalidOption(`Expected log-mel rows of ${nMels} bands. Received: ${logMel.dim}.`);
    const values = new Float32Array(logMel.frames * nMfcc);
    for (let t = 0; t < logMel.frames; t++) {
      for (let k = 0; k < nMfcc; k++) {
        let c = 0;
        for (let m = 0; m < nMels; m++) c += this.dct[k * nMels + m]! * logMel.values[t * nMels + m]!;
        values[t * nMfcc + k] = c;
      }
    }
    return { frames: logMel.frames, dim: nMfcc, values };
  }

  /** MFCCs of each frame of `samples` (already at the spec's rate): frames x nMfcc. */
  mfcc(samples: Float32Array): AudioFeatureMatrix {
    return this.mfccFromLogMel(this.logMel(samples));
  }
}

/** Log-mel energies of a signal at `spec.sampleRate`: frames x nMels. Build an {@link AudioFeaturizer} for many clips. */
export function computeLogMel(samples: Float32Array, spec: Partial<AudioFeatureSpec> = {}): AudioFeatureMatrix {
  return new AudioFeaturizer(spec).logMel(samples);
}

/** MFCCs of a signal at `spec.sampleRate`: frames x nMfcc. Build an {@link AudioFeaturizer} for many clips. */
export function computeMfcc(samples: Float32Array, spec: Partial<AudioFeatureSpec> = {}): AudioFeatureMatrix {
  return new AudioFeaturizer(spec).mfcc(samples);
}
