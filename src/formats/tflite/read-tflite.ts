import { HeadstartError } from '../../core/index.js';
import {
  ACTIVATIONS,
  BUILTIN_OPTIONS,
  ByteBuffer,
  FbTable,
  FIELDS,
  FlatbufferRangeError,
  PADDINGS,
  TENSOR_TYPES,
  builtinOperatorName,
} from './tflite-schema.js';
import type { TfliteActivation, TflitePadding, TfliteTensorType } from './tflite-schema.js';

export type { TfliteActivation, TflitePadding, TfliteTensorType } from './tflite-schema.js';

/** Affine quantisation: real = scale * (q - zeroPoint), per tensor (one entry) or per channel along quantizedDimension. */
export interface TfliteQuantization {
  scale: number[];
  zeroPoint: number[];
  quantizedDimension: number;
  /** Calibration range, when the converter kept it. */
  min?: number[];
  max?: number[];
}

export interface TfliteTensor {
  /** Position in its subgraph's tensor list (what operators refer to). */
  index: number;
  name: string;
  shape: number[];
  type: TfliteTensorType;
  /** Index into the model's buffers (0 means no data). */
  buffer: number;
  /** Present when the tensor carries scale/zero point (activations keep theirs; constants are already dequantised). */
  quantization?: TfliteQuantization;
  /**
   * The value of a constant tensor as real numbers: uint8/int8/int16/int32 with a scale are dequantised (per channel
   * where there are several scales), float32/float16 are read as is, integer tensors without a scale (shapes, axes,
   * paddings) keep their integer values. Absent for activations and for string/bool/complex constants.
   */
  data?: Float32Array;
}

export type TfliteOptions =
  | { kind: 'conv2d'; padding: TflitePadding; strideW: number; strideH: number; activation: TfliteActivation; dilationW: number; dilationH: number }
  | {
      kind: 'depthwiseConv2d';
      padding: TflitePadding;
      strideW: number;
      strideH: number;
      depthMultiplier: number;
      activation: TfliteActivation;
      dilationW: number;
      dilationH: number;
    }
  | { kind: 'pool2d'; padding: TflitePadding; strideW: number; strideH: number; filterWidth: number; filterHeight: number; activation: TfliteActivation }
  | { kind: 'fullyConnected'; activation: TfliteActivation; weightsFormat: number; keepNumDims: boolean }
  | { kind: 'softmax'; beta: number }
  | { kind: 'concatenation'; axis: number; activation: TfliteActivation }
  | { kind: 'add' | 'sub' | 'mul'; activation: TfliteActivation }
  | { kind: 'reshape'; newShape?: number[] }
  | { kind: 'reducer'; keepDims: boolean }
  /** An options table headstart does not read (or none): its union type tag. */
  | { kind: 'other'; type: number };

export interface TfliteOperatorCode {
  /** Builtin operator code: max(deprecated_builtin_code, builtin_code). */
  code: number;
  /** The builtin operator's name, e.g. 'CONV_2D'. */
  name: string;
  customCode?: string;
  version: number;
}

export interface TfliteOperator {
  /** Position in execution order. */
  index: number;
  opcodeIndex: number;
  /** Builtin operator code and name, copied from the operator code table. */
  code: number;
  opName: string;
  customCode?: string;
  /** Tensor indices; -1 marks an omitted optional input. */
  inputs: number[];
  outputs: number[];
  options: TfliteOptions;
}

export interface TfliteSubgraph {
  name: string;
  tensors: TfliteTensor[];
  inputs: number[];
  outputs: number[];
  operators: TfliteOperator[];
}

export interface TfliteModel {
  /** Schema version (3 for every current file). */
  version: number;
  description: string;
  operatorCodes: TfliteOperatorCode[];
  /** The first subgraph is the main model. */
  subgraphs: TfliteSubgraph[];
  bufferCount: number;
}

/**
 * Parses a TensorFlow Lite flatbuffer into plain objects, with constant tensors dequantised to Float32Array.
 * `where` names the file in error messages.
 */
