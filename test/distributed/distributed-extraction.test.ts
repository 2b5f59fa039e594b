/**
 * Sharded extraction on local worker processes and over a real Redis (the Debian redis-server, started here on a port
 * of its own without persistence): the features merged into the coordinator's cache must equal a single-process run
 * bit for bit, each image's exactly once, also when a worker is SIGKILLed mid-shard. The workers' lock lasts 10 s: on this
 * shared 2-core machine a batch can hold the event loop for seconds, and a shorter lock makes live workers look dead.
 */
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { FeatureCache, listImageFolder } from '../../src/data/index.js';
import { EXTRACT_QUEUE_NAME, fillFeatureCache, ShardRunner, planShards } from '../../src/distributed/index.js';
import type { ShardJob } from '../../src/distributed/index.js';
import { extractFeatures, loadBackbone } from '../../src/zoo/index.js';
import type { Backbone } from '../../src/zoo/index.js';
import { BIN, ensureBuilt, makeTempDir, parseJsonStdout, removeDir, runHeadstart } from '../cli/run-headstart.js';
import { FLOWERS } from '../paths.js';

const PER_CLASS = 30;
const SHARD_SIZE = 25;
const BACKBONE = 'mobilenet-v1-imagenet';

const workerHome = inject('sharedHome');
let tmp = '';
let manifest = '';
let files: string[] = [];
let backbone: Backbone;
/** Single-process features (no cache) by file, the reference every distributed run must match bit for bit. */
const reference = new Map<string, Float32Array>();
let redis: ChildProcess | undefined;
let redisUrl = '';
const workers: ChildProcess[] = [];

const contentHash = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');
const bytesOf = (v: Float32Array) => Buffer.from(v.buffer, v.byteOffset, v.byteLength);

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

/** Every reference image must be in the cache at `cachePath`, equal bit for bit; the cache holds nothing else. */
function expectCacheEqualsReference(cachePath: string, only: readonly string[] = files): void {
  const cache = FeatureCache.open(cachePath);
  try {
    expect(cache.count(backbone.featureKey)).toBe(only.length);
    for (const file of only) {
      const stored = cache.get(backbone.featureKey, contentHash(file));
      expect(stored, file).toBeDefined();
      expect(bytesOf(stored as Float32Array).equals(bytesOf(reference.get(file) as Float32Array)), file).toBe(true);
    }
  } finally {
    cache.close();
  }
}

function startWorker(extra: string[] = []): ChildProcess & { log: string } {
  const child = spawn(process.execPath, [BIN, 'worker', '--queue', redisUrl, '--lock-duration-ms', '10000', '--stalled-interval-ms', '1000', ...extra], {
    env: { ...process.env, HEADSTART_HOME: workerHome },
    stdio: ['ignore', 'pipe', 'pipe'],
  }) as ChildProcess & { log: string };
  child.log = '';
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (child.log += d));
  workers.push(child);
  return child;
}

const exited = (child: ChildProcess) =>
  new Promise<number | null>((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve(child.exitCode) : child.once('exit', (code) => resolve(code))));

beforeAll(async () => {
  ensureBuilt();
  tmp = await makeTempDir('headstart-distributed-');
  const all = await listImageFolder(FLOWERS);
  const byClass = new Map<string, string[]>();
  for (const item of all.items) byClass.set(item.label, [...(byClass.get(item.label) ?? []), item.path]);
  const rows = [...byClass].flatMap(([label, paths]) => paths.slice(0, PER_CLASS).map((p) => ({ path: p, label })));
  files = rows.map((r) => r.path);
  manifest = path.join(tmp, 'flowers.csv');
  writeFileSync(manifest, ['path,label', ...rows.map((r) => `${r.path},${r.label}`)].join('\n'));
  // Loading here also converts the backbone into the workers' home once, before three workers start at the same time.
  backbone = await loadBackbone(BACKBONE, { home: workerHome });
  const { features } = await extractFeatures(backbone, { classes: [...byClass.keys()], items: rows });
  features.files.forEach((f, i) => reference.set(f, features.values.slice(i * features.dim, (i + 1) * features.dim)));

  const version = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
  if (version.status !== 0) {
    throw new Error("redis-server is not installed: these tests need it. Run 'bash scripts/install-system-packages.sh' (Debian package redis-server).");
  }
  const port = await freePort();
  redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', tmp], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    let out = '';
    redis?.stdout?.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      if (out.includes('Ready to accept connections')) resolve();
    });
    redis?.once('exit', (code) => reject(new Error(`redis-server exited (${String(code)}): ${out}`)));
  });
  redisUrl = `redis://127.0.0.1:${port}`;
});

