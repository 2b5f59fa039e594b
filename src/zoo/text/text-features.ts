import { invalidOption, rejectUnknownKeys, sha256, throwIfAborted } from '../../core/index.js';
import type { ProgressCallback } from '../../core/index.js';
import type { FeatureCache, FeatureSet, TextDataset } from '../../data/index.js';
import type { TextBackbone } from './text-backbone.js';

export interface TextFeaturesOptions {
  /** Reuse and store sentence vectors here, keyed by the backbone's featureKey and the SHA-256 of each text. */
  cache?: FeatureCache;
  /** Texts per embed call. @default 256 */
  batchSize?: number;
  signal?: AbortSignal;
  onProgress?: ProgressCallback;
}

export interface TextFeaturesResult {
  /** One row per item; `files[i]` is `<file>:<line>` of item i. */
  features: FeatureSet;
  /** Share of the dataset's word tokens the backbone did not know (over all items, cached or not). */
  oovRate: number;
  /** Texts run through the backbone in this call (the rest came from the cache). */
  extracted: number;
  cached: number;
  durationMs: number;
}

const KNOWN_OPTIONS = ['cache', 'batchSize', 'signal', 'onProgress'];

/** The row id of a text item in a FeatureSet: where it came from, so rows can be selected and reported. */
export function textRowId(item: { file: string; line: number }): string {
  return `${item.file}:${item.line}`;
}

/**
 * Texts in, sentence vectors out, as a FeatureSet every head trains on. Each text is looked up in the cache by the
 * SHA-256 of its characters, so a sentence repeated or moved to another file is embedded once.
 */
export async function textFeatures(
  dataset: Pick<TextDataset, 'items' | 'classes'>,
  backbone: TextBackbone,
  options: TextFeaturesOptions = {},
): Promise<TextFeaturesResult> {
  rejectUnknownKeys('textFeatures', options, KNOWN_OPTIONS);
  const { cache, batchSize = 256, signal, onProgress } = options;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw invalidOption(`Expected batchSize to be a positive integer. Received: ${String(batchSize)}.`);
  const started = performance.now();
  const { dim } = backbone;
  const total = dataset.items.length;
  const values = new Float32Array(total * dim);
  let extracted = 0;
  let cached = 0;
  let tokens = 0;
  let unknown = 0;
  for (let start = 0; start < total; start += batchSize) {
    throwIfAborted(signal);
    const items = dataset.items.slice(start, start + batchSize);
    const texts = items.map((item) => item.text);
    const hashes = texts.map((t) => sha256(t));
    const hits = cache ? cache.getMany(backbone.featureKey, hashes) : new Map<string, Float32Array>();
    const misses = items.flatMap((_, i) => (hits.has(hashes[i] as string) ? [] : [i]));
    const counted = backbone.countUnknown(texts);
    tokens += counted.tokens;
    unknown += counted.unknown;
    if (misses.length > 0) {
      const out = await backbone.embed(misses.map((i) => texts[i] as string));
      const entries = misses.map((i, row) => ({ contentHash: hashes[i] as string, values: out.values.slice(row * dim, (row + 1) * dim) }));
      for (const e of entries) hits.set(e.contentHash, e.values);
      cache?.putMany(backbone.featureKey, entries);
      extracted += misses.length;
    }
    cached += items.length - misses.length;
    items.forEach((_, i) => values.set(hits.get(hashes[i] as string) as Float32Array, (start + i) * dim));
    onProgress?.({ stage: 'extract', done: Math.min(start + batchSize, total), total, cached });
  }
  return {
    features: {
      values,
      dim,
      files: dataset.items.map(textRowId),
      labels: Int32Array.from(dataset.items, (item) => dataset.classes.indexOf(item.label)),
      classes: [...dataset.classes],
    },
    oovRate: tokens > 0 ? unknown / tokens : 0,
    extracted,
    cached,
    durationMs: performance.now() - started,
  };
}
