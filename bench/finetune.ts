/**
 * Fine-tuning training speed and peak memory: headstart's split ("frozen trunk in onnxruntime + top in tfjs", the
 * real train path) against "whole network in tfjs-wasm", for the same unfrozen blocks of the Keras mobilenet-v2 (cut
 * at its card's block_13_expand_relu, average pooling, a 5-way linear head), on the same decoded flowers images.
 *
 * Both sides train through the same TrainableTop (Adam, BatchNorm frozen, one step = forward + loss + gradients of
 * the unfrozen blocks and the head + update):
 * - trunk-onnx+top-tfjs: the trunk up to the freeze boundary runs in onnxruntime (the default engine, the model's
 *   ONNX twin); the top is fed its activations. Without augmentation the trunk runs once per image for the whole run
 *   (so an epoch costs only top steps: "cached"); with augmentation once per image per epoch ("augmented" adds the
 *   trunk's time per batch; decoding and augmenting the pixels is not counted on either side).
 * - whole-tfjs: the whole network from pixels to the head in tfjs-wasm, every layer below the boundary frozen (a
 *   parameter group with learning rate 0): tfjs runs the forward pass through all of it at every step, and
 *   gradients only down to the boundary.
 *
 * Each (side, unfreeze) runs in its own Node process so that peak memory is its own: process.resourceUsage().maxRSS,
 * the kernel's peak resident set size of that process (model loading included). Times: one untimed step, then
 * --repeats timed steps, median. Batch 16.
 *
 * Usage: npx tsx bench/finetune.ts [--data DIR] [--repeats N] [--unfreeze 1,2]
 * Writes bench/results/finetune.json and bench/results/finetune-table.md. HEADSTART_HOME names the backbone folder
 * (default: a temp folder).
 */
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { writeFileAtomic } from '../src/core/index.js';
import { createEngine, decodeImageFile, formatTable, getModelCard, installBackbone, listImageFolder, loadBackbone, splitAtBlocks } from '../src/index.js';
import type { ParameterGroup, TrainableTop } from '../src/index.js';

const BACKBONE_ID = 'mobilenet-v2';
const BATCH = 16;
const CLASSES = 5;
const SIDES = ['trunk-onnx+top-tfjs', 'whole-tfjs'] as const;
type Side = (typeof SIDES)[number];

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const RESULT_FILE = path.join(repoRoot, 'bench', 'results', 'finetune.json');
const TABLE_FILE = path.join(repoRoot, 'bench', 'results', 'finetune-table.md');

interface WorkerResult {
  side: Side;
  unfreeze: number;
  boundary: string;
  trainedGroups: string[];
  /** Median time of one training step on a batch of 16. */
  stepMs: number;
  /** Median time of the trunk on a batch of 16 (trunk-onnx+top-tfjs only). */
  trunkMs?: number;
  stepsMs: number[];
  peakRssBytes: number;
}

const median = (values: number[]): number => {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
};

function positiveInt(flag: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`Expected --${flag} to be a positive integer. Received: '${String(value)}'.`);
  return n;
}

