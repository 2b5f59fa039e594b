/**
 * The entry of a local worker process (`--workers N`), forked by the local pool: it runs the shards the parent sends
 * over IPC with a {@link ShardRunner} and sends each result back. It ends when the parent disconnects.
 */
import { ShardRunner } from './shard-runner.js';
import type { LocalWorkerMessage, ParentMessage } from './local-pool.js';

let runner: ShardRunner | undefined;

function send(message: LocalWorkerMessage): void {
  process.send?.(message);
}

process.on('message', (message: ParentMessage) => {
  if (message.type === 'init') {
    runner = new ShardRunner(message.home);
    return;
  }
  const job = message.job;
  (runner as ShardRunner).run(job).then(
    (result) => send({ type: 'result', result }),
    (err: unknown) => {
      const e = err as { code?: unknown; message?: unknown };
      send({ type: 'error', shardId: job.shardId, code: typeof e.code === 'string' ? e.code : undefined, message: String(e.message ?? err) });
    },
  );
});

process.on('disconnect', () => {
  runner?.dispose();
  process.exit(0);
});
