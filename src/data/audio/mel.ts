import { invalidOption } from '../../core/index.js';

/** HTK mel scale: mel = 2595 log10(1 + f / 700). */
export function hzToMel(hz: number): number {
  return 2595 * Math.log10(1 + hz / 700);
}

export function melToHz(mel: number): number {
  return 700 * (10 ** (mel / 2595) - 1);
}

/** A triangular mel filterbank: `weights` is nMels rows of nFft/2 + 1 FFT-bin weights, row-major. */
export interface MelFilterbank {
  nMels: number;
  bins: number;
  weights: Float32Array;
  /** Centre frequency of each band in Hz. */
  centersHz: Float64Array;
}

export interface MelFilterbankOptions {
  sampleRate: number;
  nFft: number;
  nMels: number;
  fMin: number;
  fMax: number;
}

/**
 * Builds nMels triangular filters on the HTK mel scale (the convention of HTK, Kaldi and torchaudio's default,
 * `mel_scale='htk', norm=None`): nMels + 2 points equally spaced in mel from fMin to fMax give each band's lower
 * edge, centre and upper edge; the weight of FFT bin k (at k * sampleRate / nFft Hz) rises linearly from 0 at the
 * lower edge to 1 at the centre and falls back to 0 at the upper edge. Weights are not area-normalised, so each
 * band sums power over its triangle.
 *
 * @throws HeadstartError `HS_INVALID_OPTION` when a band falls between two FFT bins and would be empty.
 */
export function melFilterbank(options: MelFilterbankOptions): MelFilterbank {
  const { sampleRate, nFft, nMels, fMin, fMax } = options;
  const bins = nFft / 2 + 1;
  const lo = hzToMel(fMin);
  const hi = hzToMel(fMax);
  const edgesHz = Array.from({ length: nMels + 2 }, (_, i) => melToHz(lo + ((hi - lo) * i) / (nMels + 1)));
  const weights = new Float32Array(nMels * bins);
  const centersHz = new Float64Array(nMels);
  for (let m = 0; m < nMels; m++) {
    const left = edgesHz[m]!;
    const centre = edgesHz[m + 1]!;
    const right = edgesHz[m + 2]!;
    centersHz[m] = centre;
    let any = false;
    for (let k = 0; k < bins; k++) {
      const f = (k * sampleRate) / nFft;
      const w = Math.max(0, Math.min((f - left) / (centre - left), (right - f) / (right - centre)));
      if (w > 0) any = true;
      weights[m * bins + k] = w;
    }
    if (!any) {
      throw invalidOption(
        `Mel band ${m} (${left.toFixed(1)}-${right.toFixed(1)} Hz) covers no FFT bin: with nFft ${nFft} at ${sampleRate} Hz the bins are ` +
          `${(sampleRate / nFft).toFixed(1)} Hz apart. Lower nMels, raise fMin, or raise nFft.`,
      );
    }
  }
  return { nMels, bins, weights, centersHz };
}
