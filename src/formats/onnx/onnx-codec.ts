import { HeadstartError } from '../../core/index.js';
import { ONNX_DATA_TYPES } from './onnx-model.js';
import type { OnnxAttribute, OnnxDataType, OnnxModel, OnnxNode, OnnxTensor, OnnxTensorData, OnnxValueInfo } from './onnx-model.js';
import { ModelProto } from './onnx-proto.js';

const ATTRIBUTE_TYPES = { float: 1, int: 2, string: 3, tensor: 4, floats: 6, ints: 7 } as const;
const DATA_TYPE_NAMES = new Map<number, OnnxDataType>(Object.entries(ONNX_DATA_TYPES).map(([k, v]) => [v, k as OnnxDataType]));

// protobufjs hands int64 fields back as numbers, or as Long-like objects when a Long library is loaded.
type Int64 = number | { toNumber(): number };
const toNumber = (v: Int64 | undefined | null): number => (v === undefined || v === null ? 0 : typeof v === 'number' ? v : v.toNumber());

function bytesOf(data: OnnxTensorData): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

function encodeTensor(t: OnnxTensor) {
  return { name: t.name, dims: t.dims, data_type: ONNX_DATA_TYPES[t.dataType], raw_data: bytesOf(t.data) };
}

function encodeValueInfo(v: OnnxValueInfo) {
  const shape = v.shape ? { dim: v.shape.map((d) => (typeof d === 'number' ? { dim_value: d } : { dim_param: d })) } : undefined;
  return { name: v.name, type: { tensor_type: { elem_type: ONNX_DATA_TYPES[v.elemType], ...(shape ? { shape } : {}) } } };
}

function encodeAttribute(name: string, a: OnnxAttribute) {
  const type = ATTRIBUTE_TYPES[a.type];
  switch (a.type) {
    case 'int': return { name, type, i: a.value };
    case 'ints': return { name, type, ints: a.value };
    case 'float': return { name, type, f: a.value };
    case 'floats': return { name, type, floats: a.value };
    case 'string': return { name, type, s: new TextEncoder().encode(a.value) };
    case 'tensor': return { name, type, t: encodeTensor(a.value) };
  }
}

function encodeNode(n: OnnxNode) {
  return {
    input: n.inputs,
    output: n.outputs,
    op_type: n.opType,
    ...(n.name ? { name: n.name } : {}),
    ...(n.domain ? { domain: n.domain } : {}),
    attribute: Object.entries(n.attributes ?? {}).map(([k, a]) => encodeAttribute(k, a)),
  };
}

/** Serialises a model to ONNX protobuf bytes. */
export function encodeOnnxModel(model: OnnxModel): Uint8Array {
  const g = model.graph;
  const message = ModelProto.fromObject({
    ir_version: model.irVersion,
    opset_import: [{ domain: '', version: model.opsetVersion }],
    producer_name: model.producerName,
    graph: {
      name: g.name,
      node: g.nodes.map(encodeNode),
      initializer: g.initializers.map(encodeTensor),
      input: g.inputs.map(encodeValueInfo),
      output: g.outputs.map(encodeValueInfo),
    },
    metadata_props: Object.entries(model.metadata ?? {}).map(([key, value]) => ({ key, value })),
  });
  return ModelProto.encode(message).finish();
}

interface TensorMessage {
  name?: string;
  dims?: Int64[];
  data_type?: number;
  raw_data?: Uint8Array;
  float_data?: number[];
  int32_data?: number[];
  int64_data?: Int64[];
}

function decodeTensor(t: TensorMessage, where: string): OnnxTensor {
  const dataType = DATA_TYPE_NAMES.get(t.data_type ?? 0);
  const name = t.name ?? '';
  if (!dataType) throw new HeadstartError('HS_MODEL_INVALID', `${where}: tensor '${name}' has ONNX data type ${t.data_type}, which headstart does not read.`);
  const dims = (t.dims ?? []).map(toNumber);
  const count = dims.reduce((a, b) => a * b, 1);
  let data: OnnxTensorData;
  if (t.raw_data && t.raw_data.byteLength > 0) {
    const copy = new Uint8Array(t.raw_data).buffer;
    data =
      dataType === 'float32' ? new Float32Array(copy) : dataType === 'int32' ? new Int32Array(copy) : dataType === 'int64' ? new BigInt64Array(copy)
        : dataType === 'int8' ? new Int8Array(copy) : new Uint8Array(copy);
  } else if (dataType === 'float32') {
    data = Float32Array.from(t.float_data ?? []);
  } else if (dataType === 'int64') {
    data = BigInt64Array.from((t.int64_data ?? []).map((v) => BigInt(toNumber(v))));
  } else {
    const ints = t.int32_data ?? [];
    data = dataType === 'int32' ? Int32Array.from(ints) : dataType === 'int8' ? Int8Array.from(ints) : Uint8Array.from(ints);
  }
  if (data.length !== count) {
    throw new HeadstartError('HS_MODEL_INVALID', `${where}: tensor '${name}' holds ${data.length} values for dims [${dims.join(', ')}]. External data files are not supported.`);
  }
  return { name, dims, dataType, data };
}

interface ValueInfoMessage {
  name?: string;
  type?: { tensor_type?: { elem_type?: number; shape?: { dim?: { dim_value?: Int64; dim_param?: string }[] } } };
}

