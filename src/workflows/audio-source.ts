import type { ProgressCallback } from '../core/index.js';
import { extractLogMelImages } from '../data/index.js';
import type { AudioDataset, AudioFeatureSpec, BadFilePolicy, FeatureSet, SkippedFile } from '../data/index.js';

/**
 * Log-mel settings of the audio source CNN: 0.8 s clips (FSDD's digits are shorter once trimmed), 25 ms hops and 20
 * mel bands give a 31 x 20 image, small enough for a CNN to train on 2,700 clips in about a minute on two cores.
 */
export const AUDIO_SOURCE_SPEC: Partial<AudioFeatureSpec> = { clipSeconds: 0.8, hop: 200, nMels: 20 };

export interface LogMelRows {
  /** One row per usable clip: its frames x nMels log-mel image, standardised to zero mean and unit variance. */
  set: FeatureSet;
  /** [frames, nMels, 1]: the CNN's input shape. */
  inputShape: [number, number, number];
  spec: AudioFeatureSpec;
  skipped: SkippedFile[];
}

/**
 * The CNN's input: log-mel images, each standardised on its own (no statistics to store with a model, and the
 * clip's loudness, which differs between speakers and microphones, drops out).
 */
export async function logMelRows(
  dataset: Pick<AudioDataset, 'items' | 'classes'>,
  options: { spec?: Partial<AudioFeatureSpec>; onBadFile?: BadFilePolicy; signal?: AbortSignal; onProgress?: ProgressCallback } = {},
): Promise<LogMelRows> {
  const { spec = AUDIO_SOURCE_SPEC, ...rest } = options;
  const images = await extractLogMelImages(dataset, { spec, ...rest });
  const dim = images.frames * images.nMels;
  const values = new Float32Array(images.images.length * dim);
  images.images.forEach((image, r) => {
    let mean = 0;
    for (const v of image) mean += v;
    mean /= dim;
    let sq = 0;
    for (const v of image) sq += (v - mean) ** 2;
    const std = Math.sqrt(sq / dim) || 1;
    for (let i = 0; i < dim; i++) values[r * dim + i] = ((image[i] as number) - mean) / std;
  });
  return {
    set: { values, dim, files: images.files, labels: images.labels, classes: images.classes },
    inputShape: [images.frames, images.nMels, 1],
    spec: images.spec,
    skipped: images.skipped,
  };
}
