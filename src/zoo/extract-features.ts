import { promises as fs } from 'node:fs';
import { HeadstartError, rejectUnknownKeys, sha256, throwIfAborted } from '../core/index.js';
import type { ProgressCallback } from '../core/index.js';
import { decodeImage } from '../data/index.js';
import type { BadFilePolicy, FeatureCache, FeatureSet, ImageDataset, SkippedFile } from '../data/index.js';
import type { Backbone } from './backbone.js';

export interface ExtractFeaturesOptions {
  /** Images per engine call; the decoded pixels of one batch are all that is held in memory. @default 16 */
  batchSize?: number;
  /** Reuse and store features here. Without a cache every image is run through the backbone. */
  cache?: FeatureCache;
  /** @default 'skip' */
  onBadFile?: BadFilePolicy;
  signal?: AbortSignal;
  onProgress?: ProgressCallback;
}

export interface ExtractFeaturesResult {
  features: FeatureSet;
  skipped: SkippedFile[];
  /** Images run through the backbone in this call (the rest came from the cache). */
  extracted: number;
  cached: number;
  durationMs: number;
}

const KNOWN_OPTIONS = ['batchSize', 'cache', 'onBadFile', 'signal', 'onProgress'];

/** Files in, feature vectors out: reads, hashes, looks up the cache, decodes and runs only what is missing. */
export async function extractFeatures(
  backbone: Backbone,
  dataset: Pick<ImageDataset, 'items' | 'classes'>,
  options: ExtractFeaturesOptions = {},
): Promise<ExtractFeaturesResult> {
  rejectUnknownKeys('extractFeatures', options, KNOWN_OPTIONS);
  const { batchSize = 16, cache, onBadFile = 'skip', signal, onProgress } = options;
  const started = performance.now();
  const { dim } = backbone.extractor;
  const { height, width } = backbone.input;
  const total = dataset.items.length;
  const rows: { file: string; label: number; values: Float32Array }[] = [];
  const skipped: SkippedFile[] = [];
  let extracted = 0;
  let cached = 0;

  const skip = (file: string, err: unknown) => {
    if (onBadFile === 'error' || !(err instanceof HeadstartError)) throw err;
    skipped.push({ file, reason: err.message });
    onProgress?.({ stage: 'skip', file, reason: err.message });
  };

  for (let start = 0; start < total; start += batchSize) {
    throwIfAborted(signal);
    const chunk = dataset.items.slice(start, start + batchSize);
    const bytes = await Promise.all(
      chunk.map((item) =>
        fs.readFile(item.path).catch((err: unknown) => {
          skip(item.path, new HeadstartError('HS_FILE_NOT_FOUND', `Cannot read ${item.path}: ${(err as Error).message}.`, { cause: err }));
          return undefined;
        }),
      ),
    );
    const hashes = bytes.map((b) => (b ? sha256(b) : ''));
    const hits = cache ? cache.getMany(backbone.featureKey, hashes.filter(Boolean)) : new Map<string, Float32Array>();

    const misses: { index: number; pixels: Float32Array }[] = [];
    for (let i = 0; i < chunk.length; i++) {
      const b = bytes[i];
      const item = chunk[i];
      if (!b || !item || hits.has(hashes[i] ?? '')) continue;
      try {
        misses.push({ index: i, pixels: await decodeImage(b, item.path, backbone.input) });
      } catch (err) {
        skip(item.path, err);
      }
    }
    const fresh = new Map<number, Float32Array>();
    if (misses.length > 0) {
      const pixels = new Float32Array(misses.length * height * width * 3);
      misses.forEach((m, j) => pixels.set(m.pixels, j * height * width * 3));
      const out = await backbone.extractor.extract(pixels, misses.length);
      const entries = misses.map((m, j) => {
        const values = out.slice(j * dim, (j + 1) * dim);
        fresh.set(m.index, values);
        return { contentHash: hashes[m.index] ?? '', values };
      });
      cache?.putMany(backbone.featureKey, entries);
      extracted += misses.length;
    }
    chunk.forEach((item, i) => {
      const values = fresh.get(i) ?? hits.get(hashes[i] ?? '');
      if (!values) return;
      if (!fresh.has(i)) cached++;
      rows.push({ file: item.path, label: dataset.classes.indexOf(item.label), values });
    });
    onProgress?.({ stage: 'extract', done: Math.min(start + batchSize, total), total, cached });
  }

  const values = new Float32Array(rows.length * dim);
  rows.forEach((r, i) => values.set(r.values, i * dim));
  return {
    features: { values, dim, files: rows.map((r) => r.file), labels: Int32Array.from(rows.map((r) => r.label)), classes: [...dataset.classes] },
    skipped,
    extracted,
    cached,
    durationMs: performance.now() - started,
  };
}
