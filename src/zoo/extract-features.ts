import { HeadstartError, invalidOption, readInputFile, rejectUnknownKeys, sha256, throwIfAborted } from '../core/index.js';
import type { ProgressCallback } from '../core/index.js';
import { decodeImage } from '../data/index.js';
import type { BadFilePolicy, FeatureCache, FeatureSet, ImageDataset, LabeledItem, SkippedFile } from '../data/index.js';
import type { Backbone } from './backbone.js';

/** What extraction needs of a feature store: a {@link FeatureCache}, or a recorder that keeps what was computed. */
export type FeatureStore = Pick<FeatureCache, 'getMany' | 'putMany'>;

export interface ExtractFeaturesOptions {
  /** Images per engine call; the pixels of two batches (the one running, the next decoding) are held in memory. @default 16 */
  batchSize?: number;
  /** Reuse and store features here. Without a cache every image is run through the backbone. */
  cache?: FeatureStore;
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

type Decoded = { ok: true } | { ok: false; error: unknown };

/** One batch read, hashed and looked up in the cache, with the images it misses decoding into one buffer. */
interface PreparedBatch {
  items: LabeledItem[];
  /** Content hash of each item, '' when the file could not be read. */
  hashes: string[];
  readErrors: (HeadstartError | undefined)[];
  hits: Map<string, Float32Array>;
  /** Items not in the cache, in order: the j-th decodes into `pixels` at j * imageSize. */
  misses: number[];
  pixels: Float32Array;
  /** Settles, never rejects, once every miss has decoded or failed to. */
  decoded: Promise<Decoded[]>;
}

/**
 * Reads, hashes and looks up a batch, then starts decoding its misses without waiting for them: sharp decodes on
 * libuv threads, so they progress while the engine (which holds the JS thread during a run) works on another batch.
 */
async function prepareBatch(items: LabeledItem[], backbone: Backbone, cache: FeatureStore | undefined): Promise<PreparedBatch> {
  const bytes = await Promise.all(
    items.map((item) =>
      readInputFile(item.path, 'image').catch((err: unknown) =>
        err instanceof HeadstartError ? err : new HeadstartError('HS_FILE_NOT_FOUND', `Cannot read ${item.path}: ${(err as Error).message}.`, { cause: err }),
      ),
    ),
  );
  const readErrors = bytes.map((b) => (b instanceof HeadstartError ? b : undefined));
  const hashes = bytes.map((b) => (b instanceof HeadstartError ? '' : sha256(b)));
  const hits = cache ? cache.getMany(backbone.featureKey, hashes.filter(Boolean)) : new Map<string, Float32Array>();
  const misses = items.flatMap((_, i) => (readErrors[i] || hits.has(hashes[i] ?? '') ? [] : [i]));
  const imageSize = backbone.input.height * backbone.input.width * 3;
  const pixels = new Float32Array(misses.length * imageSize);
  const decoded = Promise.all(
    misses.map(async (i, j): Promise<Decoded> => {
      const item = items[i] as LabeledItem;
      try {
        pixels.set(await decodeImage(bytes[i] as Buffer, item.path, backbone.input), j * imageSize);
        return { ok: true };
      } catch (error) {
        return { ok: false, error };
      }
    }),
  );
  return { items, hashes, readErrors, hits, misses, pixels, decoded };
}

/**
 * Files in, feature vectors out: reads, hashes, looks up the cache, decodes and runs only what is missing. Pipelined:
 * the next batch is read and decoded while the engine runs this one, so at most two batches of pixels are in memory.
 */
export async function extractFeatures(
  backbone: Backbone,
  dataset: Pick<ImageDataset, 'items' | 'classes'>,
  options: ExtractFeaturesOptions = {},
): Promise<ExtractFeaturesResult> {
  rejectUnknownKeys('extractFeatures', options, KNOWN_OPTIONS);
  const { batchSize = 16, cache, onBadFile = 'skip', signal, onProgress } = options;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw invalidOption(`Expected batchSize to be a positive integer. Received: ${String(batchSize)}.`);
  const started = performance.now();
  const { dim } = backbone.extractor;
  const imageSize = backbone.input.height * backbone.input.width * 3;
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
  const prepare = (start: number) => {
    const batch = prepareBatch(dataset.items.slice(start, start + batchSize), backbone, cache);
    batch.catch(() => undefined); // if the run stops first, a failed prefetch must not surface as an unhandled rejection
    return batch;
  };

  let upcoming = total > 0 ? prepare(0) : undefined;
  for (let start = 0; upcoming; start += batchSize) {
    throwIfAborted(signal);
    const batch = await upcoming;
    // Start on the next batch before this one runs: its reads and decodes proceed while the engine holds the thread.
    upcoming = start + batchSize < total ? prepare(start + batchSize) : undefined;
    const decoded = await batch.decoded;
    // onnxruntime's run blocks the main thread, so the next batch's reads must have finished and its decodes must be
    // in flight on sharp's threads before this batch runs; otherwise they would only start once it has finished.
    if (upcoming) await Promise.allSettled([upcoming]);

    // In item order: report bad files, and pack the pixels of the good misses to the front of the buffer.
    const good: number[] = [];
    let j = 0;
    batch.items.forEach((item, i) => {
      const readError = batch.readErrors[i];
      if (readError) return skip(item.path, readError);
      if (batch.misses[j] !== i) return; // a cache hit
      const result = decoded[j++];
      if (result && !result.ok) return skip(item.path, result.error);
      if (good.length !== j - 1) batch.pixels.copyWithin(good.length * imageSize, (j - 1) * imageSize, j * imageSize);
      good.push(i);
    });

    const fresh = new Map<number, Float32Array>();
    if (good.length > 0) {
      const out = await backbone.extractor.extract(batch.pixels.subarray(0, good.length * imageSize), good.length);
      const entries = good.map((i, row) => {
        const values = out.slice(row * dim, (row + 1) * dim);
        fresh.set(i, values);
        return { contentHash: batch.hashes[i] ?? '', values };
      });
      cache?.putMany(backbone.featureKey, entries);
      extracted += good.length;
    }
    batch.items.forEach((item, i) => {
      const values = fresh.get(i) ?? batch.hits.get(batch.hashes[i] ?? '');
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