function decodeValueInfo(v: ValueInfoMessage): OnnxValueInfo {
  const tensor = v.type?.tensor_type;
  const shape = tensor?.shape?.dim?.map((d) => (d.dim_param ? d.dim_param : toNumber(d.dim_value)));
  return { name: v.name ?? '', elemType: DATA_TYPE_NAMES.get(tensor?.elem_type ?? 1) ?? 'float32', ...(shape ? { shape } : {}) };
}

interface AttributeMessage {
  name?: string;
  type?: number;
  f?: number;
  i?: Int64;
  s?: Uint8Array;
  t?: TensorMessage;
  floats?: number[];
  ints?: Int64[];
}

function decodeAttribute(a: AttributeMessage, where: string): OnnxAttribute | undefined {
  switch (a.type) {
    case ATTRIBUTE_TYPES.float: return { type: 'float', value: a.f ?? 0 };
    case ATTRIBUTE_TYPES.int: return { type: 'int', value: toNumber(a.i) };
    case ATTRIBUTE_TYPES.string: return { type: 'string', value: new TextDecoder().decode(a.s ?? new Uint8Array()) };
    case ATTRIBUTE_TYPES.tensor: return a.t ? { type: 'tensor', value: decodeTensor(a.t, where) } : undefined;
    case ATTRIBUTE_TYPES.floats: return { type: 'floats', value: a.floats ?? [] };
    case ATTRIBUTE_TYPES.ints: return { type: 'ints', value: (a.ints ?? []).map(toNumber) };
    default: return undefined; // graphs and string lists: kept out of headstart's view, never needed for cutting
  }
}

interface ModelMessage {
  ir_version?: Int64;
  opset_import?: { domain?: string; version?: Int64 }[];
  producer_name?: string;
  graph?: {
    name?: string;
    node?: { input?: string[]; output?: string[]; name?: string; op_type?: string; domain?: string; attribute?: AttributeMessage[] }[];
    initializer?: TensorMessage[];
    input?: ValueInfoMessage[];
    output?: ValueInfoMessage[];
  };
  metadata_props?: { key?: string; value?: string }[];
}

/** Parses ONNX protobuf bytes. `where` names the file in error messages. */
export function decodeOnnxModel(bytes: Uint8Array, where: string): OnnxModel {
  let m: ModelMessage;
  try {
    m = ModelProto.decode(bytes) as unknown as ModelMessage;
  } catch (err) {
    throw new HeadstartError('HS_MODEL_INVALID', `${where} is not an ONNX model: ${(err as Error).message}.`, { cause: err });
  }
  if (!m.graph) throw new HeadstartError('HS_MODEL_INVALID', `${where} is not an ONNX model: it has no graph.`);
  const opset = m.opset_import?.find((o) => !o.domain || o.domain === 'ai.onnx');
  const g = m.graph;
  return {
    irVersion: toNumber(m.ir_version),
    opsetVersion: toNumber(opset?.version),
    producerName: m.producer_name ?? '',
    graph: {
      name: g.name ?? '',
      nodes: (g.node ?? []).map((n) => {
        const attributes: Record<string, OnnxAttribute> = {};
        for (const a of n.attribute ?? []) {
          const decoded = decodeAttribute(a, where);
          if (decoded && a.name) attributes[a.name] = decoded;
        }
        return { opType: n.op_type ?? '', inputs: n.input ?? [], outputs: n.output ?? [], ...(n.name ? { name: n.name } : {}), ...(n.domain ? { domain: n.domain } : {}), attributes };
      }),
      initializers: (g.initializer ?? []).map((t) => decodeTensor(t, where)),
      inputs: (g.input ?? []).map(decodeValueInfo),
      outputs: (g.output ?? []).map(decodeValueInfo),
    },
    metadata: Object.fromEntries((m.metadata_props ?? []).map((p) => [p.key ?? '', p.value ?? ''])),
  };
}

/**
 * Makes intermediate values of an existing model into graph outputs (how a model is cut at a named node), working on
 * the decoded protobuf message so that everything headstart does not model (subgraphs, metadata) passes through.
 * Fields outside the ONNX subset in onnx-proto.ts (sparse initialisers, functions, training info) are dropped.
 */
export function addGraphOutputs(bytes: Uint8Array, names: string[], where: string): Uint8Array {
  const message = ModelProto.decode(bytes) as unknown as ModelMessage & { graph: { node?: { output?: string[] }[]; output?: ValueInfoMessage[] } };
  const graph = message.graph;
  const produced = new Set([...(graph.node ?? []).flatMap((n) => n.output ?? []), ...(graph.input ?? []).map((i) => i.name ?? '')]);
  for (const name of names) {
    if (!produced.has(name)) {
      const close = [...produced].filter((p) => p.includes(name) || name.includes(p)).slice(0, 8);
      throw new HeadstartError(
        'HS_LAYER_NOT_FOUND',
        `No node of ${where} produces '${name}'.${close.length > 0 ? ` Similar names: ${close.join(', ')}.` : ''} Run 'headstart zoo layers <id>' to list them.`,
      );
    }
    if (!(graph.output ?? []).some((o) => o.name === name)) {
      graph.output = [...(graph.output ?? []), { name, type: { tensor_type: { elem_type: ONNX_DATA_TYPES.float32 } } }];
    }
  }
  return ModelProto.encode(ModelProto.fromObject(message as unknown as Record<string, unknown>)).finish();
}
