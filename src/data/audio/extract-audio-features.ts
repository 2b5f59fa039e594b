import { HeadstartError, invalidChoice, rejectUnknownKeys, readInputFile, throwIfAborted } from '../../core/index.js';
import type { ProgressCallback } from '../../core/index.js';
import type { BadFilePolicy, FeatureSet, SkippedFile } from '../types.js';
import type { AudioDataset } from './audio-folder.js';
import { AudioFeaturizer, frameCount } from './features.js';
import type { AudioFeatureSpec } from './features.js';
import { decodeWav } from './wav.js';

export interface ExtractAudioFeaturesOptions {
  /** Feature parameters; missing fields take {@link AUDIO_FEATURE_DEFAULTS}. */
  spec?: Partial<AudioFeatureSpec>;
  /** A file that cannot be read or decoded, or holds no samples: 'skip' records it in `skipped`, 'error' throws. @default 'skip' */
  onBadFile?: BadFilePolicy;
  signal?: AbortSignal;
  /** `extract` events after each file, `skip` events for bad files. */
  onProgress?: ProgressCallback;
}

const KNOWN_KEYS = ['spec', 'onBadFile', 'signal', 'onProgress'];

interface ClipVisit {
  spec: AudioFeatureSpec;
  skipped: SkippedFile[];
  durationMs: number;
}

/**
 * Reads, decodes and prepares every item in order, calling `use` with its class id and prepared samples; bad files
 * are skipped or thrown by policy. The featurizer is built (and the spec checked) before any file is read.
 */
async function visitClips(
  dataset: Pick<AudioDataset, 'items' | 'classes'>,
  options: ExtractAudioFeaturesOptions,
  fixedLength: boolean,
  use: (featurizer: AudioFeaturizer, file: string, label: number, samples: Float32Array) => void,
): Promise<ClipVisit> {
  const { spec, onBadFile = 'skip', signal, onProgress } = options;
  if (onBadFile !== 'skip' && onBadFile !== 'error') throw invalidChoice('onBadFile', onBadFile, ['skip', 'error']);
  const started = performance.now();
  const featurizer = new AudioFeaturizer(spec);
  const skipped: SkippedFile[] = [];
  const total = dataset.items.length;
  for (let i = 0; i < total; i++) {
    throwIfAborted(signal);
    const item = dataset.items[i]!;
    try {
      const bytes = await readInputFile(item.path, 'audio');
      const audio = decodeWav(bytes, { name: item.path });
      if ((audio.samples[0]?.length ?? 0) === 0) {
        throw new HeadstartError('HS_AUDIO_UNREADABLE', `Cannot use ${item.path}: it holds no samples. Remove it, or pass --on-bad-file skip.`);
      }
      use(featurizer, item.path, dataset.classes.indexOf(item.label), featurizer.prepare(audio, fixedLength));
    } catch (err) {
      if (onBadFile === 'error' || !(err instanceof HeadstartError)) throw err;
      skipped.push({ file: item.path, reason: err.message });
      onProgress?.({ stage: 'skip', file: item.path, reason: err.message });
    }
    onProgress?.({ stage: 'extract', done: i + 1, total, cached: 0 });
  }
  return { spec: featurizer.spec, skipped, durationMs: performance.now() - started };
}

export interface ExtractMfccStatsResult {
  /** One row per usable file: the mean of each MFCC over the clip's frames, then each one's standard deviation. */
  features: FeatureSet;
  /** The resolved spec; store it with a model so prediction computes the same features. */
  spec: AudioFeatureSpec;
  skipped: SkippedFile[];
  durationMs: number;
}

/**
 * Clip-level MFCC statistics, a fixed-size vector per file for a head such as `trainHead(..., { kind: 'linear' })`:
 * the per-coefficient mean and (population) standard deviation of the MFCCs over the clip's frames, 2 * nMfcc
 * values. The clip is trimmed and cropped to `clipSeconds` but not padded, so padding silence does not dilute the
 * statistics of short clips.
 */
export async function extractMfccStats(dataset: Pick<AudioDataset, 'items' | 'classes'>, options: ExtractAudioFeaturesOptions = {}): Promise<ExtractMfccStatsResult> {
  rejectUnknownKeys('extractMfccStats', options, KNOWN_KEYS);
  const rows: number[][] = [];
  const files: string[] = [];
  const labels: number[] = [];
  const visit = await visitClips(dataset, options, false, (featurizer, file, label, samples) => {
    const { frames, dim, values } = featurizer.mfcc(samples);
    const row = new Array<number>(2 * dim).fill(0);
    for (let k = 0; k < dim; k++) {
      let sum = 0;
      for (let t = 0; t < frames; t++) sum += values[t * dim + k]!;
      const mean = sum / frames;
      let sq = 0;
      for (let t = 0; t < frames; t++) sq += (values[t * dim + k]! - mean) ** 2;
      row[k] = mean;
      row[dim + k] = Math.sqrt(sq / frames);
    }
    rows.push(row);
    files.push(file);
    labels.push(label);
  });
  const dim = 2 * visit.spec.nMfcc;
  const values = new Float32Array(rows.length * dim);
  rows.forEach((r, i) => values.set(r, i * dim));
  return {
    features: { values, dim, files, labels: Int32Array.from(labels), classes: [...dataset.classes] },
    spec: visit.spec,
    skipped: visit.skipped,
    durationMs: visit.durationMs,
  };
}

export interface ExtractLogMelImagesResult {
  /** One frames x nMels log-mel matrix per usable file, row-major (time along rows), all the same size. */
  images: Float32Array[];
  frames: number;
  nMels: number;
  files: string[];
  /** Class id of each image (index into `classes`). */
  labels: Int32Array;
  classes: string[];
  spec: AudioFeatureSpec;
  skipped: SkippedFile[];
  durationMs: number;
}

/**
 * Log-mel "images" for a convolutional model: each clip is trimmed, fitted to exactly `clipSeconds` (cropped or
 * zero-padded per `clipAlign`) and turned into a frames x nMels matrix, so every image has the same shape.
 */
export async function extractLogMelImages(
  dataset: Pick<AudioDataset, 'items' | 'classes'>,
  options: ExtractAudioFeaturesOptions = {},
): Promise<ExtractLogMelImagesResult> {
  rejectUnknownKeys('extractLogMelImages', options, KNOWN_KEYS);
  const images: Float32Array[] = [];
  const files: string[] = [];
  const labels: number[] = [];
  const visit = await visitClips(dataset, options, true, (featurizer, file, label, samples) => {
    images.push(featurizer.logMel(samples).values);
    files.push(file);
    labels.push(label);
  });
  const { spec } = visit;
  return {
    images,
    frames: frameCount(Math.round(spec.clipSeconds * spec.sampleRate), spec),
    nMels: spec.nMels,
    files,
    labels: Int32Array.from(labels),
    classes: [...dataset.classes],
    spec,
    skipped: visit.skipped,
    durationMs: visit.durationMs,
  };
}