export function readTflite(bytes: Uint8Array, where: string): TfliteModel {
  if (bytes.byteLength < 8) throw new HeadstartError('HS_MODEL_INVALID', `${where} is not a TFLite model: it holds only ${bytes.byteLength} bytes.`);
  const bb = new ByteBuffer(bytes);
  const identifier = bb.getBufferIdentifier();
  if (identifier !== 'TFL3') {
    throw new HeadstartError(
      'HS_MODEL_INVALID',
      `${where} is not a TFLite model: bytes 4-8 read ${JSON.stringify(identifier)}, expected "TFL3". Check the file is a .tflite flatbuffer, not a SavedModel or a Keras file.`,
    );
  }
  try {
    return readModel(FbTable.root(bb), where);
  } catch (err) {
    if (err instanceof FlatbufferRangeError) {
      throw new HeadstartError('HS_MODEL_INVALID', `${where} is a damaged TFLite file: ${err.message}. Download or convert it again.`, { cause: err });
    }
    throw err;
  }
}

function readModel(m: FbTable, where: string): TfliteModel {
  const F = FIELDS.model;
  const operatorCodes = m.tables(F.operatorCodes).map(readOperatorCode);
  const buffers = m.tables(F.buffers);
  const subgraphs = m.tables(F.subgraphs).map((s, i) => readSubgraph(s, i, operatorCodes, buffers, where));
  if (subgraphs.length === 0) throw new HeadstartError('HS_MODEL_INVALID', `${where} is a TFLite file without a subgraph.`);
  return { version: m.uint32(F.version), description: m.string(F.description) ?? '', operatorCodes, subgraphs, bufferCount: buffers.length };
}

function readOperatorCode(t: FbTable): TfliteOperatorCode {
  const F = FIELDS.operatorCode;
  // Files before schema 3a keep the code in the int8 field only; newer ones write both (the int8 one saturates at 127).
  const code = Math.max(t.int8(F.deprecatedBuiltinCode), t.int32(F.builtinCode));
  const customCode = t.string(F.customCode);
  return { code, name: builtinOperatorName(code), ...(customCode !== undefined ? { customCode } : {}), version: t.int32(F.version, 1) };
}

function readSubgraph(s: FbTable, index: number, codes: TfliteOperatorCode[], buffers: FbTable[], where: string): TfliteSubgraph {
  const F = FIELDS.subGraph;
  const tensors = s.tables(F.tensors).map((t, i) => readTensor(t, i, buffers, where));
  const operators = s.tables(F.operators).map((o, i) => readOperator(o, i, codes, tensors.length, where));
  const check = (list: number[], what: string) => {
    for (const i of list) {
      if (i < 0 || i >= tensors.length) throw new HeadstartError('HS_MODEL_INVALID', `${where}: subgraph ${index} lists ${what} tensor ${i}, but has ${tensors.length} tensors.`);
    }
    return list;
  };
  return {
    name: s.string(F.name) ?? '',
    tensors,
    inputs: check(s.int32s(F.inputs) ?? [], 'input'),
    outputs: check(s.int32s(F.outputs) ?? [], 'output'),
    operators,
  };
}

function readQuantization(q: FbTable | undefined): TfliteQuantization | undefined {
  if (!q) return undefined;
  const F = FIELDS.quantization;
  const scale = q.float32s(F.scale) ?? [];
  if (scale.length === 0) return undefined;
  const zeroPoint = q.int64s(F.zeroPoint) ?? [];
  const min = q.float32s(F.min);
  const max = q.float32s(F.max);
  return {
    scale,
    zeroPoint: zeroPoint.length > 0 ? zeroPoint : scale.map(() => 0),
    quantizedDimension: q.int32(F.quantizedDimension),
    ...(min && min.length > 0 ? { min } : {}),
    ...(max && max.length > 0 ? { max } : {}),
  };
}

function readTensor(t: FbTable, index: number, buffers: FbTable[], where: string): TfliteTensor {
  const F = FIELDS.tensor;
  const typeCode = t.int8(F.type);
  const type: TfliteTensorType = TENSOR_TYPES[typeCode] ?? 'unknown';
  const shape = t.int32s(F.shape) ?? [];
  const name = t.string(F.name) ?? `tensor_${index}`;
  const buffer = t.uint32(F.buffer);
  const quantization = readQuantization(t.table(F.quantization));
  const tensor: TfliteTensor = { index, name, shape, type, buffer, ...(quantization ? { quantization } : {}) };
  if (buffer > 0) {
    const b = buffers[buffer];
    if (!b) throw new HeadstartError('HS_MODEL_INVALID', `${where}: tensor '${name}' refers to buffer ${buffer}, but the file has ${buffers.length} buffers.`);
    const raw = bufferBytes(b, t.bb, name, where);
    if (raw && raw.byteLength > 0) {
      const data = decodeConstant(raw, type, shape, quantization, `${where}: tensor '${name}'`);
      if (data) tensor.data = data;
    }
  }
  return tensor;
}

