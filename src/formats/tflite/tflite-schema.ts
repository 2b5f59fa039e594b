import { ByteBuffer } from 'flatbuffers';

/**
 * Hand-written accessors for the part of TensorFlow Lite's flatbuffer schema (tensorflow/lite/schema/schema.fbs,
 * namespace `tflite`, file identifier "TFL3") that headstart reads. A field's vtable slot is 4 + 2 * its id, where the
 * id is its position in the table declaration; a union field takes two ids (its `_type` byte, then the table).
 */

/** Field ids, in schema declaration order. */
export const FIELDS = {
  model: { version: 0, operatorCodes: 1, subgraphs: 2, description: 3, buffers: 4 },
  operatorCode: { deprecatedBuiltinCode: 0, customCode: 1, version: 2, builtinCode: 3 },
  subGraph: { tensors: 0, inputs: 1, outputs: 2, operators: 3, name: 4 },
  tensor: { shape: 0, type: 1, buffer: 2, name: 3, quantization: 4, isVariable: 5, sparsity: 6, shapeSignature: 7 },
  quantization: { min: 0, max: 1, scale: 2, zeroPoint: 3, detailsType: 4, details: 5, quantizedDimension: 6 },
  buffer: { data: 0, offset: 1, size: 2 },
  operator: { opcodeIndex: 0, inputs: 1, outputs: 2, builtinOptionsType: 3, builtinOptions: 4, customOptions: 5 },
  conv2d: { padding: 0, strideW: 1, strideH: 2, activation: 3, dilationW: 4, dilationH: 5 },
  depthwiseConv2d: { padding: 0, strideW: 1, strideH: 2, depthMultiplier: 3, activation: 4, dilationW: 5, dilationH: 6 },
  pool2d: { padding: 0, strideW: 1, strideH: 2, filterWidth: 3, filterHeight: 4, activation: 5 },
  fullyConnected: { activation: 0, weightsFormat: 1, keepNumDims: 2, asymmetricQuantizeInputs: 3 },
  softmax: { beta: 0 },
  concatenation: { axis: 0, activation: 1 },
  /** AddOptions, SubOptions and MulOptions all start with the fused activation. */
  elementwise: { activation: 0 },
  reshape: { newShape: 0 },
  reducer: { keepDims: 0 },
} as const;

/** The `BuiltinOptions` union's type tags for the option tables headstart reads. */
export const BUILTIN_OPTIONS = {
  Conv2DOptions: 1,
  DepthwiseConv2DOptions: 2,
  Pool2DOptions: 5,
  FullyConnectedOptions: 8,
  SoftmaxOptions: 9,
  ConcatenationOptions: 10,
  AddOptions: 11,
  ReshapeOptions: 17,
  MulOptions: 21,
  PadOptions: 22,
  ReducerOptions: 27,
  SubOptions: 28,
} as const;

/** `TensorType`, indexed by its enum value. */
export const TENSOR_TYPES = [
  'float32', 'float16', 'int32', 'uint8', 'int64', 'string', 'bool', 'int16', 'complex64', 'int8', 'float64',
  'complex128', 'uint64', 'resource', 'variant', 'uint32', 'uint16', 'int4', 'bfloat16',
] as const;
export type TfliteTensorType = (typeof TENSOR_TYPES)[number] | 'unknown';

/** `ActivationFunctionType`, indexed by its enum value. */
export const ACTIVATIONS = ['none', 'relu', 'relu_n1_to_1', 'relu6', 'tanh', 'sign_bit'] as const;
export type TfliteActivation = (typeof ACTIVATIONS)[number];

/** `Padding`: SAME = 0, VALID = 1. */
export const PADDINGS = ['same', 'valid'] as const;
export type TflitePadding = (typeof PADDINGS)[number];

