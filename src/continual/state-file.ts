import { promises as fs } from 'node:fs';
import path from 'node:path';
import { HeadstartError } from '../core/index.js';
import type { ContinualOptions, ContinualStrategy } from './learner.js';

export const STATE_JSON = 'state.json';
export const STATE_BIN = 'state.bin';
export const STATE_FORMAT_VERSION = 1;

/** A named array of a learner's state. Float64 where sums must stay exact across updates. */
export interface StateArray {
  name: string;
  data: Float64Array | Float32Array | Int32Array;
}

const DTYPES = { float64: Float64Array, float32: Float32Array, int32: Int32Array } as const;
type DType = keyof typeof DTYPES;
const dtypeOf = (a: StateArray['data']): DType => (a instanceof Float64Array ? 'float64' : a instanceof Float32Array ? 'float32' : 'int32');

/** state.json: which learner, on which feature space, with which options; the arrays sit in state.bin. */
export interface StateJson {
  formatVersion: number;
  strategy: ContinualStrategy;
  dim: number;
  classes: string[];
  options: Required<ContinualOptions>;
  arrays: { name: string; dtype: DType; length: number }[];
  meta: Record<string, unknown>;
}

export async function writeStateFiles(dir: string, json: Omit<StateJson, 'arrays' | 'formatVersion'>, arrays: StateArray[]): Promise<void> {
  const full: StateJson = { formatVersion: STATE_FORMAT_VERSION, ...json, arrays: arrays.map((a) => ({ name: a.name, dtype: dtypeOf(a.data), length: a.data.length })) };
  // Every array is a multiple of 8 bytes long or followed by padding, so float64 arrays stay aligned when read back.
  const parts = arrays.flatMap((a) => {
    const bytes = Buffer.from(a.data.buffer, a.data.byteOffset, a.data.byteLength);
    return bytes.length % 8 === 0 ? [bytes] : [bytes, Buffer.alloc(8 - (bytes.length % 8))];
  });
  await fs.writeFile(path.join(dir, STATE_BIN), Buffer.concat(parts));
  await fs.writeFile(path.join(dir, STATE_JSON), JSON.stringify(full, null, 1));
}

export async function readStateFiles(dir: string): Promise<{ json: StateJson; arrays: Map<string, StateArray['data']> }> {
  const jsonPath = path.join(dir, STATE_JSON);
  const fail = (what: string, cause?: unknown) =>
    new HeadstartError('HS_MODEL_INVALID', `${jsonPath} is not a continual-learning state headstart can read: ${what}. Roll the model back (headstart update --rollback) or train it again.`, { cause });
  let json: StateJson;
  let bin: Buffer;
  try {
    json = JSON.parse(await fs.readFile(jsonPath, 'utf8')) as StateJson;
    bin = await fs.readFile(path.join(dir, STATE_BIN));
  } catch (err) {
    throw fail((err as Error).message, err);
  }
  if (json.formatVersion !== STATE_FORMAT_VERSION || !Array.isArray(json.arrays) || !Array.isArray(json.classes)) throw fail(`formatVersion ${String(json.formatVersion)} or its fields are not what this headstart writes`);
  const arrays = new Map<string, StateArray['data']>();
  let offset = 0;
  for (const spec of json.arrays) {
    const Type = DTYPES[spec.dtype];
    if (!Type) throw fail(`array ${spec.name} has dtype '${String(spec.dtype)}'`);
    const byteLength = spec.length * Type.BYTES_PER_ELEMENT;
    if (offset + byteLength > bin.length) throw fail(`${STATE_BIN} is shorter than ${STATE_JSON} says`);
    arrays.set(spec.name, new Type(new Uint8Array(bin.subarray(offset, offset + byteLength)).buffer));
    offset += byteLength + (byteLength % 8 === 0 ? 0 : 8 - (byteLength % 8));
  }
  return { json, arrays };
}
