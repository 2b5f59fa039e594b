/**
 * Feature-extraction throughput (images per second): headstart's `extractFeatures` on each engine against the plain
 * TF.js Layers recipe of Teachable Machine and the TF.js tutorials, on the same images and the same weights in the
 * same process.
 *
 * End to end (read + decode + resize + features), every repeat, in this order:
 * - tfjs-layers-recipe: `tf.loadLayersModel` on the zoo's model.json + weights.bin, `tf.model` truncated at the cut
 *   layer, then per image: sharp decode and resize to 224x224, tensor from the raw pixels, scale to [0, 1],
 *   `predict` on a batch of 1, global average pooling, `dataSync`. tfjs wasm backend.
 * - headstart-onnx: `loadBackbone` with the default engine (`createEngine()`: onnxruntime, all cores) + `extractFeatures`
 *   (batches of 16), no cache. The Keras model runs as its converted ONNX twin.
 * - headstart-onnx-1-thread: the same with `createEngine({ kind: 'onnx', threads: 1 })`.
 * - headstart-tfjs: the same with `createEngine({ kind: 'tfjs' })` (the recipe's tfjs wasm backend).
 * - headstart-cache-fill / headstart-warm-cache: the default engine with a FeatureCache in a fresh SQLite file, run
 *   twice; the second run reads every vector from the cache.
 * - train's default backbone (TRAIN_DEFAULTS.backbone) with the default engine, no cache: informational.
 * Then onnxruntime alone: the images decoded once up front, only `backbone.extractor.extract(pixels, count)` timed,
 * in batches of 16, on 1 thread and on the default engine's thread count.
 *
 * Peak memory: for each --memory-images count, a fresh Node process extracts that many images (the flowers listed
 * again and again) with the default engine and no cache, sampling process.memoryUsage().rss every 50 ms.
 *
 * Model loading and the one-off conversions are not timed. Each pipeline first runs once, untimed, on the first 16
 * images.
 *
 * Usage: npx tsx bench/feature-extraction.ts [--data DIR] [--per-class N] [--repeats N] [--memory-images 400,4000]
 * Writes bench/results/feature-extraction.json. HEADSTART_HOME names the backbone folder (default: a temp folder).
 */
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import sharp from 'sharp';
import { writeFileAtomic } from '../src/core/index.js';
import {
  FeatureCache, OnnxEngine, TRAIN_DEFAULTS, createEngine, decodeImageFile, extractFeatures, formatTable, installBackbone, loadBackbone, loadImageDataset,
} from '../src/index.js';
import type { Backbone, Engine, ImageDataset, InputSpec, LabeledItem } from '../src/index.js';
import { PIPELINE_IDS } from './feature-extraction-result.js';
import type { BenchRun, FeatureExtractionBenchResult, MemoryResult, PipelineId, PipelineResult, PreDecodedResult } from './feature-extraction-result.js';

const BACKBONE_ID = 'mobilenet-v2';
const BATCH_SIZE = 16;
/** One headstart batch, so that the warm-up also exercises the batch shape the timed runs use. */
const WARMUP_IMAGES = BATCH_SIZE;
const CHECK_IMAGES = 5;
const FEATURE_TOLERANCE = 1e-3;
const MEMORY_SAMPLE_MS = 50;
const GOALS = { onnxVsRecipe: 10, endToEndVsPreDecoded: 1.5 };

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const RESULT_FILE = path.join(repoRoot, 'bench', 'results', 'feature-extraction.json');

const DESCRIPTIONS: Record<PipelineId, string> = {
  'tfjs-layers-recipe':
    'tf.loadLayersModel + tf.model truncated at the cut; per image: sharp resize, tensor, /255, predict on a batch of 1, average pool, dataSync (tfjs wasm)',
  'headstart-onnx': `createEngine() (onnxruntime, all cores) + loadBackbone + extractFeatures (batchSize ${BATCH_SIZE}), no cache`,
  'headstart-onnx-1-thread': `createEngine({ kind: 'onnx', threads: 1 }) + loadBackbone + extractFeatures (batchSize ${BATCH_SIZE}), no cache`,
  'headstart-tfjs': `createEngine({ kind: 'tfjs' }) + loadBackbone + extractFeatures (batchSize ${BATCH_SIZE}), no cache`,
  'headstart-cache-fill': `default engine, extractFeatures (batchSize ${BATCH_SIZE}) with an empty FeatureCache: extracts and stores every vector`,
  'headstart-warm-cache': 'default engine, extractFeatures with the FeatureCache filled by the previous run: every vector read from SQLite',
};