/** `BuiltinOperator` names, indexed by code (0-157; codes above have had different names across schema versions). */
export const BUILTIN_OPERATORS: readonly string[] = [
  'ADD', 'AVERAGE_POOL_2D', 'CONCATENATION', 'CONV_2D', 'DEPTHWISE_CONV_2D', 'DEPTH_TO_SPACE', 'DEQUANTIZE',
  'EMBEDDING_LOOKUP', 'FLOOR', 'FULLY_CONNECTED', 'HASHTABLE_LOOKUP', 'L2_NORMALIZATION', 'L2_POOL_2D',
  'LOCAL_RESPONSE_NORMALIZATION', 'LOGISTIC', 'LSH_PROJECTION', 'LSTM', 'MAX_POOL_2D', 'MUL', 'RELU', 'RELU_N1_TO_1',
  'RELU6', 'RESHAPE', 'RESIZE_BILINEAR', 'RNN', 'SOFTMAX', 'SPACE_TO_DEPTH', 'SVDF', 'TANH', 'CONCAT_EMBEDDINGS',
  'SKIP_GRAM', 'CALL', 'CUSTOM', 'EMBEDDING_LOOKUP_SPARSE', 'PAD', 'UNIDIRECTIONAL_SEQUENCE_RNN', 'GATHER',
  'BATCH_TO_SPACE_ND', 'SPACE_TO_BATCH_ND', 'TRANSPOSE', 'MEAN', 'SUB', 'DIV', 'SQUEEZE', 'UNIDIRECTIONAL_SEQUENCE_LSTM',
  'STRIDED_SLICE', 'BIDIRECTIONAL_SEQUENCE_RNN', 'EXP', 'TOPK_V2', 'SPLIT', 'LOG_SOFTMAX', 'DELEGATE',
  'BIDIRECTIONAL_SEQUENCE_LSTM', 'CAST', 'PRELU', 'MAXIMUM', 'ARG_MAX', 'MINIMUM', 'LESS', 'NEG', 'PADV2', 'GREATER',
  'GREATER_EQUAL', 'LESS_EQUAL', 'SELECT', 'SLICE', 'SIN', 'TRANSPOSE_CONV', 'SPARSE_TO_DENSE', 'TILE', 'EXPAND_DIMS',
  'EQUAL', 'NOT_EQUAL', 'LOG', 'SUM', 'SQRT', 'RSQRT', 'SHAPE', 'POW', 'ARG_MIN', 'FAKE_QUANT', 'REDUCE_PROD',
  'REDUCE_MAX', 'PACK', 'LOGICAL_OR', 'ONE_HOT', 'LOGICAL_AND', 'LOGICAL_NOT', 'UNPACK', 'REDUCE_MIN', 'FLOOR_DIV',
  'REDUCE_ANY', 'SQUARE', 'ZEROS_LIKE', 'FILL', 'FLOOR_MOD', 'RANGE', 'RESIZE_NEAREST_NEIGHBOR', 'LEAKY_RELU',
  'SQUARED_DIFFERENCE', 'MIRROR_PAD', 'ABS', 'SPLIT_V', 'UNIQUE', 'CEIL', 'REVERSE_V2', 'ADD_N', 'GATHER_ND', 'COS',
  'WHERE', 'RANK', 'ELU', 'REVERSE_SEQUENCE', 'MATRIX_DIAG', 'QUANTIZE', 'MATRIX_SET_DIAG', 'ROUND', 'HARD_SWISH', 'IF',
  'WHILE', 'NON_MAX_SUPPRESSION_V4', 'NON_MAX_SUPPRESSION_V5', 'SCATTER_ND', 'SELECT_V2', 'DENSIFY', 'SEGMENT_SUM',
  'BATCH_MATMUL', 'PLACEHOLDER_FOR_GREATER_OP_CODES', 'CUMSUM', 'CALL_ONCE', 'BROADCAST_TO', 'RFFT2D', 'CONV_3D', 'IMAG',
  'REAL', 'COMPLEX_ABS', 'HASHTABLE', 'HASHTABLE_FIND', 'HASHTABLE_IMPORT', 'HASHTABLE_SIZE', 'REDUCE_ALL',
  'CONV_3D_TRANSPOSE', 'VAR_HANDLE', 'READ_VARIABLE', 'ASSIGN_VARIABLE', 'BROADCAST_ARGS', 'RANDOM_STANDARD_NORMAL',
  'BUCKETIZE', 'RANDOM_UNIFORM', 'MULTINOMIAL', 'GELU', 'DYNAMIC_UPDATE_SLICE', 'RELU_0_TO_1', 'UNSORTED_SEGMENT_PROD',
  'UNSORTED_SEGMENT_MAX', 'UNSORTED_SEGMENT_SUM', 'ATAN2', 'UNSORTED_SEGMENT_MIN',
];

/** The builtin operator's name, or `BUILTIN_<code>` for a code this table does not name. */
export function builtinOperatorName(code: number): string {
  return BUILTIN_OPERATORS[code] ?? `BUILTIN_${code}`;
}

/** Thrown by the accessors when an offset points outside the file; readTflite turns it into HS_MODEL_INVALID. */
export class FlatbufferRangeError extends Error {}

/** One flatbuffer table: typed reads of its fields by id, with defaults for absent fields and bounds checks. */
export class FbTable {
  constructor(
    readonly bb: ByteBuffer,
    readonly pos: number,
  ) {}

