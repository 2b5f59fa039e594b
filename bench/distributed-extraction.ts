/**
 * Sharded extraction: one process against 1, 2 and 3 local worker processes (`--workers`), and one worker over a
 * Redis queue (`--queue`, the Debian redis-server started here on a free port, no persistence), all in one run on
 * the same images; then a large-photo case (12-megapixel JPEGs made with sharp) for the decoder's shrink-on-load.
 *
 * Each configuration starts from an empty feature cache (a fresh HEADSTART_HOME whose zoo is linked to one converted
 * copy) and is timed end to end: hashing, sharding, worker start-up and backbone loading, extraction, merging. CPU
 * seconds per image add the coordinator's and every worker's CPU time; queue overhead per image is that minus the
 * single process's CPU per image. Redis bytes per image: `INFO stats` total_net_input_bytes + total_net_output_bytes
 * before and after the run, divided by the images. Median of --repeats runs.
 *
 * Usage: npm run build && npx tsx bench/distributed-extraction.ts [--data DIR] [--per-class N] [--repeats N]
 * Writes bench/results/distributed-extraction.json. Imports the built package (dist/): local workers are forks of
 * dist/distributed/worker-process.js.
 */
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { promises as fs } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { decodeImage, extractDataset, extractFeatures, listImageFolder, loadBackbone } from '../dist/index.js';
import type { ExtractDatasetResult, InputSpec } from '../dist/index.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const RESULT_FILE = path.join(repoRoot, 'bench', 'results', 'distributed-extraction.json');
const BACKBONE = 'mobilenet-v1-imagenet';
const SHARD_SIZE = 32;
const LARGE_PHOTOS = 8;

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};

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

async function redisNetBytes(port: number): Promise<number> {
  const out = spawnSync('redis-cli', ['-p', String(port), 'INFO', 'stats'], { encoding: 'utf8' }).stdout;
  const read = (key: string) => Number(new RegExp(`${key}:(\\d+)`).exec(out)?.[1] ?? NaN);
  return read('total_net_input_bytes') + read('total_net_output_bytes');
}