/** One side at one unfreeze count, in this process. */
async function runWorker(side: Side, unfreeze: number, data: string, repeats: number, home: string): Promise<WorkerResult> {
  const installed = await installBackbone(BACKBONE_ID, { home });
  const card = await getModelCard(BACKBONE_ID, { home });
  const engine = createEngine();
  const layers = (await engine.listLayers(installed.files)).map((l) => l.name);
  const split = splitAtBlocks(layers, card.blocks ?? [], card.defaultCut, unfreeze);
  const { items } = await listImageFolder(data);
  const files = items.filter((_, i) => i % Math.max(1, Math.floor(items.length / BATCH)) === 0).slice(0, BATCH).map((it) => it.path);
  const imageSize = card.input.height * card.input.width * 3;
  const pixels = new Float32Array(files.length * imageSize);
  for (const [i, f] of files.entries()) pixels.set(await decodeImageFile(f, card.input), i * imageSize);
  const labels = Int32Array.from(files, (_, i) => i % CLASSES);
  const head = { classes: CLASSES, hidden: [], dropout: 0, l2: 0, seed: 1 };
  const rates = Object.fromEntries([...split.groups.map((g) => g.name), 'head'].map((g) => [g, 1e-4]));

  let top: TrainableTop;
  let x: Float32Array;
  let trunkMs: number | undefined;
  if (side === 'trunk-onnx+top-tfjs') {
    const trunk = await loadBackbone(installed, { cut: split.boundary, pooling: 'flatten', engine });
    await trunk.extractor.extract(pixels, files.length);
    const trunkTimes: number[] = [];
    x = new Float32Array(0);
    for (let r = 0; r < repeats; r++) {
      const start = performance.now();
      x = await trunk.extractor.extract(pixels, files.length);
      trunkTimes.push(performance.now() - start);
    }
    trunkMs = median(trunkTimes);
    trunk.dispose();
    top = await engine.createTop({ model: installed.files, input: split.boundary, output: card.defaultCut, pooling: 'avg', head, groups: split.groups, batchNorm: 'frozen' });
  } else {
    // Everything below the boundary is one frozen group: in the model, run forward, never trained.
    const below = layers.slice(0, layers.indexOf(split.boundary) + 1);
    const groups: ParameterGroup[] = [{ name: 'frozen', layers: below }, ...split.groups];
    top = await engine.createTop({ model: installed.files, output: card.defaultCut, pooling: 'avg', head, groups, batchNorm: 'frozen' });
    x = pixels;
  }
  await top.trainBatch(x, labels, { learningRates: rates });
  const stepsMs: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const start = performance.now();
    await top.trainBatch(x, labels, { learningRates: rates });
    stepsMs.push(performance.now() - start);
  }
  top.dispose();
  await engine.dispose();
  return {
    side, unfreeze, boundary: split.boundary, trainedGroups: split.groups.map((g) => g.name),
    stepMs: median(stepsMs), ...(trunkMs !== undefined ? { trunkMs } : {}), stepsMs,
    peakRssBytes: process.resourceUsage().maxRSS * 1024,
  };
}