  /** The root table of a buffer (its first 4 bytes hold the root's offset). */
  static root(bb: ByteBuffer): FbTable {
    checkRange(bb, 0, 8);
    const pos = bb.readUint32(0);
    checkRange(bb, pos, 4);
    return new FbTable(bb, pos);
  }

  /** The field's offset from the table start, or 0 when the field is absent. */
  private field(id: number): number {
    return this.bb.__offset(this.pos, 4 + 2 * id);
  }

  has(id: number): boolean {
    return this.field(id) !== 0;
  }

  int8(id: number, fallback = 0): number {
    const o = this.field(id);
    return o ? this.bb.readInt8(this.pos + o) : fallback;
  }

  uint8(id: number, fallback = 0): number {
    const o = this.field(id);
    return o ? this.bb.readUint8(this.pos + o) : fallback;
  }

  bool(id: number, fallback = false): boolean {
    const o = this.field(id);
    return o ? this.bb.readUint8(this.pos + o) !== 0 : fallback;
  }

  int32(id: number, fallback = 0): number {
    const o = this.field(id);
    return o ? this.bb.readInt32(this.pos + o) : fallback;
  }

  uint32(id: number, fallback = 0): number {
    const o = this.field(id);
    return o ? this.bb.readUint32(this.pos + o) : fallback;
  }

  uint64(id: number, fallback = 0): number {
    const o = this.field(id);
    return o ? Number(this.bb.readUint64(this.pos + o)) : fallback;
  }

  float32(id: number, fallback = 0): number {
    const o = this.field(id);
    return o ? this.bb.readFloat32(this.pos + o) : fallback;
  }

  string(id: number): string | undefined {
    const o = this.field(id);
    if (!o) return undefined;
    const at = this.pos + o;
    checkRange(this.bb, at, 4);
    checkRange(this.bb, at + this.bb.readUint32(at), 4);
    return this.bb.__string(at) as string;
  }

  table(id: number): FbTable | undefined {
    const o = this.field(id);
    if (!o) return undefined;
    const at = this.pos + o;
    checkRange(this.bb, at, 4);
    const pos = this.bb.__indirect(at);
    checkRange(this.bb, pos, 4);
    return new FbTable(this.bb, pos);
  }

  /** Start (absolute byte position) and length of a vector field, or undefined when absent. */
  private vector(id: number, elementBytes: number): { start: number; length: number } | undefined {
    const o = this.field(id);
    if (!o) return undefined;
    const at = this.pos + o;
    checkRange(this.bb, at, 4);
    checkRange(this.bb, at + this.bb.readUint32(at), 4);
    const start = this.bb.__vector(at);
    const length = this.bb.__vector_len(at);
    checkRange(this.bb, start, length * elementBytes);
    return { start, length };
  }

  tables(id: number): FbTable[] {
    const v = this.vector(id, 4);
    if (!v) return [];
    const out: FbTable[] = [];
    for (let i = 0; i < v.length; i++) {
      const pos = this.bb.__indirect(v.start + 4 * i);
      checkRange(this.bb, pos, 4);
      out.push(new FbTable(this.bb, pos));
    }
    return out;
  }

  int32s(id: number): number[] | undefined {
    const v = this.vector(id, 4);
    if (!v) return undefined;
    return Array.from({ length: v.length }, (_, i) => this.bb.readInt32(v.start + 4 * i));
  }

  float32s(id: number): number[] | undefined {
    const v = this.vector(id, 4);
    if (!v) return undefined;
    return Array.from({ length: v.length }, (_, i) => this.bb.readFloat32(v.start + 4 * i));
  }

  /** An int64 vector as numbers (zero points and shapes fit well within 2^53). */
  int64s(id: number): number[] | undefined {
    const v = this.vector(id, 8);
    if (!v) return undefined;
    return Array.from({ length: v.length }, (_, i) => Number(this.bb.readInt64(v.start + 8 * i)));
  }

  /** A ubyte vector as a view into the file's bytes (no copy). */
  bytes(id: number): Uint8Array | undefined {
    const v = this.vector(id, 1);
    if (!v) return undefined;
    return this.bb.bytes().subarray(v.start, v.start + v.length);
  }
}

function checkRange(bb: ByteBuffer, start: number, byteLength: number): void {
  if (!Number.isFinite(start) || start < 0 || start + byteLength > bb.capacity()) {
    throw new FlatbufferRangeError(`offset ${start} (+${byteLength} bytes) lies outside the ${bb.capacity()}-byte file`);
  }
}

export { ByteBuffer };