interface Config {
  name: string;
  run(home: string): Promise<ExtractDatasetResult>;
  redisPort?: number;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { data: { type: 'string' }, 'per-class': { type: 'string' }, repeats: { type: 'string' } }, strict: false });
  const dataDir = path.resolve(String(values.data ?? path.join(repoRoot, '../shared/data/flowers')));
  const perClass = Number(values['per-class'] ?? 20);
  const repeats = Number(values.repeats ?? 1);
  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'headstart-bench-distributed-'));
  const zooHome = path.join(tmp, 'zoo');
  const listed = await listImageFolder(dataDir);
  const counts = new Map<string, number>();
  const items = listed.items.filter((it) => {
    const n = counts.get(it.label) ?? 0;
    counts.set(it.label, n + 1);
    return n < perClass;
  });
  const manifest = path.join(tmp, 'data.csv');
  await fs.writeFile(manifest, ['path,label', ...items.map((it) => `${it.path},${it.label}`)].join('\n'));
  const backbone = await loadBackbone(BACKBONE, { home: zooHome });
  const input: InputSpec = backbone.input;
  backbone.dispose();

  const port = await freePort();
  const redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', tmp], { stdio: 'ignore' });
  await new Promise((resolve) => setTimeout(resolve, 500));
  const queue = `redis://127.0.0.1:${port}`;
  let worker: ChildProcess | undefined;
  const freshHome = async (name: string) => {
    const home = path.join(tmp, `${name}-${Math.random().toString(36).slice(2)}`);
    await fs.mkdir(home);
    for (const entry of await fs.readdir(zooHome)) if (entry !== 'features.sqlite' && !entry.startsWith('features.sqlite-')) await fs.symlink(path.join(zooHome, entry), path.join(home, entry));
    return home;
  };
  const configs: Config[] = [
    { name: 'one process', run: (home) => extractDataset({ data: manifest, backbone: BACKBONE, home }) },
    ...[1, 2, 3].map((n) => ({ name: `${n} local worker${n > 1 ? 's' : ''}`, run: (home: string) => extractDataset({ data: manifest, backbone: BACKBONE, home, distribute: { workers: n, shardSize: SHARD_SIZE } }) })),
    { name: '1 Redis worker', redisPort: port, run: (home) => extractDataset({ data: manifest, backbone: BACKBONE, home, distribute: { queue, shardSize: SHARD_SIZE } }) },
  ];
  const rows: Record<string, unknown>[] = [];
  try {
    worker = spawn(process.execPath, [path.join(repoRoot, 'dist/cli/main.js'), 'worker', '--queue', queue], { env: { ...process.env, HEADSTART_HOME: zooHome }, stdio: 'ignore' });
    let singleCpuPerImage = NaN;
    for (const config of configs) {
      const runs: { wallMs: number; cpuMs: number; images: number; redisBytes: number; mergeMs: number }[] = [];
      for (let r = 0; r < repeats; r++) {
        const home = await freshHome(config.name.replace(/\W+/g, '-'));
        const bytesBefore = config.redisPort ? await redisNetBytes(config.redisPort) : 0;
        const cpu = process.cpuUsage();
        const result = await config.run(home);
        const own = process.cpuUsage(cpu);
        const workerCpu = Object.values(result.distributed?.workers ?? {}).reduce((s, w) => s + w.cpuMs, 0);
        runs.push({
          wallMs: result.durationMs,
          cpuMs: (own.user + own.system) / 1000 + workerCpu,
          images: result.extracted,
          redisBytes: config.redisPort ? (await redisNetBytes(config.redisPort)) - bytesBefore : 0,
          mergeMs: result.distributed?.mergeMs ?? 0,
        });
      }
      const images = runs[0]?.images ?? 0;
      const wallMs = median(runs.map((x) => x.wallMs));
      const cpuPerImage = median(runs.map((x) => x.cpuMs / x.images)) / 1000;
      if (config.name === 'one process') singleCpuPerImage = cpuPerImage;
      rows.push({
        config: config.name,
        images,
        imagesPerSecond: images / (wallMs / 1000),
        cpuSecondsPerImage: cpuPerImage,
        queueOverheadCpuMsPerImage: config.name === 'one process' ? 0 : (cpuPerImage - singleCpuPerImage) * 1000,
        redisBytesPerImage: config.redisPort ? median(runs.map((x) => x.redisBytes / x.images)) : null,
        mergeImagesPerSecond: runs[0]?.mergeMs ? images / (median(runs.map((x) => x.mergeMs)) / 1000) : null,
      });
      console.log(JSON.stringify(rows.at(-1)));
    }

    // Large photos: 12-megapixel JPEGs, decoded to the backbone's input (shrink-on-load) against a full decode.
    const photos: Buffer[] = [];
    for (let i = 0; i < LARGE_PHOTOS; i++) {
      const noise = await sharp({ create: { width: 4000, height: 3000, channels: 3, background: { r: 0, g: 0, b: 0 }, noise: { type: 'gaussian', mean: 128, sigma: 40 } } }).jpeg({ quality: 90 }).toBuffer();
      photos.push(noise);
    }
    const time = async (f: (b: Buffer) => Promise<unknown>) => {
      const ms: number[] = [];
      for (const p of photos) {
        const t = performance.now();
        await f(p);
        ms.push(performance.now() - t);
      }
      return median(ms);
    };
    const decodeMs = await time((b) => decodeImage(b, 'photo.jpg', input));
    const fullDecodeMs = await time((b) => sharp(b).raw().toBuffer());
    const fullDecodeThenResizeMs = await time(async (b) => {
      const { data, info } = await sharp(b).raw().toBuffer({ resolveWithObject: true });
      return sharp(data, { raw: { width: info.width, height: info.height, channels: info.channels } }).resize(input.width, input.height, { fit: 'cover', kernel: 'linear' }).raw().toBuffer();
    });
    const largePhotos = { photos: LARGE_PHOTOS, megapixels: 12, jpegBytes: median(photos.map((p) => p.length)), decodeImageMs: decodeMs, fullDecodeMs, fullDecodeThenResizeMs };
    console.log(JSON.stringify(largePhotos));

    // Features of one of them, end to end, to show the whole pipeline on a large photo.
    const photoDir = path.join(tmp, 'photos', 'a');
    await fs.mkdir(photoDir, { recursive: true });
    await Promise.all(photos.map((p, i) => fs.writeFile(path.join(photoDir, `${i}.jpg`), p)));
    const bb = await loadBackbone(BACKBONE, { home: zooHome });
    const t = performance.now();
    await extractFeatures(bb, { classes: ['a'], items: photos.map((_, i) => ({ path: path.join(photoDir, `${i}.jpg`), label: 'a' })) });
    const largePhotoImagesPerSecond = LARGE_PHOTOS / ((performance.now() - t) / 1000);
    bb.dispose();

    const result = {
      date: new Date().toISOString(),
      machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model ?? 'unknown', loadAverage: os.loadavg().map((x) => Number(x.toFixed(1))) },
      backbone: BACKBONE,
      shardSize: SHARD_SIZE,
      repeats,
      rows,
      largePhotos: { ...largePhotos, extractImagesPerSecond: largePhotoImagesPerSecond },
    };
    await fs.writeFile(RESULT_FILE, `${JSON.stringify(result, null, 2)}\n`);
    console.log(`wrote ${path.relative(repoRoot, RESULT_FILE)}`);
  } finally {
    worker?.kill('SIGINT');
    redis.kill('SIGKILL');
    await fs.rm(tmp, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
