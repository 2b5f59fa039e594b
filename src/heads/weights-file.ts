import { promises as fs } from 'node:fs';
import path from 'node:path';
import { HeadstartError } from '../core/index.js';

/** A named array as TF.js's weights manifest describes it. */
export interface NamedArray {
  name: string;
  shape: number[];
  data: Float32Array | Int32Array;
}

interface WeightsJson {
  format: string;
  config: Record<string, unknown>;
  weightsManifest: { paths: string[]; weights: { name: string; shape: number[]; dtype: 'float32' | 'int32' }[] }[];
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
      { paths: ['weights.bin'], weights: arrays.map((a) => ({ name: a.name, shape: a.shape, dtype: a.data instanceof Int32Array ? 'int32' : 'float32' })) },
    ],
  };
  const bin = Buffer.concat(arrays.map((a) => Buffer.from(a.data.buffer, a.data.byteOffset, a.data.byteLength)));
  await fs.writeFile(path.join(dir, 'model.json'), JSON.stringify(json, null, 1));
  await fs.writeFile(path.join(dir, 'weights.bin'), bin);
}

export async function readWeightsFile(dir: string): Promise<{ format: string; config: Record<string, unknown>; arrays: Map<string, NamedArray> }> {
  const jsonPath = path.join(dir, 'model.json');
  const json = JSON.parse(await fs.readFile(jsonPath, 'utf8')) as WeightsJson;
  const bin = await fs.readFile(path.join(dir, 'weights.bin'));
  const arrays = new Map<string, NamedArray>();
  let offset = 0;
  for (const spec of json.weightsManifest.flatMap((g) => g.weights)) {
    const count = spec.shape.reduce((a, b) => a * b, 1);
    const bytes = bin.subarray(offset, offset + count * 4);
    if (bytes.byteLength !== count * 4) throw new HeadstartError('HS_MODEL_INVALID', `${dir}/weights.bin is shorter than ${jsonPath} says.`);
    const copy = new Uint8Array(bytes).buffer;
    arrays.set(spec.name, { name: spec.name, shape: spec.shape, data: spec.dtype === 'int32' ? new Int32Array(copy) : new Float32Array(copy) });
    offset += count * 4;
  }
  return { format: json.format, config: json.config, arrays };
}