/** A buffer's bytes: inline, or (files over 2 GB) at an offset from the start of the file. */
function bufferBytes(b: FbTable, bb: ByteBuffer, name: string, where: string): Uint8Array | undefined {
  const F = FIELDS.buffer;
  const inline = b.bytes(F.data);
  if (inline && inline.byteLength > 0) return inline;
  const offset = b.uint64(F.offset);
  const size = b.uint64(F.size);
  if (offset > 1 && size > 0) {
    if (offset + size > bb.capacity()) {
      throw new HeadstartError('HS_MODEL_INVALID', `${where}: the data of tensor '${name}' lies at bytes ${offset}-${offset + size}, past the end of the ${bb.capacity()}-byte file.`);
    }
    return bb.bytes().subarray(offset, offset + size);
  }
  return undefined;
}

const ELEMENT_BYTES: Partial<Record<TfliteTensorType, number>> = { float32: 4, float16: 2, int32: 4, uint8: 1, int64: 8, int16: 2, int8: 1, float64: 8, uint32: 4, uint16: 2 };

/** Reads a constant's raw little-endian values and dequantises them when the tensor carries a scale. */
function decodeConstant(raw: Uint8Array, type: TfliteTensorType, shape: number[], q: TfliteQuantization | undefined, what: string): Float32Array | undefined {
  const size = ELEMENT_BYTES[type];
  if (size === undefined) return undefined; // strings, bools, complex, int4: never weights of the ops headstart converts
  const count = shape.reduce((a, b) => a * b, 1);
  if (raw.byteLength !== count * size) {
    throw new HeadstartError('HS_MODEL_INVALID', `${what} holds ${raw.byteLength} bytes, but shape [${shape.join(', ')}] of ${type} needs ${count * size}.`);
  }
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const values = new Float32Array(count);
  const read: (i: number) => number =
    type === 'float32' ? (i) => view.getFloat32(4 * i, true)
      : type === 'float16' ? (i) => halfToFloat(view.getUint16(2 * i, true))
        : type === 'float64' ? (i) => view.getFloat64(8 * i, true)
          : type === 'int32' ? (i) => view.getInt32(4 * i, true)
            : type === 'uint32' ? (i) => view.getUint32(4 * i, true)
              : type === 'int64' ? (i) => Number(view.getBigInt64(8 * i, true))
                : type === 'int16' ? (i) => view.getInt16(2 * i, true)
                  : type === 'uint16' ? (i) => view.getUint16(2 * i, true)
                    : type === 'int8' ? (i) => view.getInt8(i)
                      : (i) => view.getUint8(i);
  for (let i = 0; i < count; i++) values[i] = read(i);
  const isFloat = type === 'float32' || type === 'float16' || type === 'float64';
  if (!q || isFloat) return values;
  return dequantize(values, shape, q, what);
}

/**
 * real = scale * (q - zeroPoint). One scale applies to the whole tensor; several apply per index along
 * `quantizedDimension` (TFLite's per-channel quantisation). Exported for tests and for callers holding raw values.
 */
export function dequantize(values: ArrayLike<number>, shape: number[], q: Pick<TfliteQuantization, 'scale' | 'zeroPoint' | 'quantizedDimension'>, what = 'tensor'): Float32Array {
  const out = new Float32Array(values.length);
  const { scale, zeroPoint } = q;
  if (scale.length === 1) {
    const s = scale[0] ?? 1;
    const z = zeroPoint[0] ?? 0;
    for (let i = 0; i < values.length; i++) out[i] = s * ((values[i] ?? 0) - z);
    return out;
  }
  const dim = q.quantizedDimension;
  const channels = shape[dim];
  if (channels !== scale.length || (zeroPoint.length !== scale.length && zeroPoint.length > 1)) {
    throw new HeadstartError(
      'HS_MODEL_INVALID',
      `${what} has ${scale.length} scales and ${zeroPoint.length} zero points for dimension ${dim} of shape [${shape.join(', ')}].`,
    );
  }
  const inner = shape.slice(dim + 1).reduce((a, b) => a * b, 1);
  for (let i = 0; i < values.length; i++) {
    const c = Math.floor(i / inner) % channels;
    out[i] = (scale[c] ?? 1) * ((values[i] ?? 0) - (zeroPoint.length > 1 ? (zeroPoint[c] ?? 0) : (zeroPoint[0] ?? 0)));
  }
  return out;
}

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024);
  if (exponent === 0x1f) return fraction ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}

