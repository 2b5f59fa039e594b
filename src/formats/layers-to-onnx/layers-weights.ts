import { HeadstartError } from '../../core/index.js';

/** One decoded weight of a TF.js Layers model, in Keras layout (e.g. a conv kernel is [kh, kw, in, out]). */
export interface LayersWeight {
  /** Manifest name, `<layer>/<weight>` (e.g. `Conv1/kernel`). */
  name: string;
  shape: number[];
  values: Float32Array | Int32Array;
}

/** A weightsManifest entry, as TF.js writes it in model.json. */
interface WeightSpec {
  name: string;
  shape: number[];
  dtype: string;
  quantization?: { dtype: string; min?: number; scale?: number };
}

const VALUE_BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, uint8: 1, uint16: 2, float16: 2 };

/** float16 bits to a float32 value (IEEE 754 half precision, with subnormals, infinities and NaN). */
function halfToFloat(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 0x1f) return fraction === 0 ? sign * Infinity : NaN;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

function readSpecs(manifest: unknown, where: string): WeightSpec[] {
  if (!Array.isArray(manifest)) throw new HeadstartError('HS_MODEL_INVALID', `${where} has no "weightsManifest" list: it is not a TF.js Layers model.json.`);
  const specs: WeightSpec[] = [];
  for (const group of manifest as { weights?: unknown }[]) {
    if (!Array.isArray(group?.weights)) throw new HeadstartError('HS_MODEL_INVALID', `${where}: a weightsManifest group has no "weights" list.`);
    for (const spec of group.weights as WeightSpec[]) {
      if (typeof spec?.name !== 'string' || !Array.isArray(spec.shape)) {
        throw new HeadstartError('HS_MODEL_INVALID', `${where}: weightsManifest entry ${JSON.stringify(spec)} needs a "name" and a "shape".`);
      }
      specs.push(spec);
    }
  }
  return specs;
}

/** Decodes one weight the way tfjs-core's io.decodeWeights does, so both engines see the same float32 values. */
function decodeWeight(spec: WeightSpec, bytes: Uint8Array, where: string): Float32Array | Int32Array {
  const count = bytes.byteLength / (VALUE_BYTES[spec.quantization?.dtype ?? spec.dtype] ?? 1);
  // An aligned copy (typed-array views need offsets that are multiples of their size). Uint8Array.prototype.slice
  // copies even for a Node Buffer, whose own slice() is a view of the whole pool.
  const copy = Uint8Array.prototype.slice.call(bytes).buffer;
  const q = spec.quantization;
  if (!q) {
    if (spec.dtype === 'float32') return new Float32Array(copy);
    if (spec.dtype === 'int32') return new Int32Array(copy);
    if (spec.dtype === 'bool') return Int32Array.from(new Uint8Array(copy));
  } else if (q.dtype === 'float16' && spec.dtype === 'float32') {
    const halves = new Uint16Array(copy);
    const out = new Float32Array(count);
    for (let i = 0; i < count; i++) out[i] = halfToFloat(halves[i] ?? 0);
    return out;
  } else if (q.dtype === 'uint8' || q.dtype === 'uint16') {
    if (typeof q.min !== 'number' || typeof q.scale !== 'number') {
      throw new HeadstartError('HS_MODEL_INVALID', `${where}: weight '${spec.name}' is ${q.dtype}-quantised but has no numeric "min" and "scale".`);
    }
    const quantised = q.dtype === 'uint8' ? new Uint8Array(copy) : new Uint16Array(copy);
    const out = spec.dtype === 'int32' ? new Int32Array(count) : new Float32Array(count);
    for (let i = 0; i < count; i++) {
      const v = (quantised[i] ?? 0) * q.scale + q.min;
      out[i] = spec.dtype === 'int32' ? Math.round(v) : v;
    }
    return out;
  }
  throw new HeadstartError(
    'HS_MODEL_INVALID',
    `${where}: weight '${spec.name}' has dtype '${spec.dtype}'${q ? ` quantised as '${q.dtype}'` : ''}. ` +
      `headstart reads float32 and int32 weights, plain or quantised as uint8, uint16 or float16.`,
  );
}

/**
 * Decodes the weights of a TF.js Layers model: `manifest` is model.json's `weightsManifest` and `bytes` the weight
 * shards concatenated in manifest order. Quantised weights (uint8/uint16 with min and scale, float16) come back as
 * float32. `where` names the model file in error messages.
 */
export function readLayersWeights(manifest: unknown, bytes: Uint8Array, where: string): Map<string, LayersWeight> {
  const weights = new Map<string, LayersWeight>();
  let offset = 0;
  for (const spec of readSpecs(manifest, where)) {
    const storage = spec.quantization?.dtype ?? spec.dtype;
    const size = VALUE_BYTES[storage];
    if (size === undefined) {
      throw new HeadstartError('HS_MODEL_INVALID', `${where}: weight '${spec.name}' is stored as '${storage}', which headstart cannot read.`);
    }
    const count = spec.shape.reduce((a, b) => a * b, 1);
    const end = offset + count * size;
    if (end > bytes.byteLength) {
      throw new HeadstartError(
        'HS_MODEL_INVALID',
        `${where}: the weight files hold ${bytes.byteLength} bytes, but the manifest needs ${end} by weight '${spec.name}'. ` +
          `Check that every shard listed in weightsManifest is present and complete.`,
      );
    }
    weights.set(spec.name, { name: spec.name, shape: spec.shape, values: decodeWeight(spec, bytes.subarray(offset, end), where) });
    offset = end;
  }
  if (offset !== bytes.byteLength) {
    throw new HeadstartError('HS_MODEL_INVALID', `${where}: the manifest describes ${offset} bytes of weights but the weight files hold ${bytes.byteLength}.`);
  }
  return weights;
}

/**
 * Groups weights by layer: layer name -> short weight name (`kernel`, `bias`, `gamma`, ...) -> weight. Reads
 * `<layer>/<weight>`, also under an enclosing model's prefix (`model/<layer>/<weight>`) and with a TF variable
 * suffix (`kernel:0`).
 */
export function groupWeightsByLayer(weights: Map<string, LayersWeight>): Map<string, Map<string, LayersWeight>> {
  const byLayer = new Map<string, Map<string, LayersWeight>>();
  for (const [name, weight] of weights) {
    const parts = name.split('/');
    const layer = parts[parts.length - 2];
    if (layer === undefined) continue;
    const short = (parts[parts.length - 1] ?? '').replace(/:\d+$/, '');
    const own = byLayer.get(layer) ?? new Map<string, LayersWeight>();
    if (!own.has(short)) own.set(short, weight);
    byLayer.set(layer, own);
  }
  return byLayer;
}
