import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { HeadstartError, throwIfAborted } from '../core/index.js';
import type { ShardJob, ShardResult } from './shard-job.js';
import type { ShardHandlers, ShardSource } from './shard-source.js';

export type ParentMessage = { type: 'init'; home: string } | { type: 'shard'; job: ShardJob };
export type LocalWorkerMessage =
  | { type: 'result'; result: ShardResult }
  | { type: 'error'; shardId: string; code: string | undefined; message: string };

/** Attempts per shard: a worker that dies or throws on a shard gets it retried by another, up to this many times. */
const MAX_ATTEMPTS = 3;
const WORKER_ENTRY = fileURLToPath(new URL('./worker-process.js', import.meta.url));

interface Slot {
  child: ChildProcess;
  job: ShardJob | undefined;
}

/**
 * N worker processes on this machine fed from an in-process queue (no Redis): each is a fork of the same worker
 * entry, takes one shard at a time over IPC and sends its features back. A process that dies mid-shard is replaced
 * and its shard goes back to the queue.
 */
export class LocalWorkerPool implements ShardSource {
  readonly description: string;
  private readonly workers: number;
  private readonly home: string;
  private readonly slots = new Set<Slot>();

  constructor(workers: number, home: string) {
    this.workers = workers;
    this.home = home;
    this.description = `local: ${workers} worker process${workers === 1 ? '' : 'es'}`;
  }

  run(jobs: readonly ShardJob[], handlers: ShardHandlers): Promise<void> {
    const pending = [...jobs];
    const attempts = new Map<string, number>();
    let open = jobs.length;
    // Processes that die without a shard (a broken install) must not be replaced forever.
    let restartsLeft = this.workers * MAX_ATTEMPTS;
    return new Promise<void>((resolve, reject) => {
      let failed = false;
      const fail = (err: unknown) => {
        if (failed) return;
        failed = true;
        void this.close();
        reject(err);
      };
      const onAbort = () => fail(new HeadstartError('HS_ABORTED', 'The operation was aborted.', { cause: handlers.signal?.reason }));
      try {
        throwIfAborted(handlers.signal);
      } catch (err) {
        reject(err);
        return;
      }
      handlers.signal?.addEventListener('abort', onAbort, { once: true });
      const finish = () => {
        handlers.signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      if (open === 0) return finish();

      const retry = (job: ShardJob, reason: string) => {
        const n = (attempts.get(job.shardId) ?? 1) + 1;
        if (n > MAX_ATTEMPTS) return fail(new HeadstartError('HS_SHARD_FAILED', `Shard ${job.shardId} (${job.files[0]?.path ?? 'empty'} and ${job.files.length - 1} more) failed ${MAX_ATTEMPTS} times; last: ${reason}.`));
        attempts.set(job.shardId, n);
        pending.push(job);
      };
      const feed = (slot: Slot) => {
        const job = pending.shift();
        slot.job = job;
        if (job) slot.child.send({ type: 'shard', job } satisfies ParentMessage);
      };
      const start = () => {
        const child = fork(WORKER_ENTRY, [], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'], serialization: 'advanced' });
        const slot: Slot = { child, job: undefined };
        this.slots.add(slot);
        child.on('message', (message: LocalWorkerMessage) => {
          if (failed) return;
          if (message.type === 'result') {
            handlers.onResult(message.result);
            open--;
            if (open === 0) return finish();
          } else if (message.code === 'HS_WORKER_MISMATCH') {
            return fail(new HeadstartError('HS_WORKER_MISMATCH', message.message));
          } else if (slot.job) {
            retry(slot.job, message.message);
          }
          feed(slot);
          // A retried shard may wait in the queue while other workers sit idle: wake them.
          for (const other of this.slots) if (!other.job && pending.length > 0) feed(other);
        });
        child.on('exit', (code, signal) => {
          this.slots.delete(slot);
          if (failed || open === 0) return;
          const reason = `worker process ${child.pid ?? '?'} exited (${signal ?? `code ${String(code)}`})`;
          if (slot.job) retry(slot.job, `${reason} while extracting it`);
          if (failed) return;
          if (restartsLeft-- > 0) start();
          else fail(new HeadstartError('HS_SHARD_FAILED', `Worker processes keep exiting; last: ${reason}. Run without --workers to see the error.`));
        });
        child.send({ type: 'init', home: this.home } satisfies ParentMessage);
        feed(slot);
      };
      for (let i = 0; i < Math.min(this.workers, jobs.length); i++) start();
      handlers.onWorkers?.(Math.min(this.workers, jobs.length));
    });
  }

  async close(): Promise<void> {
    for (const slot of this.slots) if (slot.child.connected) slot.child.disconnect();
    this.slots.clear();
  }
}