interface BenchArgs {
  dataDir: string;
  perClass: number;
  repeats: number;
  memoryImages: number[];
}

function positiveInt(flag: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`Expected --${flag} to be a positive integer. Received: '${value}'.`);
  return n;
}

function readArgs(argv: string[]): BenchArgs & { memoryChild?: number } {
  const { values } = parseArgs({
    args: argv,
    options: {
      data: { type: 'string' },
      'per-class': { type: 'string' },
      repeats: { type: 'string' },
      'memory-images': { type: 'string' },
      // Internal: run one memory measurement in this process and print it as JSON.
      'memory-child': { type: 'string' },
    },
    strict: true,
  });
  const memoryImages = (values['memory-images'] ?? '400,4000').split(',').map((v) => positiveInt('memory-images', v.trim(), 0));
  return {
    dataDir: values.data !== undefined ? path.resolve(values.data) : path.resolve(repoRoot, '../shared/data/flowers'),
    perClass: positiveInt('per-class', values['per-class'], 15),
    repeats: positiveInt('repeats', values.repeats, 3),
    memoryImages,
    ...(values['memory-child'] !== undefined ? { memoryChild: positiveInt('memory-child', values['memory-child'], 0) } : {}),
  };
}

/** The first `perClass` files of each class, in the folder listing's (sorted) order. */
function firstPerClass(dataset: ImageDataset, perClass: number): ImageDataset {
  const items: LabeledItem[] = [];
  for (const label of dataset.classes) {
    const ofClass = dataset.items.filter((item) => item.label === label);
    if (ofClass.length < perClass) {
      throw new Error(`Class '${label}' of ${dataset.source} has ${ofClass.length} images; --per-class asks for ${perClass}.`);
    }
    items.push(...ofClass.slice(0, perClass));
  }
  return { ...dataset, items, skipped: [] };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const hi = sorted[mid] ?? NaN;
  return sorted.length % 2 === 1 ? hi : ((sorted[mid - 1] ?? NaN) + hi) / 2;
}

function toRun(images: number, durationMs: number): BenchRun {
  return { imagesPerSec: (images * 1000) / durationMs, msPerImage: durationMs / images, durationMs };
}

function summarise(description: string, runs: BenchRun[]): PipelineResult {
  return {
    description,
    medianImagesPerSec: median(runs.map((r) => r.imagesPerSec)),
    medianMsPerImage: median(runs.map((r) => r.msPerImage)),
    runs,
  };
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) throw new Error(`Feature vectors differ in length: ${a.length} vs ${b.length}.`);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs((a[i] ?? NaN) - (b[i] ?? NaN)));
  return max;
}

// ---- The reference: the TF.js tutorial recipe, written out here on purpose rather than taken from headstart ----

/** The wasm backend, set up as the tutorials do; reads the binaries from the installed package. */
async function useWasmBackend(): Promise<void> {
  const require = createRequire(import.meta.url);
  const wasmFile = require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm');
  setWasmPaths(path.dirname(wasmFile) + path.sep);
  if (!(await tf.setBackend('wasm'))) throw new Error('tfjs could not start its wasm backend.');
  await tf.ready();
}

