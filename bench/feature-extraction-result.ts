/**
 * The JSON document bench/feature-extraction.ts writes to bench/results/feature-extraction.json, and its reader.
 * scripts/render-bench-table.ts turns it into the README's results table.
 */

/**
 * End-to-end pipelines (files in, feature vectors out, no cache unless named) on the same images, in the order they
 * are run and shown. All run the bench model (mobilenet-v2 at its default cut).
 */
export const PIPELINE_IDS = [
  'tfjs-layers-recipe',
  'headstart-onnx',
  'headstart-onnx-1-thread',
  'headstart-tfjs',
  'headstart-cache-fill',
  'headstart-warm-cache',
] as const;
export type PipelineId = (typeof PIPELINE_IDS)[number];

/** One timed pass over every image. */
export interface BenchRun {
  imagesPerSec: number;
  msPerImage: number;
  durationMs: number;
}

export interface PipelineResult {
  /** What the pipeline does, in one sentence. */
  description: string;
  /** Median of `runs` (the median run when `repeats` is odd, else the mean of the middle two). */
  medianImagesPerSec: number;
  medianMsPerImage: number;
  runs: BenchRun[];
}

/** onnxruntime alone: `extractor.extract` on pixels decoded up front, in batches of `batchSize`. */
export interface PreDecodedResult extends PipelineResult {
  threads: number;
}

/** Peak resident set size while extracting `images` images with the default engine, in a fresh Node process. */
export interface MemoryResult {
  images: number;
  /** rss after loading the backbone, before extracting. */
  baselineRssMb: number;
  /** Largest rss sampled (every `sampleEveryMs` ms, and after each batch). */
  peakRssMb: number;
  samples: number;
  durationMs: number;
}

export interface FeatureExtractionBenchResult {
  benchmark: 'feature-extraction';
  /** ISO 8601, when the run finished. */
  date: string;
  node: string;
  cpu: string;
  cores: number;
  platform: string;
  /** tfjs version and backend (the recipe's and the tfjs engine's), with the wasm feature flags it started with. */
  backend: { tfjs: string; name: string; simd: boolean; threads: boolean };
  /** onnxruntime-node version and the default engine's intra-op thread count. */
  onnx: { version: string; defaultThreads: number };
  model: { id: string; cut: string; pooling: string; height: number; width: number; dim: number };
  data: { dir: string; perClass: number; classes: string[]; images: number };
  repeats: number;
  /** headstart's batch size; the recipe always predicts on a batch of 1. */
  batchSize: number;
  pipelines: Record<PipelineId, PipelineResult>;
  /** onnxruntime's own time on pre-decoded pixels, 1 and `onnx.defaultThreads` threads. */
  preDecoded: PreDecodedResult[];
  /** train's default backbone end to end with the default engine: informational (a different model from the rows above). */
  trainDefaultBackbone: PipelineResult & { id: string; cut: string; pooling: string; dim: number };
  /** Median images/s of a headstart pipeline divided by the recipe's; endToEndVsPreDecoded is ms/image over ms/image. */
  ratios: {
    headstartOnnxVsRecipe: number;
    headstartOnnx1ThreadVsRecipe: number;
    headstartTfjsVsRecipe: number;
    headstartWarmCacheVsRecipe: number;
    /** headstart-onnx end to end (ms/image) over onnxruntime alone at the default thread count (ms/image). */
    endToEndVsPreDecoded: number;
  };
  goals: { onnxVsRecipe: number; endToEndVsPreDecoded: number };
  /** CPU time per image of decoding and of inference (default threads); their sum over the cores is a floor for any pipeline. */
  cpuBudget: { decodeCpuMsPerImage: number; inferenceCpuMsPerImage: number; cores: number; floorMsPerImage: number; floorVsPreDecoded: number };
  memory: { sampleEveryMs: number; runs: MemoryResult[] };
  /** The pipelines on the same images: if they disagree, the comparison is not apples to apples. */
  featureCheck: {
    images: number;
    /** Largest |recipe - headstart (default onnx engine)| over every value of the first `images` feature vectors. */
    maxAbsDiff: number;
    /** The same against headstart on the tfjs engine. */
    tfjsMaxAbsDiff: number;
    tolerance: number;
    pass: boolean;
    /** Largest |no cache - warm cache| over all images; the cache stores float32 exactly, so 0. */
    warmCacheMaxAbsDiff: number;
  };
  notes: string[];
}

