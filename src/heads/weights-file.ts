import { promises as fs } from 'node:fs';
import path from 'node:path';
import { HeadstartError } from '../core/index.js';

/** A named array as TF.js's weights manifest describes it. */
export interface NamedArray {
  name: string;
  shape: number[];
  data: Float32Array | Int32Array;
}

type WeightDtype = 'float32' | 'int32';

interface WeightSpec {
  name: string;
  shape: number[];
  dtype: WeightDtype;
}

/** model.json as headstart writes it for every saved head (and a fine-tuned top): checked, with its weights. */
export interface HeadFiles {
  /** model.json's path, for messages. */
  jsonPath: string;
  /** 'layers-model' (a TF.js Layers model), or a headstart data head ('headstart-knn', 'headstart-prototype'). */
  format: string;
  /** The whole model.json, as parsed. */
  modelJson: Record<string, unknown>;
  /** Data heads: their settings (dimensions, k, temperature). */
  config: Record<string, unknown>;
  weightSpecs: WeightSpec[];
  /** weights.bin, whose length matches the specs. */
  weights: Uint8Array;
}

/** The one weights file of a head folder; model.json's weightsManifest must name it and nothing else. */
const WEIGHTS_FILE = 'weights.bin';
const BYTES_PER_VALUE: Record<WeightDtype, number> = { float32: 4, int32: 4 };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function headError(file: string, what: string, cause?: unknown): HeadstartError {
  return new HeadstartError('HS_MODEL_INVALID', `Cannot load the head in ${file}: ${what}. Train the model again, or restore the folder from a copy.`, cause === undefined ? {} : { cause });
}

function parseWeightSpecs(manifest: unknown, jsonPath: string): WeightSpec[] {
  if (!Array.isArray(manifest)) throw headError(jsonPath, 'weightsManifest should be a list');
  const specs: WeightSpec[] = [];
  for (const group of manifest as unknown[]) {
    if (!isRecord(group) || !Array.isArray(group.paths) || !Array.isArray(group.weights)) throw headError(jsonPath, 'each weightsManifest entry needs paths and weights lists');
    if (group.paths.some((p) => p !== WEIGHTS_FILE)) throw headError(jsonPath, `weightsManifest names ${JSON.stringify(group.paths)}; a head keeps its weights in ${WEIGHTS_FILE} beside model.json`);
    for (const w of group.weights as unknown[]) {
      const valid =
        isRecord(w) &&
        typeof w.name === 'string' &&
        Array.isArray(w.shape) &&
        w.shape.every((d) => Number.isInteger(d) && (d as number) >= 0) &&
        (w.dtype === 'float32' || w.dtype === 'int32');
      if (!valid) throw headError(jsonPath, `weight ${JSON.stringify(w).slice(0, 80)} needs a name, a shape of non-negative integers and dtype float32 or int32`);
      specs.push({ name: w.name as string, shape: w.shape as number[], dtype: w.dtype as WeightDtype });
    }
  }
  return specs;
}

/**
 * Reads and checks a head folder's model.json and weights.bin: valid JSON of the expected shape, and exactly as
 * many weight bytes as the manifest describes (a truncated or swapped weights.bin is named, not fed to an engine).
 * Every reader of a saved head goes through here.
 * @throws HeadstartError `HS_MODEL_INVALID` naming the file and what is wrong.
 */
export async function readHeadFiles(dir: string): Promise<HeadFiles> {
  const jsonPath = path.join(dir, 'model.json');
  let text: string;
  try {
    text = await fs.readFile(jsonPath, 'utf8');
  } catch (err) {
    const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
    throw headError(jsonPath, missing ? 'the file is missing' : (err as Error).message, err);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw headError(jsonPath, `not valid JSON (${(err as Error).message})`, err);
  }
  if (!isRecord(parsed)) throw headError(jsonPath, 'not a JSON object');
  if (typeof parsed.format !== 'string') throw headError(jsonPath, 'no "format" field');
  if (parsed.format === 'layers-model' && !isRecord(parsed.modelTopology)) throw headError(jsonPath, 'a layers-model needs a "modelTopology" object');
  const config = parsed.config === undefined ? {} : parsed.config;
  if (!isRecord(config)) throw headError(jsonPath, '"config" should be an object');
  const weightSpecs = parseWeightSpecs(parsed.weightsManifest, jsonPath);

  const binPath = path.join(dir, WEIGHTS_FILE);
  let weights: Buffer;
  try {
    weights = await fs.readFile(binPath);
  } catch (err) {
    throw headError(binPath, (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'the file is missing' : (err as Error).message, err);
  }
  const expected = weightSpecs.reduce((sum, w) => sum + w.shape.reduce((a, b) => a * b, 1) * BYTES_PER_VALUE[w.dtype], 0);
  if (weights.byteLength !== expected) {
    const how = weights.byteLength < expected ? 'truncated' : 'longer than described';
    throw headError(binPath, `it is ${weights.byteLength} bytes, but model.json describes ${expected} (${how}: the file is damaged or belongs to another model)`);
  }
  return { jsonPath, format: parsed.format, modelJson: parsed, config, weightSpecs, weights };
}

interface WeightsJson {
  format: string;
  config: Record<string, unknown>;
  weightsManifest: { paths: string[]; weights: WeightSpec[] }[];
}

/**
 * Writes arrays as a TF.js weights manifest plus one little-endian weights.bin, the format tfjs's
 * `io.decodeWeights` reads; used for heads that are data (support sets, prototypes) rather than a Layers model.
 */
export async function writeWeightsFile(dir: string, format: string, config: Record<string, unknown>, arrays: NamedArray[]): Promise<void> {
  const json: WeightsJson = {
    format,
    config,
    weightsManifest: [
      { paths: [WEIGHTS_FILE], weights: arrays.map((a) => ({ name: a.name, shape: a.shape, dtype: a.data instanceof Int32Array ? 'int32' : 'float32' })) },
    ],
  };
  const bin = Buffer.concat(arrays.map((a) => Buffer.from(a.data.buffer, a.data.byteOffset, a.data.byteLength)));
  await fs.writeFile(path.join(dir, 'model.json'), JSON.stringify(json, null, 1));
  await fs.writeFile(path.join(dir, WEIGHTS_FILE), bin);
}

/** The named arrays of a checked head folder (see readHeadFiles). */
export function weightArrays(files: HeadFiles): Map<string, NamedArray> {
  const arrays = new Map<string, NamedArray>();
  let offset = 0;
  for (const spec of files.weightSpecs) {
    const bytes = spec.shape.reduce((a, b) => a * b, 1) * BYTES_PER_VALUE[spec.dtype];
    const copy = new Uint8Array(files.weights.subarray(offset, offset + bytes)).buffer;
    arrays.set(spec.name, { name: spec.name, shape: spec.shape, data: spec.dtype === 'int32' ? new Int32Array(copy) : new Float32Array(copy) });
    offset += bytes;
  }
  return arrays;
}