/** A minimal file IOHandler: model.json and its weight shards from disk, handed to tfjs from memory. */
async function loadLayersModelFromFile(modelJsonPath: string): Promise<tf.LayersModel> {
  const json = JSON.parse(await fs.readFile(modelJsonPath, 'utf8')) as {
    modelTopology: object;
    weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
  };
  const dir = path.dirname(modelJsonPath);
  const shards = await Promise.all(json.weightsManifest.flatMap((g) => g.paths).map((p) => fs.readFile(path.join(dir, p))));
  const weights = Buffer.concat(shards);
  return tf.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: json.modelTopology,
      weightSpecs: json.weightsManifest.flatMap((g) => g.weights),
      weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength) as ArrayBuffer,
    }),
  );
}

/**
 * One image at a time, as in the tutorials. The resize is headstart's (cover, centre, bilinear, EXIF-oriented,
 * sRGB) so that both pipelines see the same pixels and their features can be compared.
 */
async function runRecipe(truncated: tf.LayersModel, files: string[], input: InputSpec): Promise<Float32Array[]> {
  const { height, width } = input;
  const features: Float32Array[] = [];
  for (const file of files) {
    const { data, info } = await sharp(file, { autoOrient: true })
      .toColourspace('srgb')
      .resize({ width, height, fit: 'cover', position: 'centre', kernel: 'linear' })
      .removeAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new Error(`${file} decoded to ${info.channels} channels, expected 3.`);
    const pooled = tf.tidy(() => {
      const x = tf.tensor3d(new Int32Array(data), [height, width, 3], 'int32').toFloat().div(255).expandDims(0);
      const map = truncated.predict(x) as tf.Tensor4D;
      return map.mean([1, 2]);
    });
    features.push(pooled.dataSync() as Float32Array);
    pooled.dispose();
  }
  return features;
}

// ---- headstart ----

async function runHeadstart(
  backbone: Backbone,
  dataset: ImageDataset,
  cache: FeatureCache | undefined,
  expect: 'extracted' | 'cached',
): Promise<{ durationMs: number; byFile: Map<string, Float32Array> }> {
  const started = performance.now();
  const result = await extractFeatures(backbone, dataset, { batchSize: BATCH_SIZE, ...(cache ? { cache } : {}) });
  const durationMs = performance.now() - started;
  const n = dataset.items.length;
  if (result.skipped.length > 0) throw new Error(`headstart skipped ${result.skipped.length} files: ${result.skipped[0]?.reason}`);
  if (result[expect] !== n) throw new Error(`Expected headstart to report ${n} ${expect} images; it reported ${result[expect]}.`);
  const { values, dim, files } = result.features;
  const byFile = new Map(files.map((file, i) => [file, values.subarray(i * dim, (i + 1) * dim)] as const));
  return { durationMs, byFile };
}

function log(message: string): void {
  console.error(`[feature-extraction] ${message}`);
}

function formatRate(x: number): string {
  return x >= 100 ? x.toFixed(0) : x.toFixed(1);
}

/** `count` items: the dataset's items listed again and again (so 4,000 = 400 flowers x 10). */
function repeatedItems(items: LabeledItem[], count: number): LabeledItem[] {
  return Array.from({ length: count }, (_, i) => items[i % items.length] as LabeledItem);
}

function rssMb(): number {
  return process.memoryUsage().rss / (1024 * 1024);
}

/** Runs in a fresh process: extracts `count` images with the default engine, no cache, and prints the rss peak as JSON. */
async function runMemoryChild(dataDir: string, count: number): Promise<void> {
  const home = process.env.HEADSTART_HOME;
  if (home === undefined) throw new Error('The memory child needs HEADSTART_HOME (the parent sets it).');
  const all = await loadImageDataset(dataDir);
  const items = repeatedItems(all.items, count);
  const backbone = await loadBackbone(BACKBONE_ID, { home });
  try {
    const baselineRssMb = rssMb();
    let peak = baselineRssMb;
    let samples = 0;
    const sample = () => {
      peak = Math.max(peak, rssMb());
      samples++;
    };
    const timer = setInterval(sample, MEMORY_SAMPLE_MS);
    const started = performance.now();
    let result;
    try {
      result = await extractFeatures(backbone, { ...all, items }, { batchSize: BATCH_SIZE, onProgress: sample });
    } finally {
      clearInterval(timer);
    }
    sample();
    if (result.extracted !== count) throw new Error(`Expected ${count} extracted images; headstart reported ${result.extracted}.`);
    const out: MemoryResult = { images: count, baselineRssMb, peakRssMb: peak, samples, durationMs: performance.now() - started };
    console.log(JSON.stringify(out));
  } finally {
    backbone.dispose();
  }
}