afterAll(async () => {
  for (const w of workers) if (w.exitCode === null && w.signalCode === null) w.kill('SIGKILL');
  redis?.kill('SIGKILL');
  backbone?.dispose();
  await removeDir(tmp);
});

describe('extract --workers (local processes, no Redis)', () => {
  it('fills the cache with exactly the single-process features, bit for bit', async () => {
    const home = path.join(tmp, 'home-local');
    const result = await runHeadstart(['extract', '--data', manifest, '--workers', '3', '--shard-size', String(SHARD_SIZE), '--json'], { home });
    expect(result.code, result.stderr).toBe(0);
    const json = parseJsonStdout<{ extracted: number; distributed: { shards: number; merged: number; workers: Record<string, { images: number }> } }>(result);
    expect(json.extracted).toBe(files.length);
    expect(json.distributed.shards).toBe(Math.ceil(files.length / SHARD_SIZE));
    expect(Object.keys(json.distributed.workers).length).toBeGreaterThan(1);
    expectCacheEqualsReference(path.join(home, 'features.sqlite'));
  });
});

describe('extract --queue (BullMQ on redis-server)', () => {
  it('survives a worker SIGKILLed mid-shard: every image arrives exactly once, equal to a single-process run', async () => {
    const home = path.join(tmp, 'home-redis');
    const pool = [startWorker(), startWorker(), startWorker()];
    const coordinator = runHeadstart(['extract', '--data', manifest, '--queue', redisUrl, '--shard-size', String(SHARD_SIZE), '--json'], { home });
    // Kill the first worker to start a shard, a moment into it.
    const victim = await new Promise<ChildProcess & { log: string }>((resolve) => {
      const timer = setInterval(() => {
        const started = pool.find((w) => w.log.includes('started shard'));
        if (started) {
          clearInterval(timer);
          resolve(started);
        }
      }, 20);
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(victim.log).not.toContain('finished shard');
    victim.kill('SIGKILL');
    const result = await coordinator;
    expect(result.code, result.stderr).toBe(0);
    const json = parseJsonStdout<{ extracted: number; distributed: { shards: number; merged: number; duplicateShards: number; workers: Record<string, { shards: number; images: number }> } }>(result);
    expect(json.distributed.shards).toBe(Math.ceil(files.length / SHARD_SIZE));
    expect(json.distributed.merged).toBe(files.length);
    // Exactly once: the merged shards' images add up to the dataset, and the killed worker completed none.
    expect(Object.values(json.distributed.workers).reduce((n, w) => n + w.images, 0)).toBe(files.length);
    expect(Object.keys(json.distributed.workers).some((w) => w.endsWith(`:${String(victim.pid)}`))).toBe(false);
    expectCacheEqualsReference(path.join(home, 'features.sqlite'));

    // A re-run finds everything cached and queues nothing.
    const again = await runHeadstart(['extract', '--data', manifest, '--queue', redisUrl, '--json'], { home });
    expect(again.code, again.stderr).toBe(0);
    expect(parseJsonStdout<{ extracted: number; cached: number }>(again)).toMatchObject({ extracted: 0, cached: files.length });
    for (const w of pool) w.kill('SIGINT');
    await Promise.all(pool.map(exited));
  });

  it('reports the images of a shard that disappeared as skipped and keeps the shards merged before', async () => {
    const dir = path.join(tmp, 'copies');
    const copies = files.slice(0, 2 * SHARD_SIZE).map((f, i) => {
      const to = path.join(dir, `${i}-${path.basename(f)}`);
      return { from: f, to };
    });
    spawnSync('mkdir', ['-p', dir]);
    for (const c of copies) copyFileSync(c.from, c.to);
    const cachePath = path.join(tmp, 'copies.sqlite');
    const cache = FeatureCache.open(cachePath);
    const gone = copies.slice(SHARD_SIZE).map((c) => c.to);
    let worker: ReturnType<typeof startWorker> | undefined;
    try {
      const result = await fillFeatureCache(backbone, copies.map((c) => ({ path: c.to })), cache, {
        home: workerHome,
        distribute: { queue: redisUrl, shardSize: SHARD_SIZE },
        // Once the shards are queued (hashes taken), the second shard's files vanish; only then does a worker start.
        onProgress: (e) => {
          if (e.stage === 'shard' && e.done === 0 && !worker) {
            for (const f of gone) rmSync(f);
            worker = startWorker();
          }
        },
      });
      expect(result.merged).toBe(SHARD_SIZE);
      expect(result.skipped.map((s) => s.file).sort()).toEqual([...gone].sort());
      expect(result.skipped[0]?.reason).toMatch(/Cannot read/);
    } finally {
      cache.close();
      worker?.kill('SIGINT');
      if (worker) await exited(worker);
    }
    const kept = copies.slice(0, SHARD_SIZE);
    const check = FeatureCache.open(cachePath);
    try {
      expect(check.count(backbone.featureKey)).toBe(SHARD_SIZE);
      for (const c of kept) expect(bytesOf(check.get(backbone.featureKey, contentHash(c.to)) as Float32Array).equals(bytesOf(reference.get(c.from) as Float32Array))).toBe(true);
    } finally {
      check.close();
    }
  });

  it('a worker refuses a shard queued by another headstart version, with a clear error', async () => {
    const queue = new Queue<ShardJob>(EXTRACT_QUEUE_NAME, { connection: { url: redisUrl } });
    try {
      const [job] = planShards([{ path: files[0] as string, contentHash: contentHash(files[0] as string) }], {
        id: BACKBONE, cut: backbone.cut, pooling: backbone.pooling, weightsSha256: backbone.weightsSha256, featureKey: backbone.featureKey,
      }, 1);
      await queue.add('extract', { ...(job as ShardJob), headstartVersion: '0.0.0-other' }, { jobId: 'other-version', attempts: 1 });
      const worker = startWorker();
      const code = await exited(worker);
      expect(code).not.toBe(0);
      expect(worker.log).toContain('HS_WORKER_MISMATCH');
      expect(worker.log).toMatch(/queued by headstart 0\.0\.0-other/);
      const failed = await queue.getJob('other-version');
      expect(failed?.failedReason).toMatch(/HS_WORKER_MISMATCH/);
    } finally {
      await queue.obliterate({ force: true });
      await queue.close();
    }
  });

  it('a worker refuses a shard for backbone weights it does not have', async () => {
    const runner = new ShardRunner(workerHome);
    try {
      const [job] = planShards([{ path: files[0] as string, contentHash: contentHash(files[0] as string) }], {
        id: BACKBONE, cut: backbone.cut, pooling: backbone.pooling, weightsSha256: 'f'.repeat(64), featureKey: backbone.featureKey.replace(backbone.weightsSha256, 'f'.repeat(64)),
      }, 1);
      await expect(runner.run(job as ShardJob)).rejects.toMatchObject({ code: 'HS_WORKER_MISMATCH', message: expect.stringMatching(/weights ffffffffffff/) });
    } finally {
      runner.dispose();
    }
  });

  it('an unreachable queue URL fails fast with a clear error, for the coordinator and for a worker', async () => {
    const closed = `redis://127.0.0.1:${await freePort()}`;
    const home = path.join(tmp, 'home-unreachable');
    const coordinator = await runHeadstart(['extract', '--data', manifest, '--queue', closed], { home });
    expect(coordinator.code).not.toBe(0);
    expect(coordinator.stderr).toContain('HS_QUEUE_UNREACHABLE');
    expect(coordinator.stderr).toContain(closed);
    const worker = await runHeadstart(['worker', '--queue', closed], { home });
    expect(worker.code).not.toBe(0);
    expect(worker.stderr).toMatch(/HS_QUEUE_UNREACHABLE.*Cannot reach the queue/);
  });
});
