/**
 * Feature-extraction throughput (images per second): headstart's `extractFeatures` against the plain TF.js Layers
 * recipe of Teachable Machine and the TF.js tutorials, on the same images, the same weights and the same tfjs wasm
 * backend in the same process, so what is compared is the pipeline, not the backend.
 *
 * - tfjs-layers-recipe: `tf.loadLayersModel` on the zoo's model.json + weights.bin, `tf.model` truncated at the cut
 *   layer, then per image: sharp decode and resize to 224x224, tensor from the raw pixels, scale to [0, 1],
 *   `predict` on a batch of 1, global average pooling, `dataSync`.
 * - headstart-cold: `loadBackbone` + `extractFeatures` (batches of 16), no cache.
 * - headstart-cache-fill / headstart-warm-cache: the same with a FeatureCache in a fresh SQLite file, run twice; the
 *   second run reads every vector from the cache.
 *
 * Model loading and the one-off conversion of the backbone are not timed. Each pipeline first runs once, untimed, on
 * the first 16 images. Every repeat then times the pipelines one after the other, in the order above.
 *
 * Usage: npx tsx bench/feature-extraction.ts [--data DIR] [--per-class N] [--repeats N]
 * Writes bench/results/feature-extraction.json. HEADSTART_HOME names the backbone folder (default: a temp folder).
 */
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
import { FeatureCache, extractFeatures, formatTable, installBackbone, loadBackbone, loadImageDataset } from '../src/index.js';
import type { Backbone, ImageDataset, InputSpec, LabeledItem } from '../src/index.js';
import { PIPELINE_IDS } from './feature-extraction-result.js';
import type { BenchRun, FeatureExtractionBenchResult, PipelineId, PipelineResult } from './feature-extraction-result.js';

const BACKBONE_ID = 'mobilenet-v2';
const BATCH_SIZE = 16;
/** One headstart batch, so that the warm-up also exercises the batch shape the timed runs use. */
const WARMUP_IMAGES = BATCH_SIZE;
const CHECK_IMAGES = 5;
const FEATURE_TOLERANCE = 1e-3;

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const RESULT_FILE = path.join(repoRoot, 'bench', 'results', 'feature-extraction.json');

const DESCRIPTIONS: Record<PipelineId, string> = {
  'tfjs-layers-recipe':
    'tf.loadLayersModel + tf.model truncated at the cut; per image: sharp resize, tensor, /255, predict on a batch of 1, average pool, dataSync',
  'headstart-cold': `loadBackbone + extractFeatures (batchSize ${BATCH_SIZE}), no cache`,
  'headstart-cache-fill': `extractFeatures (batchSize ${BATCH_SIZE}) with an empty FeatureCache: extracts and stores every vector`,
  'headstart-warm-cache': 'extractFeatures with the FeatureCache filled by the previous run: every vector read from SQLite',
};

interface BenchArgs {
  dataDir: string;
  perClass: number;
  repeats: number;
}

function positiveInt(flag: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`Expected --${flag} to be a positive integer. Received: '${value}'.`);
  return n;
}