function measureMemory(dataDir: string, count: number, home: string): Promise<MemoryResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--data', dataDir, '--memory-child', String(count)], {
      cwd: repoRoot,
      env: { ...process.env, HEADSTART_HOME: home },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (code !== 0) return reject(new Error(`The memory run on ${count} images failed (${signal ? `signal ${signal}` : `exit code ${code}`}).`));
      const last = stdout.trim().split('\n').pop() ?? '';
      try {
        resolve(JSON.parse(last) as MemoryResult);
      } catch {
        reject(new Error(`The memory run on ${count} images printed no result: '${last}'.`));
      }
    });
  });
}

function cpuMs(usage: NodeJS.CpuUsage): number {
  return (usage.user + usage.system) / 1000;
}

/**
 * Decoding and inference compete for the same cores: with both at full overlap, no pipeline can beat
 * (decode CPU + inference CPU) / cores per image. Reported so the end-to-end goal can be judged against what the
 * machine allows.
 */
function cpuBudget(decodeCpuMs: number, inferenceCpuMs: number, cores: number, preDecodedMs: number): FeatureExtractionBenchResult['cpuBudget'] {
  const floorMsPerImage = (decodeCpuMs + inferenceCpuMs) / cores;
  return { decodeCpuMsPerImage: decodeCpuMs, inferenceCpuMsPerImage: inferenceCpuMs, cores, floorMsPerImage, floorVsPreDecoded: floorMsPerImage / preDecodedMs };
}

/** onnxruntime alone on pixels decoded up front: total time of `extract` over every batch. */
async function runPreDecoded(backbone: Backbone, batches: { pixels: Float32Array; count: number }[]): Promise<number> {
  const started = performance.now();
  for (const { pixels, count } of batches) await backbone.extractor.extract(pixels, count);
  return performance.now() - started;
}

function onnxThreads(engine: Engine): number {
  if (!(engine instanceof OnnxEngine)) throw new Error(`Expected an onnxruntime engine; got '${engine.name}'.`);
  return engine.threads;
}

function onnxVersion(): string {
  const require = createRequire(import.meta.url);
  return (require('onnxruntime-node/package.json') as { version: string }).version;
}