function spawnWorker(args: string[]): Promise<WorkerResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), ...args], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      const last = stdout.trim().split('\n').pop() ?? '';
      if (code === 0) resolve(JSON.parse(last) as WorkerResult);
      else reject(new Error(`worker ${args.join(' ')} failed (${signal ? `signal ${signal}` : `exit code ${code}`}): ${stdout}`));
    });
  });
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { data: { type: 'string' }, repeats: { type: 'string' }, unfreeze: { type: 'string' }, worker: { type: 'string' }, home: { type: 'string' } },
    strict: false, // bench/run.ts passes every bench the same flags
  });
  const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
  const data = path.resolve(str(values.data) ?? path.join(repoRoot, '..', 'shared', 'data', 'flowers'));
  const repeats = positiveInt('repeats', str(values.repeats), 5);
  if (values.worker !== undefined) {
    const [side, unfreeze] = (str(values.worker) ?? '').split(':');
    console.log(JSON.stringify(await runWorker(side as Side, positiveInt('unfreeze', unfreeze, 1), data, repeats, str(values.home) as string)));
    return;
  }
  const unfreezes = (str(values.unfreeze) ?? '1,2').split(',').map((u) => positiveInt('unfreeze', u.trim(), 1));
  const tempDir = await fs.mkdtemp(path.join(os.tmpdir(), 'headstart-bench-finetune-'));
  try {
    const home = process.env.HEADSTART_HOME ?? path.join(tempDir, 'home');
    await installBackbone(BACKBONE_ID, { home });
    const results: WorkerResult[] = [];
    for (const unfreeze of unfreezes) {
      for (const side of SIDES) {
        const r = await spawnWorker(['--worker', `${side}:${unfreeze}`, '--data', data, '--repeats', String(repeats), '--home', home]);
        console.log(`unfreeze ${unfreeze}, ${side}: step ${r.stepMs.toFixed(0)} ms${r.trunkMs !== undefined ? `, trunk ${r.trunkMs.toFixed(0)} ms` : ''} per ${BATCH} images; peak RSS ${(r.peakRssBytes / 2 ** 20).toFixed(0)} MiB`);
        results.push(r);
      }
    }
    const rows = unfreezes.map((unfreeze) => {
      const split = results.find((r) => r.unfreeze === unfreeze && r.side === 'trunk-onnx+top-tfjs') as WorkerResult;
      const whole = results.find((r) => r.unfreeze === unfreeze && r.side === 'whole-tfjs') as WorkerResult;
      const perSecond = (ms: number) => (BATCH * 1000) / ms;
      return {
        unfreeze,
        trainedGroups: split.trainedGroups,
        imagesPerSecond: { cached: perSecond(split.stepMs), augmented: perSecond(split.stepMs + (split.trunkMs ?? 0)), wholeTfjs: perSecond(whole.stepMs) },
        speedup: { cached: whole.stepMs / split.stepMs, augmented: whole.stepMs / (split.stepMs + (split.trunkMs ?? 0)) },
        peakRssMiB: { split: split.peakRssBytes / 2 ** 20, wholeTfjs: whole.peakRssBytes / 2 ** 20 },
      };
    });
    const table = formatTable(
      rows.map((r) => [
        String(r.unfreeze), r.trainedGroups.join(' + '), r.imagesPerSecond.cached.toFixed(1), r.imagesPerSecond.augmented.toFixed(1), r.imagesPerSecond.wholeTfjs.toFixed(1),
        `${r.speedup.cached.toFixed(1)}x / ${r.speedup.augmented.toFixed(1)}x`, `${r.peakRssMiB.split.toFixed(0)} / ${r.peakRssMiB.wholeTfjs.toFixed(0)}`,
      ]),
      { header: ['unfreeze', 'trained', 'split, cached (img/s)', 'split, augmented (img/s)', 'whole tfjs (img/s)', 'speed-up cached / aug.', 'peak RSS split / whole (MiB)'] },
    );
    console.log(`\n${table}`);
    const result = {
      date: new Date().toISOString(), node: process.version, cpu: os.cpus()[0]?.model ?? 'unknown', cores: os.availableParallelism(), loadAverage: os.loadavg(),
      backbone: BACKBONE_ID, batch: BATCH, repeats, data, rows, runs: results,
    };
    await writeFileAtomic(RESULT_FILE, `${JSON.stringify(result, null, 2)}\n`);
    const markdown = [
      `| unfreeze | trained blocks | split, cached (img/s) | split, augmented (img/s) | whole network in tfjs-wasm (img/s) | speed-up (cached / augmented) | peak RSS, split / whole (MiB) |`,
      `|---|---|---|---|---|---|---|`,
      ...rows.map((r) => `| ${r.unfreeze} | ${r.trainedGroups.join(', ')} | ${r.imagesPerSecond.cached.toFixed(1)} | ${r.imagesPerSecond.augmented.toFixed(1)} | ${r.imagesPerSecond.wholeTfjs.toFixed(1)} | ${r.speedup.cached.toFixed(1)}x / ${r.speedup.augmented.toFixed(1)}x | ${r.peakRssMiB.split.toFixed(0)} / ${r.peakRssMiB.wholeTfjs.toFixed(0)} |`),
      '',
      `Training steps of ${BACKBONE_ID} (cut at its card's default, batch ${BATCH}, median of ${repeats}), ${result.cpu}, ${result.cores} cores shared with other work (load average ${result.loadAverage.map((l) => l.toFixed(1)).join(', ')}), ${result.date.slice(0, 10)}. ` +
        "Split: frozen trunk in onnxruntime, top in tfjs-wasm ('cached': trunk activations computed once; 'augmented': the trunk reruns every epoch). Whole: every layer in tfjs-wasm, the same blocks trained.",
      '',
    ].join('\n');
    await writeFileAtomic(TABLE_FILE, markdown);
    console.log(`wrote ${path.relative(repoRoot, RESULT_FILE)} and ${path.relative(repoRoot, TABLE_FILE)}`);
  } finally {
    await fs.rm(tempDir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