function readOperator(o: FbTable, index: number, codes: TfliteOperatorCode[], tensorCount: number, where: string): TfliteOperator {
  const F = FIELDS.operator;
  const opcodeIndex = o.uint32(F.opcodeIndex);
  const code = codes[opcodeIndex];
  if (!code) throw new HeadstartError('HS_MODEL_INVALID', `${where}: operator ${index} uses operator code ${opcodeIndex}, but the file lists ${codes.length}.`);
  const inputs = o.int32s(F.inputs) ?? [];
  const outputs = o.int32s(F.outputs) ?? [];
  for (const t of [...inputs, ...outputs]) {
    if (t < -1 || t >= tensorCount) {
      throw new HeadstartError('HS_MODEL_INVALID', `${where}: operator ${index} (${code.name}) refers to tensor ${t}, but the subgraph has ${tensorCount}.`);
    }
  }
  return {
    index,
    opcodeIndex,
    code: code.code,
    opName: code.name,
    ...(code.customCode !== undefined ? { customCode: code.customCode } : {}),
    inputs,
    outputs,
    options: readOptions(o.uint8(F.builtinOptionsType), o.table(F.builtinOptions)),
  };
}

const activation = (t: FbTable, id: number): TfliteActivation => ACTIVATIONS[t.int8(id)] ?? 'none';
const padding = (t: FbTable, id: number): TflitePadding => PADDINGS[t.int8(id)] ?? 'same';

/** The fields every sliding-window operator's options share: padding, strides and the fused activation. */
function windowFields(t: FbTable, F: { padding: number; strideW: number; strideH: number; activation: number }) {
  return { padding: padding(t, F.padding), strideW: t.int32(F.strideW), strideH: t.int32(F.strideH), activation: activation(t, F.activation) };
}

function readOptions(type: number, t: FbTable | undefined): TfliteOptions {
  const O = BUILTIN_OPTIONS;
  if (!t) return { kind: 'other', type };
  switch (type) {
    case O.Conv2DOptions: {
      const F = FIELDS.conv2d;
      return {
        kind: 'conv2d',
        ...windowFields(t, F),
        dilationW: t.int32(F.dilationW, 1),
        dilationH: t.int32(F.dilationH, 1),
      };
    }
    case O.DepthwiseConv2DOptions: {
      const F = FIELDS.depthwiseConv2d;
      return {
        kind: 'depthwiseConv2d',
        ...windowFields(t, F),
        depthMultiplier: t.int32(F.depthMultiplier),
        dilationW: t.int32(F.dilationW, 1),
        dilationH: t.int32(F.dilationH, 1),
      };
    }
    case O.Pool2DOptions: {
      const F = FIELDS.pool2d;
      return {
        kind: 'pool2d',
        ...windowFields(t, F),
        filterWidth: t.int32(F.filterWidth),
        filterHeight: t.int32(F.filterHeight),
      };
    }
    case O.FullyConnectedOptions: {
      const F = FIELDS.fullyConnected;
      return { kind: 'fullyConnected', activation: activation(t, F.activation), weightsFormat: t.int8(F.weightsFormat), keepNumDims: t.bool(F.keepNumDims) };
    }
    case O.SoftmaxOptions:
      return { kind: 'softmax', beta: t.float32(FIELDS.softmax.beta) };
    case O.ConcatenationOptions:
      return { kind: 'concatenation', axis: t.int32(FIELDS.concatenation.axis), activation: activation(t, FIELDS.concatenation.activation) };
    case O.AddOptions:
      return { kind: 'add', activation: activation(t, FIELDS.elementwise.activation) };
    case O.SubOptions:
      return { kind: 'sub', activation: activation(t, FIELDS.elementwise.activation) };
    case O.MulOptions:
      return { kind: 'mul', activation: activation(t, FIELDS.elementwise.activation) };
    case O.ReshapeOptions: {
      const newShape = t.int32s(FIELDS.reshape.newShape);
      return { kind: 'reshape', ...(newShape ? { newShape } : {}) };
    }
    case O.ReducerOptions:
      return { kind: 'reducer', keepDims: t.bool(FIELDS.reducer.keepDims) };
    default:
      return { kind: 'other', type };
  }
}
