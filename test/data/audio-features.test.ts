import { describe, expect, it } from 'vitest';
import { createRng } from '../../src/core/index.js';
import {
  AudioFeaturizer, RealFft, computeLogMel, computeMfcc, fitLength, hzToMel, melFilterbank, melToHz, resample, resolveAudioFeatureSpec,
  trimSilence,
} from '../../src/data/index.js';

function tone(freq: number, rate: number, seconds: number, amplitude = 0.8): Float32Array {
  return Float32Array.from({ length: Math.round(rate * seconds) }, (_, i) => amplitude * Math.sin((2 * Math.PI * freq * i) / rate));
}

/** Amplitude of the component at `freq` (lock-in: correlate with sine and cosine) over samples [from, to). */
function amplitudeAt(x: Float32Array, freq: number, rate: number, from: number, to: number): number {
  let s = 0;
  let c = 0;
  for (let i = from; i < to; i++) {
    s += x[i]! * Math.sin((2 * Math.PI * freq * i) / rate);
    c += x[i]! * Math.cos((2 * Math.PI * freq * i) / rate);
  }
  return (2 * Math.hypot(s, c)) / (to - from);
}

function rms(x: Float32Array, from = 0, to = x.length): number {
  let sum = 0;
  for (let i = from; i < to; i++) sum += x[i]! * x[i]!;
  return Math.sqrt(sum / (to - from));
}

describe('RealFft', () => {
  it('matches a naive DFT on random input, including zero padding', () => {
    const rng = createRng(5);
    for (const [n, length] of [[2, 2], [4, 4], [8, 5], [64, 64], [256, 200], [1024, 1024]] as const) {
      const x = Float64Array.from({ length }, () => rng() * 2 - 1);
      const fft = new RealFft(n);
      const re = new Float64Array(n / 2 + 1);
      const im = new Float64Array(n / 2 + 1);
      fft.transform(x, re, im);
      const power = new Float64Array(n / 2 + 1);
      fft.powerSpectrum(x, power);
      for (let k = 0; k <= n / 2; k++) {
        let dr = 0;
        let di = 0;
        for (let t = 0; t < length; t++) {
          dr += x[t]! * Math.cos((2 * Math.PI * k * t) / n);
          di -= x[t]! * Math.sin((2 * Math.PI * k * t) / n);
        }
        expect(re[k]).toBeCloseTo(dr, 9);
        expect(im[k]).toBeCloseTo(di, 9);
        expect(power[k]).toBeCloseTo(dr * dr + di * di, 8);
      }
    }
  });

  it('rejects a size that is not a power of two, and input longer than the size', () => {
    expect(() => new RealFft(100)).toThrow(/power of two/);
    expect(() => new RealFft(8).transform(new Float64Array(9), new Float64Array(5), new Float64Array(5))).toThrow(/more than the FFT size 8/);
  });
});