function fail(file: string, what: string): never {
  throw new Error(`${file} is not a feature-extraction bench result: ${what}. Run 'npm run bench' to regenerate it.`);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isFiniteNumber(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

function isPipeline(p: unknown): boolean {
  return isRecord(p) && isFiniteNumber(p.medianImagesPerSec) && isFiniteNumber(p.medianMsPerImage) && Array.isArray(p.runs);
}

/**
 * Checks the fields the table is made from, so a stale or hand-edited file fails with the field's name rather than
 * rendering "undefined".
 */
export function parseFeatureExtractionResult(json: unknown, file: string): FeatureExtractionBenchResult {
  if (!isRecord(json)) fail(file, 'expected a JSON object');
  if (json.benchmark !== 'feature-extraction') fail(file, `benchmark is ${JSON.stringify(json.benchmark)}`);
  for (const key of ['date', 'node', 'cpu', 'platform'] as const) {
    if (typeof json[key] !== 'string') fail(file, `${key} is not a string`);
  }
  for (const key of ['cores', 'repeats', 'batchSize'] as const) {
    if (!isFiniteNumber(json[key])) fail(file, `${key} is not a number`);
  }
  const { pipelines, ratios, featureCheck, model, data, backend, onnx, preDecoded, trainDefaultBackbone, memory } = json;
  if (!isRecord(backend) || typeof backend.tfjs !== 'string' || typeof backend.name !== 'string') fail(file, 'backend is malformed');
  if (!isRecord(onnx) || typeof onnx.version !== 'string' || !isFiniteNumber(onnx.defaultThreads)) fail(file, 'onnx is malformed');
  if (!isRecord(model) || typeof model.id !== 'string' || typeof model.cut !== 'string') fail(file, 'model is malformed');
  if (!isRecord(data) || !isFiniteNumber(data.images) || !isFiniteNumber(data.perClass) || !Array.isArray(data.classes)) {
    fail(file, 'data is malformed');
  }
  if (!isRecord(pipelines)) fail(file, 'pipelines is missing');
  for (const id of PIPELINE_IDS) {
    if (!isPipeline(pipelines[id])) fail(file, `pipelines['${id}'] is missing or malformed`);
  }
  if (!Array.isArray(preDecoded) || preDecoded.length === 0 || !preDecoded.every((p) => isPipeline(p) && isFiniteNumber((p as Record<string, unknown>).threads))) {
    fail(file, 'preDecoded is missing or malformed');
  }
  if (!isPipeline(trainDefaultBackbone) || typeof (trainDefaultBackbone as Record<string, unknown>).id !== 'string') {
    fail(file, 'trainDefaultBackbone is missing or malformed');
  }
  if (
    !isRecord(memory) ||
    !Array.isArray(memory.runs) ||
    !memory.runs.every((m) => isRecord(m) && isFiniteNumber(m.images) && isFiniteNumber(m.peakRssMb) && isFiniteNumber(m.baselineRssMb))
  ) {
    fail(file, 'memory is missing or malformed');
  }
  const ratioKeys = ['headstartOnnxVsRecipe', 'headstartOnnx1ThreadVsRecipe', 'headstartTfjsVsRecipe', 'headstartWarmCacheVsRecipe', 'endToEndVsPreDecoded'];
  if (!isRecord(ratios) || !ratioKeys.every((k) => isFiniteNumber(ratios[k]))) fail(file, 'ratios is malformed');
  const { cpuBudget } = json;
  if (!isRecord(cpuBudget) || !['decodeCpuMsPerImage', 'inferenceCpuMsPerImage', 'floorMsPerImage', 'floorVsPreDecoded'].every((k) => isFiniteNumber(cpuBudget[k]))) {
    fail(file, 'cpuBudget is missing or malformed');
  }
  if (
    !isRecord(featureCheck) ||
    !isFiniteNumber(featureCheck.maxAbsDiff) ||
    !isFiniteNumber(featureCheck.tfjsMaxAbsDiff) ||
    !isFiniteNumber(featureCheck.tolerance) ||
    typeof featureCheck.pass !== 'boolean'
  ) {
    fail(file, 'featureCheck is malformed');
  }
  return json as unknown as FeatureExtractionBenchResult;
}
