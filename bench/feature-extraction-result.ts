/**
 * The JSON document bench/feature-extraction.ts writes to bench/results/feature-extraction.json, and its reader.
 * scripts/render-bench-table.ts turns it into the README's results table.
 */

/** Pipelines in the order they are run and shown. */
export const PIPELINE_IDS = ['tfjs-layers-recipe', 'headstart-cold', 'headstart-cache-fill', 'headstart-warm-cache'] as const;
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

export interface FeatureExtractionBenchResult {
  benchmark: 'feature-extraction';
  /** ISO 8601, when the run finished. */
  date: string;
  node: string;
  cpu: string;
  cores: number;
  platform: string;
  /** tfjs version and backend, with the wasm feature flags it started with. */
  backend: { tfjs: string; name: string; simd: boolean; threads: boolean };
  model: { id: string; cut: string; pooling: string; height: number; width: number; dim: number };
  data: { dir: string; perClass: number; classes: string[]; images: number };
  repeats: number;
  /** headstart's batch size; the recipe always predicts on a batch of 1. */
  batchSize: number;
  pipelines: Record<PipelineId, PipelineResult>;
  /** Median images/s of a headstart pipeline divided by the recipe's. */
  ratios: { headstartColdVsRecipe: number; headstartWarmCacheVsRecipe: number };
  /** Both pipelines on the same images: if they disagree, the comparison is not apples to apples. */
  featureCheck: {
    images: number;
    /** Largest |recipe - headstart| over every value of the first `images` feature vectors. */
    maxAbsDiff: number;
    tolerance: number;
    pass: boolean;
    /** Largest |cold - warm cache| over all images; the cache stores float32 exactly, so 0. */
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
  const { pipelines, ratios, featureCheck, model, data, backend } = json;
  if (!isRecord(backend) || typeof backend.tfjs !== 'string' || typeof backend.name !== 'string') fail(file, 'backend is malformed');
  if (!isRecord(model) || typeof model.id !== 'string' || typeof model.cut !== 'string') fail(file, 'model is malformed');
  if (!isRecord(data) || !isFiniteNumber(data.images) || !isFiniteNumber(data.perClass) || !Array.isArray(data.classes)) {
    fail(file, 'data is malformed');
  }
  if (!isRecord(pipelines)) fail(file, 'pipelines is missing');
  for (const id of PIPELINE_IDS) {
    const p = pipelines[id];
    if (!isRecord(p) || !isFiniteNumber(p.medianImagesPerSec) || !isFiniteNumber(p.medianMsPerImage) || !Array.isArray(p.runs)) {
      fail(file, `pipelines['${id}'] is missing or malformed`);
    }
  }
  if (!isRecord(ratios) || !isFiniteNumber(ratios.headstartColdVsRecipe) || !isFiniteNumber(ratios.headstartWarmCacheVsRecipe)) {
    fail(file, 'ratios is malformed');
  }
  if (
    !isRecord(featureCheck) ||
    !isFiniteNumber(featureCheck.maxAbsDiff) ||
    !isFiniteNumber(featureCheck.tolerance) ||
    typeof featureCheck.pass !== 'boolean'
  ) {
    fail(file, 'featureCheck is malformed');
  }
  return json as unknown as FeatureExtractionBenchResult;
}
