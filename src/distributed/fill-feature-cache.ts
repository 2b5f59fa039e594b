import { promises as fs } from 'node:fs';
import { HeadstartError, invalidOption, rejectUnknownKeys, sha256 } from '../core/index.js';
import type { ProgressCallback } from '../core/index.js';
import type { FeatureCache, SkippedFile } from '../data/index.js';
import type { Backbone } from '../zoo/index.js';
import { LocalWorkerPool } from './local-pool.js';
import { RedisShardQueue } from './redis-queue.js';
import { decodeFeatures, describeShardBackbone, planShards } from './shard-job.js';
import type { ShardFile, ShardResult } from './shard-job.js';
import type { ShardSource } from './shard-source.js';

/** How extraction is spread: over worker processes on this machine, or over a Redis queue. Give one of the two. */
export interface DistributeOptions {
  /** Worker processes on this machine, fed from an in-process queue (no Redis). */
  workers?: number;
  /** A Redis URL (redis://host:port): shards become BullMQ jobs that `headstart worker` processes anywhere run. */
  queue?: string;
  /** Images per shard. @default 256 */
  shardSize?: number;
}

export interface FillFeatureCacheOptions {
  /** Folder of the zoo local workers load the backbone from. */
  home: string;
  distribute: DistributeOptions;
  signal?: AbortSignal;
  onProgress?: ProgressCallback;
}

export interface ShardWorkerStats {
  shards: number;
  images: number;
  cpuMs: number;
}

export interface FillFeatureCacheResult {
  /** Where the shards ran: 'local: 3 worker processes' or the queue URL. */
  source: string;
  images: number;
  /** Images whose features were in the cache already. */
  cached: number;
  /** Feature vectors merged from the workers (one per distinct file content). */
  merged: number;
  shards: number;
  /** Results of shards merged before (a re-run or a duplicate delivery): ignored. */
  duplicateShards: number;
  skipped: SkippedFile[];
  /** Per worker (host:pid): shards, images and CPU time. */
  workers: Record<string, ShardWorkerStats>;
  /** Time from the first hash to the last merge. */
  durationMs: number;
  /** Time spent merging results into the cache (decode + SQLite). */
  mergeMs: number;
}

export const DISTRIBUTE_DEFAULTS = { shardSize: 256 } as const;
const HASH_CONCURRENCY = 16;

/** Checks a DistributeOptions value at the boundary, before any file is read. */
export function checkDistributeOptions(options: DistributeOptions): void {
  rejectUnknownKeys('distribute', options, ['workers', 'queue', 'shardSize']);
  if ((options.workers === undefined) === (options.queue === undefined)) {
    throw invalidOption('Expected exactly one of distribute.workers (processes on this machine) and distribute.queue (a Redis URL).');
  }
  if (options.workers !== undefined && (!Number.isInteger(options.workers) || options.workers < 1)) {
    throw invalidOption(`Expected workers to be a positive integer. Received: ${String(options.workers)}.`);
  }
  const shardSize = options.shardSize ?? DISTRIBUTE_DEFAULTS.shardSize;
  if (!Number.isInteger(shardSize) || shardSize < 1) throw invalidOption(`Expected shardSize to be a positive integer. Received: ${String(shardSize)}.`);
}

/** Content hashes of the files, read in parallel; a file that cannot be read is skipped (the extraction reports it). */
async function hashFiles(paths: readonly string[]): Promise<(string | undefined)[]> {
  const hashes: (string | undefined)[] = new Array(paths.length);
  let next = 0;
  const lane = async () => {
    for (let i = next++; i < paths.length; i = next++) {
      hashes[i] = await fs.readFile(paths[i] as string).then(sha256, () => undefined);
    }
  };
  await Promise.all(Array.from({ length: HASH_CONCURRENCY }, lane));
  return hashes;
}

/**
 * Fills the feature cache for `items` by sharding the images it misses over worker processes or a Redis queue, and
 * merging each shard's features as it arrives. Afterwards `extractFeatures` with the same cache finds every image
 * (the one extraction path, now all cache hits). Merging is idempotent: a shard delivered twice is merged once, and
 * what was merged stays merged when a later shard fails.
 */
export async function fillFeatureCache(
  backbone: Backbone,
  items: readonly { path: string }[],
  cache: FeatureCache,
  options: FillFeatureCacheOptions,
): Promise<FillFeatureCacheResult> {
  const { distribute, signal, onProgress } = options;
  checkDistributeOptions(distribute);
  const started = performance.now();
  const paths = items.map((i) => i.path);
  const hashes = await hashFiles(paths);
  const known = cache.getMany(backbone.featureKey, hashes.filter((h): h is string => h !== undefined));
  const misses = new Map<string, ShardFile>();
  paths.forEach((p, i) => {
    const hash = hashes[i];
    if (hash !== undefined && !known.has(hash) && !misses.has(hash)) misses.set(hash, { path: p, contentHash: hash });
  });
  const cached = paths.filter((_, i) => known.has(hashes[i] ?? '')).length;
  const jobs = planShards([...misses.values()], describeShardBackbone(backbone), distribute.shardSize ?? DISTRIBUTE_DEFAULTS.shardSize);

  const merged = new Set<string>();
  const workers: Record<string, ShardWorkerStats> = {};
  const skipped: SkippedFile[] = [];
  let vectors = 0;
  let duplicateShards = 0;
  let mergeMs = 0;
  let workerCount = 0;
  const onResult = (result: ShardResult) => {
    if (merged.has(result.shardId)) {
      duplicateShards++;
      return;
    }
    const t = performance.now();
    cache.putMany(backbone.featureKey, result.entries.map((e) => ({ contentHash: e.contentHash, values: decodeFeatures(e.values) })));
    mergeMs += performance.now() - t;
    merged.add(result.shardId);
    vectors += result.entries.length;
    const stats = (workers[result.worker] ??= { shards: 0, images: 0, cpuMs: 0 });
    stats.shards++;
    stats.images += result.entries.length;
    stats.cpuMs += result.cpuMs;
    for (const s of result.skipped) {
      skipped.push(s);
      onProgress?.({ stage: 'skip', file: s.file, reason: s.reason });
    }
    onProgress?.({ stage: 'shard', done: merged.size, total: jobs.length, images: vectors, workers: workerCount });
  };

  let source: ShardSource | undefined;
  try {
    if (jobs.length > 0) {
      source = distribute.queue !== undefined ? await RedisShardQueue.connect(distribute.queue) : new LocalWorkerPool(distribute.workers ?? 1, options.home);
      onProgress?.({ stage: 'shard', done: 0, total: jobs.length, images: 0, workers: 0 });
      await source.run(jobs, { onResult, onWorkers: (n) => (workerCount = n), ...(signal ? { signal } : {}) });
    }
  } catch (err) {
    if (err instanceof HeadstartError) {
      err.message += ` (${merged.size} of ${jobs.length} shards, ${vectors} images, were merged into ${cache.path} before this and stay there.)`;
    }
    throw err;
  } finally {
    await source?.close();
  }
  return {
    source: source?.description ?? (distribute.queue ?? `local: ${distribute.workers ?? 1} worker processes`),
    images: paths.length,
    cached,
    merged: vectors,
    shards: jobs.length,
    duplicateShards,
    skipped,
    workers,
    durationMs: performance.now() - started,
    mergeMs,
  };
}
