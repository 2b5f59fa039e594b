import { defaultHome, runQueueWorker, ShardRunner } from '../../index.js';
import { defineCommand } from '../command-spec.js';
import { envHelp } from '../common-flags.js';

export const workerCommand = defineCommand({
  name: 'worker',
  summary: 'Run feature-extraction shards from a Redis queue (for extract, train, eval or rank with --queue).',
  description:
    'Connects to the BullMQ queue at --queue and extracts the shards coordinators put there, one at a time, with the ' +
    'backbones of this machine\'s zoo (HEADSTART_HOME); the features go back through Redis to the coordinator\'s cache. ' +
    'The image paths in a shard must be readable here (a shared file system). A shard queued by another headstart ' +
    'version, or for a backbone whose weights differ here, is refused and this worker stops with the reason. Runs ' +
    'until Ctrl-C; a worker killed mid-shard loses the shard to another worker once its lock expires.',
  flags: {
    queue: { kind: 'string', placeholder: 'URL', required: true, description: 'Redis URL of the queue: redis://host:port.', group: 'Queue' },
    'lock-duration-ms': {
      kind: 'integer', min: 100, default: 30000,
      description: 'How long a shard stays locked to this worker without a renewal; a dead worker\'s shard is retried after it.', group: 'Queue',
    },
    'stalled-interval-ms': { kind: 'integer', min: 100, default: 30000, description: 'How often this worker looks for shards of dead workers.', group: 'Queue' },
  },
  env: envHelp(),
  examples: ['headstart worker --queue redis://queue-host:6379', 'HEADSTART_HOME=/shared/zoo headstart worker --queue redis://10.0.0.5:6379'],
  async run({ flags }, ctx) {
    const runner = new ShardRunner(ctx.home ?? defaultHome());
    const started = performance.now();
    const log = (line: string) => void ctx.io.stderr.write(`${line}\n`);
    try {
      log(`worker ${runner.worker} waiting for shards on ${flags.queue} (Ctrl-C to stop)`);
      const result = await runQueueWorker({
        queue: flags.queue,
        runShard: (job) => runner.run(job),
        ...(flags.lockDurationMs !== undefined ? { lockDurationMs: flags.lockDurationMs } : {}),
        ...(flags.stalledIntervalMs !== undefined ? { stalledIntervalMs: flags.stalledIntervalMs } : {}),
        onShardStart: (job) => log(`started shard ${job.shardId} (${job.files.length} images)`),
        onShardEnd: (r) =>
          log(`finished shard ${r.shardId}: ${r.entries.length} images in ${(r.durationMs / 1000).toFixed(1)} s${r.skipped.length > 0 ? `, ${r.skipped.length} skipped` : ''}`),
        ...(ctx.signal ? { signal: ctx.signal } : {}),
      });
      const summary = { worker: runner.worker, ...result, durationMs: performance.now() - started };
      ctx.print(summary, () => `worker ${runner.worker} stopped after ${result.shards} shards (${result.images} images).`);
    } finally {
      runner.dispose();
    }
  },
});