describe('mel filterbank and log-mel', () => {
  it('uses the HTK mel scale', () => {
    // Reference points of mel = 2595 log10(1 + f/700): 700 Hz -> 2595 log10(2), 1000 Hz -> about 1000 mel.
    expect(hzToMel(700)).toBeCloseTo(2595 * Math.log10(2), 9);
    expect(hzToMel(1000)).toBeCloseTo(999.99, 1);
    expect(melToHz(hzToMel(3456))).toBeCloseTo(3456, 9);
  });

  it('has unit-peak triangles centred where the HTK scale puts them', () => {
    const fb = melFilterbank({ sampleRate: 16000, nFft: 512, nMels: 26, fMin: 0, fMax: 8000 });
    const step = (2595 * Math.log10(1 + 8000 / 700)) / 27;
    for (let m = 0; m < 26; m++) {
      const centre = 700 * (10 ** ((step * (m + 1)) / 2595) - 1);
      expect(fb.centersHz[m]).toBeCloseTo(centre, 6);
      const row = fb.weights.subarray(m * fb.bins, (m + 1) * fb.bins);
      const peakBin = row.indexOf(Math.max(...row));
      expect(Math.abs((peakBin * 16000) / 512 - centre)).toBeLessThanOrEqual(16000 / 512);
      expect(Math.max(...row)).toBeLessThanOrEqual(1);
      expect(Math.max(...row)).toBeGreaterThan(0.5);
    }
  });

  it('puts a pure tone in the band whose centre is nearest its frequency', () => {
    for (const spec of [{}, { sampleRate: 16000, nFft: 512, hop: 160, nMels: 64 }] as const) {
      const featurizer = new AudioFeaturizer(spec);
      const { sampleRate, nMels } = featurizer.spec;
      const centres = Array.from(featurizer.filterbank.centersHz);
      for (const f of [300, 440, 1000, 1800, 2500, 3300, ...(sampleRate === 16000 ? [5000, 7000] : [])]) {
        const nearest = centres.reduce((best, c, m) => (Math.abs(c - f) < Math.abs(centres[best]! - f) ? m : best), 0);
        const { frames, values } = featurizer.logMel(tone(f, sampleRate, 0.5));
        const mean = new Float64Array(nMels);
        for (let t = 0; t < frames; t++) for (let m = 0; m < nMels; m++) mean[m]! += values[t * nMels + m]! / frames;
        const loudest = mean.indexOf(Math.max(...mean));
        expect(loudest, `${f} Hz at ${sampleRate} Hz`).toBe(nearest);
      }
    }
  });

  it('frames a clip without centring: 1 + floor((n - nFft) / hop) frames, silence at the log floor', () => {
    const logMel = computeLogMel(new Float32Array(8000));
    expect(logMel.frames).toBe(1 + Math.floor((8000 - 256) / 80));
    expect(logMel.dim).toBe(40);
    expect(new Set(logMel.values)).toEqual(new Set([Math.fround(Math.log(1e-6))]));
    expect(computeLogMel(new Float32Array(100)).frames).toBe(1);
  });
});

describe('MFCC', () => {
  it('maps a constant log-mel spectrum to c * sqrt(nMels) in c0 and zeros elsewhere', () => {
    const featurizer = new AudioFeaturizer({ nMels: 40, nMfcc: 13 });
    const mfcc = featurizer.mfccFromLogMel({ frames: 2, dim: 40, values: new Float32Array(80).fill(-3) });
    for (let t = 0; t < 2; t++) {
      expect(mfcc.values[t * 13]).toBeCloseTo(-3 * Math.sqrt(40), 4);
      for (let k = 1; k < 13; k++) expect(Math.abs(mfcc.values[t * 13 + k]!)).toBeLessThan(1e-5);
    }
    // The same from audio: digital silence is a constant spectrum at the log floor.
    const silent = computeMfcc(new Float32Array(2000));
    expect(silent.values[0]).toBeCloseTo(Math.log(1e-6) * Math.sqrt(40), 3);
    expect(Math.max(...Array.from(silent.values.subarray(1, 13), Math.abs))).toBeLessThan(1e-4);
  });

  it('is the orthonormal DCT-II (checked against the textbook sum, and energy preserving)', () => {
    const rng = createRng(11);
    const row = Float32Array.from({ length: 20 }, () => rng() * 10 - 5);
    const full = new AudioFeaturizer({ nMels: 20, nMfcc: 20 }).mfccFromLogMel({ frames: 1, dim: 20, values: row });
    for (let k = 0; k < 20; k++) {
      let sum = 0;
      for (let m = 0; m < 20; m++) sum += row[m]! * Math.cos((Math.PI * k * (2 * m + 1)) / 40);
      expect(full.values[k]).toBeCloseTo(sum * Math.sqrt((k === 0 ? 1 : 2) / 20), 4);
    }
    const energy = (v: Float32Array) => v.reduce((s, x) => s + x * x, 0);
    expect(energy(full.values)).toBeCloseTo(energy(row), 2);
  });
});

