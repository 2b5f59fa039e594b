import { Queue, Worker } from 'bullmq';
import type { Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { HeadstartError, throwIfAborted } from '../core/index.js';
import { connectRedis, onConnectionLost } from './redis-connection.js';
import type { ShardJob, ShardResult } from './shard-job.js';
import type { ShardHandlers, ShardSource } from './shard-source.js';

/** The BullMQ queue every coordinator adds shards to and every `headstart worker` takes them from. */
export const EXTRACT_QUEUE_NAME = 'headstart-extract';
/** Attempts per shard; between them BullMQ waits 1 s, 2 s, 4 s, ... (exponential backoff). */
const SHARD_ATTEMPTS = 5;
const BACKOFF_DELAY_MS = 1000;
/** How often the coordinator collects finished shards. */
const POLL_INTERVAL_MS = 200;
const COLLECT_BATCH = 100;

/**
 * Shards as BullMQ jobs on Redis. The job id is the shard id, so adding a shard that is already queued adds nothing;
 * finished shards are collected from the completed list, handed to `onResult` and removed from Redis.
 */
export class RedisShardQueue implements ShardSource {
  readonly description: string;
  private readonly queue: Queue<ShardJob, ShardResult>;
  private readonly redis: Redis;
  private readonly url: string;

  private constructor(url: string, redis: Redis) {
    this.url = url;
    this.redis = redis;
    this.queue = new Queue<ShardJob, ShardResult>(EXTRACT_QUEUE_NAME, { connection: redis });
    this.description = url;
  }

  /** @throws HeadstartError `HS_QUEUE_UNREACHABLE` within a few seconds when nothing answers at `url`. */
  static async connect(url: string): Promise<RedisShardQueue> {
    return new RedisShardQueue(url, await connectRedis(url));
  }

  async run(jobs: readonly ShardJob[], handlers: ShardHandlers): Promise<void> {
    throwIfAborted(handlers.signal);
    const outstanding = new Set(jobs.map((j) => j.shardId));
    let lost: HeadstartError | undefined;
    const stopListening = onConnectionLost(this.redis, this.url, (err) => (lost = err));
    try {
      // A shard that failed for good in an earlier run keeps its id in Redis and would block its re-adding: clear it.
      for (const job of await this.queue.getFailed()) if (outstanding.has(job.id ?? '')) await job.remove();
      await this.queue.addBulk(
        jobs.map((job) => ({
          name: 'extract',
          data: job,
          opts: { jobId: job.shardId, attempts: SHARD_ATTEMPTS, backoff: { type: 'exponential', delay: BACKOFF_DELAY_MS } },
        })),
      );
      let polls = 0;
      while (outstanding.size > 0) {
        if (lost) throw lost;
        throwIfAborted(handlers.signal);
        const completed = await this.queue.getCompleted(0, COLLECT_BATCH - 1);
        for (const job of completed) {
          if (!outstanding.has(job.id ?? '')) continue; // another coordinator's shard
          handlers.onResult(job.returnvalue);
          outstanding.delete(job.id ?? '');
          await job.remove();
        }
        await this.throwIfFailed(outstanding);
        if (polls++ % 5 === 0) handlers.onWorkers?.(await this.queue.getWorkersCount());
        if (completed.length < COLLECT_BATCH) await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
      }
    } finally {
      stopListening();
    }
  }

  private async throwIfFailed(outstanding: ReadonlySet<string>): Promise<void> {
    const failed = (await this.queue.getFailed(0, COLLECT_BATCH - 1)).filter((j) => outstanding.has(j.id ?? ''));
    const first = failed[0];
    if (!first) return;
    const code = first.failedReason.startsWith('HS_WORKER_MISMATCH') ? 'HS_WORKER_MISMATCH' : 'HS_SHARD_FAILED';
    const files = first.data.files;
    throw new HeadstartError(
      code,
      `Shard ${first.id ?? '?'} (${files[0]?.path ?? 'no files'} and ${files.length - 1} more) failed on all ${first.attemptsMade} attempts: ${first.failedReason}`,
    );
  }

  async close(): Promise<void> {
    await this.queue.close();
    this.redis.disconnect();
  }
}

export interface RunQueueWorkerOptions {
  /** Redis URL of the queue, e.g. redis://localhost:6379. */
  queue: string;
  /** Runs one shard; resolves to its result. */
  runShard(job: ShardJob): Promise<ShardResult>;
  /** A shard's lock lasts this long without renewal; a worker that dies loses its shard after it. @default 30000 */
  lockDurationMs?: number;
  /** How often workers look for shards whose worker died (stalled jobs). @default 30000 */
  stalledIntervalMs?: number;
  onShardStart?(job: ShardJob): void;
  onShardEnd?(result: ShardResult): void;
  signal?: AbortSignal;
}

/**
 * Takes shards from the queue one at a time until `signal` aborts. A shard this worker cannot run because its
 * version or backbone differs (HS_WORKER_MISMATCH) goes back to the queue for another worker, and this worker stops
 * with that error.
 */
export async function runQueueWorker(options: RunQueueWorkerOptions): Promise<{ shards: number; images: number }> {
  const redis = await connectRedis(options.queue);
  let shards = 0;
  let images = 0;
  let stopWith: unknown;
  let stop: () => void = () => undefined;
  const stopped = new Promise<void>((resolve) => (stop = resolve));
  const worker = new Worker<ShardJob, ShardResult>(
    EXTRACT_QUEUE_NAME,
    async (job: Job<ShardJob, ShardResult>) => {
      options.onShardStart?.(job.data);
      try {
        const result = await options.runShard(job.data);
        shards++;
        images += result.entries.length;
        options.onShardEnd?.(result);
        return result;
      } catch (err) {
        if ((err as HeadstartError).code === 'HS_WORKER_MISMATCH') {
          stopWith = err;
          stop();
          throw new Error(`HS_WORKER_MISMATCH: ${(err as Error).message}`);
        }
        throw err;
      }
    },
    {
      connection: redis,
      concurrency: 1,
      lockDuration: options.lockDurationMs ?? 30000,
      stalledInterval: options.stalledIntervalMs ?? 30000,
      // A shard may stall a few times (its workers killed) before it counts as failed.
      maxStalledCount: SHARD_ATTEMPTS,
    },
  );
  worker.on('error', () => undefined); // connection errors are retried; giving up is reported through onConnectionLost
  const stopListening = onConnectionLost(redis, options.queue, (err) => {
    stopWith = err;
    stop();
  });
  options.signal?.addEventListener('abort', stop, { once: true });
  if (options.signal?.aborted) stop();
  await stopped;
  stopListening();
  options.signal?.removeEventListener('abort', stop);
  await worker.close().catch(() => undefined);
  redis.disconnect();
  if (stopWith) throw stopWith;
  return { shards, images };
}