export async function runFeatureExtractionBench(args: BenchArgs): Promise<FeatureExtractionBenchResult> {
  const dataset = firstPerClass(await loadImageDataset(args.dataDir), args.perClass);
  const files = dataset.items.map((item) => item.path);
  const n = files.length;

  const tempDir = await fs.mkdtemp(path.join(os.tmpdir(), 'headstart-bench-'));
  const home = process.env.HEADSTART_HOME ?? path.join(tempDir, 'home');
  const engines = { onnx: createEngine(), onnx1: createEngine({ kind: 'onnx', threads: 1 }), tfjs: createEngine({ kind: 'tfjs' }) };
  const backbones: Backbone[] = [];
  let model: tf.LayersModel | undefined;
  try {
    await useWasmBackend();
    log(`backbone ${BACKBONE_ID} in ${home} (converted on first use, not timed)`);
    const installed = await installBackbone(BACKBONE_ID, { home });
    const { card } = installed;
    const { input } = card;
    // The recipe hard-codes x / 255 and a centre crop: refuse to compare against a card that prescribes otherwise.
    if (input.mean.some((m) => m !== 0) || input.std.some((s) => s !== 255) || input.channelOrder !== 'rgb' || input.resize !== 'center-crop') {
      throw new Error(`The recipe scales RGB pixels to [0, 1] after a centre crop, but ${card.id}'s card prescribes ${JSON.stringify(input)}.`);
    }
    const load = async (engine: Engine, source: string = BACKBONE_ID): Promise<Backbone> => {
      const b = await loadBackbone(source, { home, engine });
      backbones.push(b);
      return b;
    };
    const onnxBackbone = await load(engines.onnx);
    const onnx1Backbone = await load(engines.onnx1);
    const tfjsBackbone = await load(engines.tfjs);
    const { cut, pooling } = onnxBackbone;
    if (pooling !== 'avg') throw new Error(`The recipe average-pools, but ${card.id} defaults to '${pooling}' pooling.`);
    log(`train's default backbone ${TRAIN_DEFAULTS.backbone} (installed on first use, not timed)`);
    const trainBackbone = await load(engines.onnx, TRAIN_DEFAULTS.backbone);
    const defaultThreads = onnxThreads(engines.onnx);
    const inferenceCpuMs: number[] = [];

    model = await loadLayersModelFromFile(installed.files.path);
    const truncated = tf.model({ inputs: model.inputs, outputs: model.getLayer(cut).output as tf.SymbolicTensor });
    if (tf.getBackend() !== 'wasm') throw new Error(`Expected the wasm backend; tfjs is on '${tf.getBackend()}'.`);

    const warmupSet = { ...dataset, items: dataset.items.slice(0, WARMUP_IMAGES) };
    log(`warm-up on ${WARMUP_IMAGES} images (untimed)`);
    await runRecipe(truncated, files.slice(0, WARMUP_IMAGES), input);
    for (const b of [onnxBackbone, onnx1Backbone, tfjsBackbone, trainBackbone]) await runHeadstart(b, warmupSet, undefined, 'extracted');

    log(`decoding ${n} images once for the pre-decoded runs (CPU time measured, wall time not)`);
    const imageSize = input.height * input.width * 3;
    const decodeCpu = process.cpuUsage();
    const decoded = await Promise.all(files.map((file) => decodeImageFile(file, input)));
    const decodeCpuMs = cpuMs(process.cpuUsage(decodeCpu)) / n;
    const batches: { pixels: Float32Array; count: number }[] = [];
    for (let start = 0; start < n; start += BATCH_SIZE) {
      const chunk = decoded.slice(start, start + BATCH_SIZE);
      const pixels = new Float32Array(chunk.length * imageSize);
      chunk.forEach((p, i) => pixels.set(p, i * imageSize));
      batches.push({ pixels, count: chunk.length });
    }
    await runPreDecoded(onnxBackbone, batches.slice(0, 1));
    await runPreDecoded(onnx1Backbone, batches.slice(0, 1));

    const runs = Object.fromEntries(PIPELINE_IDS.map((id) => [id, [] as BenchRun[]])) as Record<PipelineId, BenchRun[]>;
    const trainRuns: BenchRun[] = [];
    const preRuns = { 1: [] as BenchRun[], [defaultThreads]: [] as BenchRun[] };
    let recipeFeatures: Float32Array[] = [];
    let onnxFeatures = new Map<string, Float32Array>();
    let tfjsFeatures = new Map<string, Float32Array>();
    let warmCacheMaxAbsDiff = 0;
    for (let r = 1; r <= args.repeats; r++) {
      const started = performance.now();
      const recipe = await runRecipe(truncated, files, input);
      runs['tfjs-layers-recipe'].push(toRun(n, performance.now() - started));

      const cold = await runHeadstart(onnxBackbone, dataset, undefined, 'extracted');
      runs['headstart-onnx'].push(toRun(n, cold.durationMs));
      runs['headstart-onnx-1-thread'].push(toRun(n, (await runHeadstart(onnx1Backbone, dataset, undefined, 'extracted')).durationMs));
      const viaTfjs = await runHeadstart(tfjsBackbone, dataset, undefined, 'extracted');
      runs['headstart-tfjs'].push(toRun(n, viaTfjs.durationMs));

      const cache = FeatureCache.open(path.join(tempDir, `cache-${r}.sqlite`));
      try {
        const fill = await runHeadstart(onnxBackbone, dataset, cache, 'extracted');
        runs['headstart-cache-fill'].push(toRun(n, fill.durationMs));
        const warm = await runHeadstart(onnxBackbone, dataset, cache, 'cached');
        runs['headstart-warm-cache'].push(toRun(n, warm.durationMs));
        for (const [file, values] of cold.byFile) {
          const cachedValues = warm.byFile.get(file);
          if (!cachedValues) throw new Error(`The warm-cache run has no features for ${file}.`);
          warmCacheMaxAbsDiff = Math.max(warmCacheMaxAbsDiff, maxAbsDiff(values, cachedValues));
        }
      } finally {
        cache.close();
      }

      trainRuns.push(toRun(n, (await runHeadstart(trainBackbone, dataset, undefined, 'extracted')).durationMs));
      preRuns[1]?.push(toRun(n, await runPreDecoded(onnx1Backbone, batches)));
      const inferenceCpu = process.cpuUsage();
      preRuns[defaultThreads]?.push(toRun(n, await runPreDecoded(onnxBackbone, batches)));
      inferenceCpuMs.push(cpuMs(process.cpuUsage(inferenceCpu)) / n);

      if (r === 1) {
        recipeFeatures = recipe;
        onnxFeatures = cold.byFile;
        tfjsFeatures = viaTfjs.byFile;
      }
      const rates = PIPELINE_IDS.map((id) => `${id} ${formatRate(runs[id][r - 1]?.imagesPerSec ?? NaN)}`).join(', ');
      const pre = Object.entries(preRuns).map(([t, rs]) => `pre-decoded ${t}T ${(rs[r - 1]?.msPerImage ?? NaN).toFixed(2)} ms/image`).join(', ');
      log(`repeat ${r}/${args.repeats} (images/s): ${rates}, ${TRAIN_DEFAULTS.backbone} ${formatRate(trainRuns[r - 1]?.imagesPerSec ?? NaN)}; ${pre}`);
    }

    let featureDiff = 0;
    let tfjsFeatureDiff = 0;
    files.slice(0, CHECK_IMAGES).forEach((file, i) => {
      const ours = onnxFeatures.get(file);
      const viaTfjs = tfjsFeatures.get(file);
      const theirs = recipeFeatures[i];
      if (!ours || !viaTfjs || !theirs) throw new Error(`Missing features for ${file}.`);
      featureDiff = Math.max(featureDiff, maxAbsDiff(ours, theirs));
      tfjsFeatureDiff = Math.max(tfjsFeatureDiff, maxAbsDiff(viaTfjs, theirs));
    });

    const memoryRuns: MemoryResult[] = [];
    for (const count of args.memoryImages) {
      log(`peak memory: ${count} images with the default engine in a fresh process`);
      const m = await measureMemory(args.dataDir, count, home);
      log(`  ${count} images: rss ${m.baselineRssMb.toFixed(0)} MB after loading, peak ${m.peakRssMb.toFixed(0)} MB (${m.samples} samples, ${(m.durationMs / 1000).toFixed(1)} s)`);
      memoryRuns.push(m);
    }

    const pipelines = Object.fromEntries(PIPELINE_IDS.map((id) => [id, summarise(DESCRIPTIONS[id], runs[id])])) as Record<PipelineId, PipelineResult>;
    const preDecoded: PreDecodedResult[] = Object.entries(preRuns).map(([t, rs]) => ({
      threads: Number(t),
      ...summarise(`onnxruntime alone: extractor.extract on pixels decoded up front, batches of ${BATCH_SIZE}, ${t} thread(s)`, rs),
    }));
    const preDefault = preDecoded.find((p) => p.threads === defaultThreads) as PreDecodedResult;
    const recipeRate = pipelines['tfjs-layers-recipe'].medianImagesPerSec;
    const vsRecipe = (id: PipelineId) => pipelines[id].medianImagesPerSec / recipeRate;
    const cpus = os.cpus();
    return {
      benchmark: 'feature-extraction',
      date: new Date().toISOString(),
      node: process.version,
      cpu: cpus[0]?.model.trim() ?? 'unknown',
      cores: cpus.length,
      platform: `${os.platform()} ${os.arch()}`,
      backend: {
        tfjs: tf.version.tfjs,
        name: tf.getBackend(),
        simd: Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')),
        threads: Boolean(await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT')),
      },
      onnx: { version: onnxVersion(), defaultThreads },
      model: { id: card.id, cut, pooling, height: input.height, width: input.width, dim: onnxBackbone.extractor.dim },
      data: { dir: path.relative(repoRoot, args.dataDir) || '.', perClass: args.perClass, classes: dataset.classes, images: n },
      repeats: args.repeats,
      batchSize: BATCH_SIZE,
      pipelines,
      preDecoded,
      trainDefaultBackbone: {
        id: trainBackbone.card.id,
        cut: trainBackbone.cut,
        pooling: trainBackbone.pooling,
        dim: trainBackbone.extractor.dim,
        ...summarise(`train's default backbone (TRAIN_DEFAULTS.backbone) with createEngine() + extractFeatures (batchSize ${BATCH_SIZE}), no cache`, trainRuns),
      },
      ratios: {
        headstartOnnxVsRecipe: vsRecipe('headstart-onnx'),
        headstartOnnx1ThreadVsRecipe: vsRecipe('headstart-onnx-1-thread'),
        headstartTfjsVsRecipe: vsRecipe('headstart-tfjs'),
        headstartWarmCacheVsRecipe: vsRecipe('headstart-warm-cache'),
        endToEndVsPreDecoded: pipelines['headstart-onnx'].medianMsPerImage / preDefault.medianMsPerImage,
      },
      cpuBudget: cpuBudget(decodeCpuMs, median(inferenceCpuMs), cpus.length, preDefault.medianMsPerImage),
      goals: GOALS,
      memory: { sampleEveryMs: MEMORY_SAMPLE_MS, runs: memoryRuns },
      featureCheck: {
        images: Math.min(CHECK_IMAGES, n),
        maxAbsDiff: featureDiff,
        tfjsMaxAbsDiff: tfjsFeatureDiff,
        tolerance: FEATURE_TOLERANCE,
        pass: featureDiff <= FEATURE_TOLERANCE && tfjsFeatureDiff <= FEATURE_TOLERANCE,
        warmCacheMaxAbsDiff,
      },
      notes: [
        'The recipe and headstart-tfjs run on the same tfjs wasm backend in the same process; headstart-onnx runs the same Keras weights converted to ONNX on onnxruntime.',
        'The recipe uses the same sharp resize as headstart (cover, centre, bilinear) so all pipelines see the same pixels.',
        'Timed end to end: reading and decoding the files through to feature vectors in JS memory. Not timed: model loading and the one-off backbone conversions.',
        'Pre-decoded: the images decoded once up front; only extractor.extract is timed.',
        'CPU budget: process CPU time (user + system, all threads) of decoding every image once, and of the pre-decoded inference runs; decoding and inference share the cores, so their sum over the core count bounds any pipeline.',
        `Peak memory: a fresh Node process per count, rss sampled every ${MEMORY_SAMPLE_MS} ms and after each batch; the images are the flowers of ${path.relative(repoRoot, args.dataDir) || '.'} listed again and again, no cache.`,
        `Each pipeline ran once, untimed, on ${WARMUP_IMAGES} images before the first repeat.`,
      ],
    };
  } finally {
    model?.dispose();
    for (const b of backbones) b.dispose();
    for (const e of Object.values(engines)) await e.dispose();
    await fs.rm(tempDir, { recursive: true, force: true });
  }
}

export function formatFeatureExtractionSummary(result: FeatureExtractionBenchResult): string {
  const recipe = result.pipelines['tfjs-layers-recipe'].medianImagesPerSec;
  const row = (label: string, p: PipelineResult, ratio: boolean) => [
    label,
    formatRate(p.medianImagesPerSec),
    p.medianMsPerImage.toFixed(2),
    ratio ? `${(p.medianImagesPerSec / recipe).toFixed(2)}x` : '-',
    p.runs.map((r) => formatRate(r.imagesPerSec)).join(' / '),
  ];
  const t = result.trainDefaultBackbone;
  const rows = [
    ...PIPELINE_IDS.map((id) => row(id, result.pipelines[id], true)),
    ...result.preDecoded.map((p) => row(`onnxruntime alone, pre-decoded, ${p.threads} thread(s)`, p, false)),
    row(`train default ${t.id} (${t.cut}), default engine`, t, false),
  ];
  const check = result.featureCheck;
  const { ratios, goals } = result;
  const verdict = (ok: boolean) => (ok ? 'met' : 'NOT MET');
  return [
    `Feature extraction, ${result.model.id} cut at ${result.model.cut} (${result.model.pooling} pooling, ${result.model.dim} values), ` +
      `${result.data.images} images (${result.data.perClass} per class of ${result.data.dir}), median of ${result.repeats} runs`,
    `tfjs ${result.backend.tfjs} on the ${result.backend.name} backend (simd ${result.backend.simd}, threads ${result.backend.threads}); ` +
      `onnxruntime-node ${result.onnx.version}, default engine ${result.onnx.defaultThreads} threads`,
    `${result.cpu}, ${result.cores} cores, ${result.platform}, Node ${result.node}`,
    '',
    formatTable(rows, { header: ['pipeline', 'images/s', 'ms/image', 'vs recipe', `runs (images/s)`] }),
    '',
    `headstart-onnx vs recipe: ${ratios.headstartOnnxVsRecipe.toFixed(2)}x (goal >= ${goals.onnxVsRecipe}x: ${verdict(ratios.headstartOnnxVsRecipe >= goals.onnxVsRecipe)})`,
    `headstart-onnx end to end / onnxruntime alone (${result.onnx.defaultThreads} threads): ${ratios.endToEndVsPreDecoded.toFixed(2)}x ` +
      `(goal <= ${goals.endToEndVsPreDecoded}x: ${verdict(ratios.endToEndVsPreDecoded <= goals.endToEndVsPreDecoded)})`,
    `CPU time per image: decode ${result.cpuBudget.decodeCpuMsPerImage.toFixed(2)} ms, inference ${result.cpuBudget.inferenceCpuMsPerImage.toFixed(2)} ms ` +
      `(${result.onnx.defaultThreads} threads) -> no pipeline on ${result.cpuBudget.cores} cores can beat ${result.cpuBudget.floorMsPerImage.toFixed(2)} ms/image, ` +
      `${result.cpuBudget.floorVsPreDecoded.toFixed(2)}x onnxruntime alone`,
    `Peak rss, default engine, no cache: ` +
      result.memory.runs.map((m) => `${m.images} images ${m.peakRssMb.toFixed(0)} MB (after loading ${m.baselineRssMb.toFixed(0)} MB)`).join('; '),
    `Feature check (first ${check.images} images): recipe vs headstart-onnx max |diff| = ${check.maxAbsDiff.toExponential(2)}, ` +
      `recipe vs headstart-tfjs ${check.tfjsMaxAbsDiff.toExponential(2)} ` +
      `(tolerance ${check.tolerance}) -> ${check.pass ? 'same features' : 'DIFFERENT FEATURES: the comparison is not apples to apples'}`,
    `Warm cache vs no cache, all images: max |diff| = ${check.warmCacheMaxAbsDiff}`,
  ].join('\n');
}

async function main(): Promise<void> {
  const args = readArgs(process.argv.slice(2));
  if (args.memoryChild !== undefined) return runMemoryChild(args.dataDir, args.memoryChild);
  const result = await runFeatureExtractionBench(args);
  console.log(formatFeatureExtractionSummary(result));
  await writeFileAtomic(RESULT_FILE, `${JSON.stringify(result, null, 2)}\n`);
  console.log(`\nWrote ${path.relative(process.cwd(), RESULT_FILE)}`);
  if (!result.featureCheck.pass) process.exitCode = 1;
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? (err.stack ?? err.message) : err);
    process.exitCode = 1;
  });
}
