import type { ShardJob, ShardResult } from './shard-job.js';

/** Where shards run: local processes or a Redis queue. Both hand every result to `onResult`, possibly twice. */
export interface ShardSource {
  /** Human-readable, for progress and results: 'local: 3 workers', 'redis://host:6379'. */
  readonly description: string;
  /**
   * Runs every job and resolves once each has a result handed to `onResult` (which merges it; it may be called again
   * for a shard delivered twice). Rejects with the first shard that failed on every attempt.
   */
  run(jobs: readonly ShardJob[], handlers: ShardHandlers): Promise<void>;
  close(): Promise<void>;
}

export interface ShardHandlers {
  onResult(result: ShardResult): void;
  /** Workers seen so far, for progress. */
  onWorkers?(count: number): void;
  signal?: AbortSignal;
}