function readArgs(argv: string[]): BenchArgs {
  const { values } = parseArgs({
    args: argv,
    options: { data: { type: 'string' }, 'per-class': { type: 'string' }, repeats: { type: 'string' } },
    strict: true,
  });
  return {
    dataDir: values.data !== undefined ? path.resolve(values.data) : path.resolve(repoRoot, '../shared/data/flowers'),
    perClass: positiveInt('per-class', values['per-class'], 15),
    repeats: positiveInt('repeats', values.repeats, 3),
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

function summarise(id: PipelineId, runs: BenchRun[]): PipelineResult {
  return {
    description: DESCRIPTIONS[id],
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

export async function runFeatureExtractionBench(args: BenchArgs): Promise<FeatureExtractionBenchResult> {
  const dataset = firstPerClass(await loadImageDataset(args.dataDir), args.perClass);
  const files = dataset.items.map((item) => item.path);
  const n = files.length;

  const tempDir = await fs.mkdtemp(path.join(os.tmpdir(), 'headstart-bench-'));
  const home = process.env.HEADSTART_HOME ?? path.join(tempDir, 'home');
  let backbone: Backbone | undefined;
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
    backbone = await loadBackbone(installed, {});
    const { cut, pooling } = backbone;
    if (pooling !== 'avg') throw new Error(`The recipe average-pools, but ${card.id} defaults to '${pooling}' pooling.`);

    model = await loadLayersModelFromFile(installed.files.path);
    const truncated = tf.model({ inputs: model.inputs, outputs: model.getLayer(cut).output as tf.SymbolicTensor });
    if (tf.getBackend() !== 'wasm') throw new Error(`Expected the wasm backend; tfjs is on '${tf.getBackend()}'.`);

    log(`warm-up on ${WARMUP_IMAGES} images (untimed)`);
    await runRecipe(truncated, files.slice(0, WARMUP_IMAGES), input);
    await runHeadstart(backbone, { ...dataset, items: dataset.items.slice(0, WARMUP_IMAGES) }, undefined, 'extracted');

    const runs: Record<PipelineId, BenchRun[]> = { 'tfjs-layers-recipe': [], 'headstart-cold': [], 'headstart-cache-fill': [], 'headstart-warm-cache': [] };
    let recipeFeatures: Float32Array[] = [];
    let coldFeatures = new Map<string, Float32Array>();
    let warmCacheMaxAbsDiff = 0;
    for (let r = 1; r <= args.repeats; r++) {
      const started = performance.now();
      const recipe = await runRecipe(truncated, files, input);
      runs['tfjs-layers-recipe'].push(toRun(n, performance.now() - started));

      const cold = await runHeadstart(backbone, dataset, undefined, 'extracted');
      runs['headstart-cold'].push(toRun(n, cold.durationMs));

      const cache = FeatureCache.open(path.join(tempDir, `cache-${r}.sqlite`));
      try {
        const fill = await runHeadstart(backbone, dataset, cache, 'extracted');
        runs['headstart-cache-fill'].push(toRun(n, fill.durationMs));
        const warm = await runHeadstart(backbone, dataset, cache, 'cached');
        runs['headstart-warm-cache'].push(toRun(n, warm.durationMs));
        for (const [file, values] of cold.byFile) {
          const cachedValues = warm.byFile.get(file);
          if (!cachedValues) throw new Error(`The warm-cache run has no features for ${file}.`);
          warmCacheMaxAbsDiff = Math.max(warmCacheMaxAbsDiff, maxAbsDiff(values, cachedValues));
        }
      } finally {
        cache.close();
      }
      if (r === 1) {
        recipeFeatures = recipe;
        coldFeatures = cold.byFile;
      }
      const rates = PIPELINE_IDS.map((id) => `${id} ${formatRate(runs[id][r - 1]?.imagesPerSec ?? NaN)}`).join(', ');
      log(`repeat ${r}/${args.repeats} (images/s): ${rates}`);
    }

    let featureDiff = 0;
    files.slice(0, CHECK_IMAGES).forEach((file, i) => {
      const ours = coldFeatures.get(file);
      const theirs = recipeFeatures[i];
      if (!ours || !theirs) throw new Error(`Missing features for ${file}.`);
      featureDiff = Math.max(featureDiff, maxAbsDiff(ours, theirs));
    });

    const pipelines = Object.fromEntries(PIPELINE_IDS.map((id) => [id, summarise(id, runs[id])])) as Record<PipelineId, PipelineResult>;
    const recipeRate = pipelines['tfjs-layers-recipe'].medianImagesPerSec;
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
      model: { id: card.id, cut, pooling, height: input.height, width: input.width, dim: backbone.extractor.dim },
      data: { dir: path.relative(repoRoot, args.dataDir) || '.', perClass: args.perClass, classes: dataset.classes, images: n },
      repeats: args.repeats,
      batchSize: BATCH_SIZE,
      pipelines,
      ratios: {
        headstartColdVsRecipe: pipelines['headstart-cold'].medianImagesPerSec / recipeRate,
        headstartWarmCacheVsRecipe: pipelines['headstart-warm-cache'].medianImagesPerSec / recipeRate,
      },
      featureCheck: {
        images: Math.min(CHECK_IMAGES, n),
        maxAbsDiff: featureDiff,
        tolerance: FEATURE_TOLERANCE,
        pass: featureDiff <= FEATURE_TOLERANCE,
        warmCacheMaxAbsDiff,
      },
      notes: [
        'Both pipelines run on the same tfjs wasm backend in the same process: this compares pipelines, not backends.',
        'The recipe uses the same sharp resize as headstart (cover, centre, bilinear) so both see the same pixels.',
        'Timed: reading and decoding the files through to feature vectors in JS memory. Not timed: model loading and the one-off backbone conversion.',
        `Each pipeline ran once, untimed, on ${WARMUP_IMAGES} images before the first repeat.`,
      ],
    };
  } finally {
    model?.dispose();
    backbone?.dispose();
    await fs.rm(tempDir, { recursive: true, force: true });
  }
}

export function formatFeatureExtractionSummary(result: FeatureExtractionBenchResult): string {
  const recipe = result.pipelines['tfjs-layers-recipe'].medianImagesPerSec;
  const rows = PIPELINE_IDS.map((id) => {
    const p = result.pipelines[id];
    return [
      id,
      formatRate(p.medianImagesPerSec),
      p.medianMsPerImage.toFixed(2),
      `${(p.medianImagesPerSec / recipe).toFixed(2)}x`,
      p.runs.map((r) => formatRate(r.imagesPerSec)).join(' / '),
    ];
  });
  const check = result.featureCheck;
  return [
    `Feature extraction, ${result.model.id} cut at ${result.model.cut} (${result.model.pooling} pooling, ${result.model.dim} values), ` +
      `${result.data.images} images (${result.data.perClass} per class of ${result.data.dir}), median of ${result.repeats} runs`,
    `tfjs ${result.backend.tfjs} on the ${result.backend.name} backend (simd ${result.backend.simd}, threads ${result.backend.threads}) ` +
      `for both pipelines: this compares pipelines, not backends.`,
    `${result.cpu}, ${result.cores} cores, ${result.platform}, Node ${result.node}`,
    '',
    formatTable(rows, { header: ['pipeline', 'images/s', 'ms/image', 'vs recipe', `runs (images/s)`] }),
    '',
    `Feature check (first ${check.images} images, recipe vs headstart): max |diff| = ${check.maxAbsDiff.toExponential(2)} ` +
      `(tolerance ${check.tolerance}) -> ${check.pass ? 'same features' : 'DIFFERENT FEATURES: the comparison is not apples to apples'}`,
    `Warm cache vs cold, all images: max |diff| = ${check.warmCacheMaxAbsDiff}`,
  ].join('\n');
}

async function main(): Promise<void> {
  const result = await runFeatureExtractionBench(readArgs(process.argv.slice(2)));
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