describe('resample', () => {
  it('keeps the frequency and amplitude of a tone from 16 kHz to 8 kHz, and removes one above the new Nyquist', () => {
    const out = resample(tone(1000, 16000, 1), 16000, 8000);
    expect(out.length).toBe(8000);
    // Away from the edges (the filter sees zeros beyond them).
    expect(amplitudeAt(out, 1000, 8000, 400, 7600)).toBeCloseTo(0.8, 2);
    expect(amplitudeAt(out, 1100, 8000, 400, 7600)).toBeLessThan(0.01);
    expect(amplitudeAt(resample(tone(3000, 16000, 1), 16000, 8000), 3000, 8000, 400, 7600)).toBeCloseTo(0.8, 2);
    // 5 kHz would alias to 3 kHz; the anti-aliasing filter removes it.
    const aliased = resample(tone(5000, 16000, 1), 16000, 8000);
    expect(rms(aliased, 400, 7600)).toBeLessThan(0.8 * 1e-3);
  });

  it('handles non-integer ratios both ways (22.05 kHz <-> 8 kHz) and keeps DC', () => {
    const down = resample(tone(700, 22050, 1), 22050, 8000);
    expect(down.length).toBe(8000);
    expect(amplitudeAt(down, 700, 8000, 400, 7600)).toBeCloseTo(0.8, 2);
    const up = resample(tone(700, 8000, 1), 8000, 22050);
    expect(up.length).toBe(22050);
    expect(amplitudeAt(up, 700, 22050, 1000, 21000)).toBeCloseTo(0.8, 2);
    const dc = resample(new Float32Array(1000).fill(0.25), 8000, 11025);
    expect(Math.abs(dc[600]! - 0.25)).toBeLessThan(1e-6);
    expect(resample(tone(100, 8000, 0.1), 8000, 8000)).toEqual(tone(100, 8000, 0.1));
  });
});

describe('trimSilence and fitLength', () => {
  it('trims leading and trailing silence to within a frame, keeping the sound', () => {
    const x = new Float32Array(8000);
    x.set(tone(440, 8000, 0.25), 3000); // samples 3000..4999
    x[100] = 1e-4; // far below the threshold
    const trimmed = trimSilence(x);
    const start = trimmed.byteOffset / 4;
    expect(start).toBeGreaterThan(3000 - 256);
    expect(start).toBeLessThanOrEqual(3000);
    expect(start + trimmed.length).toBeGreaterThanOrEqual(5000);
    expect(start + trimmed.length).toBeLessThan(5000 + 256);
    expect(trimSilence(new Float32Array(10))).toHaveLength(10);
  });

  it('pads and crops at the centre or the start', () => {
    const x = Float32Array.from([1, 2, 3, 4, 5]);
    expect(Array.from(fitLength(x, 3, 'center'))).toEqual([2, 3, 4]);
    expect(Array.from(fitLength(x, 3, 'start'))).toEqual([1, 2, 3]);
    expect(Array.from(fitLength(x, 8, 'center'))).toEqual([0, 1, 2, 3, 4, 5, 0, 0]);
    expect(Array.from(fitLength(x, 7, 'start'))).toEqual([1, 2, 3, 4, 5, 0, 0]);
  });
});

describe('AudioFeatureSpec', () => {
  it('fills defaults for 8 kHz speech, with fMax at the Nyquist frequency of the chosen rate', () => {
    expect(resolveAudioFeatureSpec()).toEqual({
      sampleRate: 8000, clipSeconds: 1, clipAlign: 'center', trimDb: 40, nFft: 256, hop: 80, window: 'hann', nMels: 40, fMin: 20,
      fMax: 4000, logFloor: 1e-6, nMfcc: 13,
    });
    expect(resolveAudioFeatureSpec({ sampleRate: 16000, nFft: 512 }).fMax).toBe(8000);
  });

  it('rejects bad values by name', () => {
    expect(() => resolveAudioFeatureSpec({ nFft: 300 })).toThrow(/nFft to be a power of two/);
    expect(() => resolveAudioFeatureSpec({ nMfcc: 50 })).toThrow(/nMfcc \(50\) to be at most nMels \(40\)/);
    expect(() => resolveAudioFeatureSpec({ fMax: 6000 })).toThrow(/fMax <= sampleRate \/ 2 \(4000 Hz\)/);
    expect(() => resolveAudioFeatureSpec({ window: 'blackman' as 'hann' })).toThrow(/window to be one of 'hann', 'hamming'/);
    expect(() => resolveAudioFeatureSpec({ nmels: 3 } as object)).toThrow(/Unknown AudioFeatureSpec option: nmels/);
    expect(() => new AudioFeaturizer({ nFft: 64, nMels: 80 })).toThrow(/covers no FFT bin.*Lower nMels/);
  });
});
