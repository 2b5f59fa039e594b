import { HeadstartError, invalidOption, rejectUnknownKeys } from '../core/index.js';
import { loadImageDataset } from '../data/index.js';
import type { FeatureCache, ImageDataset, SkippedFile } from '../data/index.js';
import { checkDistributeOptions, checkQueueReachable, fillFeatureCache } from '../distributed/index.js';
import type { DistributeOptions, FillFeatureCacheResult } from '../distributed/index.js';
import type { Pooling } from '../engines/index.js';
import { extractFeatures, loadBackbone } from '../zoo/index.js';
import type { Backbone, ExtractFeaturesOptions, ExtractFeaturesResult } from '../zoo/index.js';
import { openFeatureCache, resolveHome, WORKFLOW_OPTION_KEYS } from './shared-options.js';
import type { WorkflowOptions } from './shared-options.js';

/** The option train, evaluateModel and rankBackbones take to spread their extraction over workers. */
export interface DistributedExtractionOptions {
  /** Extract on worker processes (`{ workers: N }`) or over a Redis queue (`{ queue: 'redis://host:port' }`). @default one process */
  distribute?: DistributeOptions;
}

export interface ExtractDatasetOptions extends WorkflowOptions, DistributedExtractionOptions {
  /** Image folder (one sub-folder per class) or CSV/JSONL manifest. */
  data: string;
  /** Zoo id of the backbone. @default 'mobilenet-v1-imagenet' */
  backbone?: string;
  /** @default the backbone card's defaultCut */
  cut?: string;
  /** @default the backbone card's defaultPooling */
  pooling?: Pooling;
}

export interface ExtractDatasetResult {
  data: string;
  backbone: { id: string; cut: string; pooling: Pooling; dim: number; weightsSha256: string };
  /** The feature cache filled. */
  cachePath: string;
  images: number;
  /** Images run through the backbone in this call. */
  extracted: number;
  /** Images whose features were cached before. */
  cached: number;
  skipped: SkippedFile[];
  durationMs: number;
  imagesPerSecond: number;
  /** Shards, workers, merge time: present when `distribute` was given. */
  distributed?: FillFeatureCacheResult;
}

export const EXTRACT_DATASET_DEFAULTS = { backbone: 'mobilenet-v1-imagenet' } as const;
const KNOWN_OPTIONS = [...WORKFLOW_OPTION_KEYS, 'data', 'backbone', 'cut', 'pooling', 'distribute'];

/** Checks `distribute` against the other options, before any heavy work. */
export function checkDistributedExtraction(options: WorkflowOptions & DistributedExtractionOptions): void {
  if (options.distribute === undefined) return;
  checkDistributeOptions(options.distribute);
  if (options.cache === false) throw invalidOption('distribute merges the workers\' features into the feature cache: it needs the cache. Drop cache: false (--no-cache).');
  if (options.engine !== undefined) throw invalidOption('distribute runs the backbone on workers with their default engine: an engine object cannot travel to them. Drop engine, or drop distribute.');
}

/**
 * The one extraction path, optionally spread out: with `distribute`, the images the cache misses are first extracted
 * in shards on workers and merged into `cache`; then `extractFeatures` runs as in a single process and finds them all.
 */
export async function extractFeaturesDistributed(
  backbone: Backbone,
  dataset: Pick<ImageDataset, 'items' | 'classes'>,
  options: Omit<ExtractFeaturesOptions, 'cache'> & { cache: FeatureCache | undefined; distribute: DistributeOptions | undefined; home: string },
): Promise<ExtractFeaturesResult & { distributed?: FillFeatureCacheResult }> {
  const { distribute, home, ...extractOptions } = options;
  if (distribute === undefined) return extractFeatures(backbone, dataset, extractOptions);
  if (!extractOptions.cache) throw invalidOption('distribute needs the feature cache to merge into. Drop cache: false (--no-cache).');
  const distributed = await fillFeatureCache(backbone, dataset.items, extractOptions.cache, {
    home,
    distribute,
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  });
  const result = await extractFeatures(backbone, dataset, extractOptions);
  // A file that vanished after hashing is reported by its shard and again by the final pass: list it once.
  const reported = new Set(result.skipped.map((s) => s.file));
  const skipped = [...result.skipped, ...distributed.skipped.filter((s) => !reported.has(s.file))];
  return { ...result, skipped, extracted: distributed.merged, cached: result.cached - distributed.merged, distributed };
}

/**
 * Fills the feature cache with a backbone's features of every image in `data`, in this process or spread over workers,
 * and reports how many were computed and how fast. train, eval and rank then find them in the cache.
 */
export async function extractDataset(options: ExtractDatasetOptions): Promise<ExtractDatasetResult> {
  rejectUnknownKeys('extractDataset', options, KNOWN_OPTIONS);
  if (!options.data) throw invalidOption('extractDataset needs data: an image folder or a manifest.');
  if (options.cache === false) throw invalidOption('extract fills the feature cache; with cache: false (--no-cache) nothing would be kept. Drop it.');
  checkDistributedExtraction(options);
  if (options.distribute?.queue !== undefined) await checkQueueReachable(options.distribute.queue);
  const started = performance.now();
  const onBadFile = options.onBadFile ?? 'skip';
  const dataset = await loadImageDataset(options.data, { onBadFile, allowSingleClass: true });
  const home = resolveHome(options);
  const backbone = await loadBackbone(options.backbone ?? EXTRACT_DATASET_DEFAULTS.backbone, {
    cut: options.cut,
    pooling: options.pooling,
    engine: options.engine,
    home,
    onProgress: options.onProgress,
  });
  const cache = openFeatureCache(options);
  if (!cache) throw new HeadstartError('HS_CACHE_FAILED', 'extract needs the feature cache.');
  try {
    const result = await extractFeaturesDistributed(backbone, dataset, {
      cache,
      distribute: options.distribute,
      home,
      onBadFile,
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    });
    const durationMs = performance.now() - started;
    return {
      data: options.data,
      backbone: { id: backbone.card.id, cut: backbone.cut, pooling: backbone.pooling, dim: backbone.extractor.dim, weightsSha256: backbone.weightsSha256 },
      cachePath: cache.path,
      images: dataset.items.length,
      extracted: result.extracted,
      cached: result.cached,
      skipped: [...dataset.skipped, ...result.skipped],
      durationMs,
      imagesPerSecond: result.extracted / (durationMs / 1000),
      ...(result.distributed ? { distributed: result.distributed } : {}),
    };
  } finally {
    cache.close();
    backbone.dispose();
  }
}
