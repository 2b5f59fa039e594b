import { HeadstartError, rejectUnknownKeys } from '../../core/index.js';
import { GraphBuilder, attr } from '../onnx/index.js';
import type { OnnxAttribute, OnnxModel } from '../onnx/index.js';
import type { TfliteActivation, TfliteModel, TfliteOperator, TfliteOptions, TflitePadding, TfliteSubgraph, TfliteTensor } from './read-tflite.js';

export interface ConvertTfliteToOnnxOptions {
  /** Names the model in error messages (usually its file path). */
  where: string;
  /**
   * Which activation becomes the `features` output. 'penultimate' is the input of the final classifier (the pooled
   * tensor before the last 1x1 logits convolution or FULLY_CONNECTED), or the model's output when it has no
   * classifier. Any other string names a TFLite tensor: its full name, or the part before the first ';' (converters
   * join fused names with ';'). A named cut converts only the operators it needs and has no `logits` output.
   * @default 'penultimate'
   */
  features?: 'penultimate' | string;
}

export interface ConvertTfliteToOnnxResult {
  /**
   * A float32 graph. Input `pixels`: NHWC [batch, H, W, C] holding the real values the quantised model represents,
   * i.e. (p - inputScale.mean) / inputScale.std for 0..255 pixels p. Outputs: `features` [batch, featureDim] and,
   * when the model ends in a classifier and features is 'penultimate', `logits` [batch, logitsDim] (before softmax).
   */
  onnx: OnnxModel;
  /** The TFLite tensor that became `features`. */
  featuresTensor: string;
  featureDim: number;
  logitsDim?: number;
  /**
   * The input quantisation as pixel statistics: real = (p - mean) / std. From the input's zero point and scale
   * (uint8: mean = zero point, std = 1 / scale to six significant digits; int8 inputs assume p - 128 was fed, so
   * mean = zero point + 128).
   * A float input states no scaling: { mean: 0, std: 1 } is reported and the model card must say what to feed.
   */
  inputScale: { mean: number; std: number };
  /** The input's spatial size and channels, from the file. */
  inputShape: { height: number; width: number; channels: number };
  /** How many TFLite operators of each kind were converted (after dropping those the outputs do not need). */
  opCounts: Record<string, number>;
}

/** TFLite builtin operators the converter handles (QUANTIZE and DEQUANTIZE are identities in float). */
export const SUPPORTED_TFLITE_OPS = [
  'ADD', 'AVERAGE_POOL_2D', 'CONCATENATION', 'CONV_2D', 'DEPTHWISE_CONV_2D', 'DEQUANTIZE', 'FULLY_CONNECTED', 'HARD_SWISH',
  'LOGISTIC', 'MAX_POOL_2D', 'MEAN', 'MUL', 'PAD', 'QUANTIZE', 'RELU', 'RELU6', 'RELU_N1_TO_1', 'RESHAPE', 'SOFTMAX', 'SQUEEZE', 'SUB',
  'TANH',
] as const;

const DEFAULT_OPTIONS = { features: 'penultimate' } as const;
const OPTION_KEYS = ['where', 'features'] as const;
/** ONNX value names the converter's graph interface owns. */
const RESERVED = new Set(['pixels', 'features', 'logits']);
/** Ops that pass values through between the classifier and the model output. */
const PASS_THROUGH = new Set(['RESHAPE', 'QUANTIZE', 'DEQUANTIZE', 'SQUEEZE']);

/** Layout of the ONNX value standing for a TFLite tensor: 'nhwc' is TFLite's own order, 'nchw' is transposed (rank 4). */
type Layout = 'nhwc' | 'nchw';
interface Value {
  name: string;
  layout: Layout;
}

/**
 * Converts the main subgraph of a (quantised or float) TFLite image model into a float ONNX graph: constants are
 * dequantised, activations run in float, and NHWC is transposed to NCHW once at the input.
 */
export function convertTfliteToOnnx(model: TfliteModel, options: ConvertTfliteToOnnxOptions): ConvertTfliteToOnnxResult {
  rejectUnknownKeys('convertTfliteToOnnx', options, OPTION_KEYS);
  const o = { ...DEFAULT_OPTIONS, ...options };
  const sg = model.subgraphs[0];
  if (!sg) throw new HeadstartError('HS_MODEL_INVALID', `${o.where} has no subgraph to convert.`);
  return new Converter(sg, o.where).convert(o.features);
}

class Converter {
  private readonly b: GraphBuilder;
  private readonly producer = new Map<number, TfliteOperator>();
  /** Constant values by tensor index (the file's constants, plus DEQUANTIZE outputs of constants). */
  private readonly constants = new Map<number, Float32Array>();
  private readonly values = new Map<number, Value>();
  /** Values converted to the other layout, so each transpose is made once. */
  private readonly relaid = new Map<string, string>();
  private readonly shared = new Map<string, string>();

  constructor(
    private readonly sg: TfliteSubgraph,
    private readonly where: string,
  ) {
    this.b = new GraphBuilder(sg.name || 'tflite');
    for (const op of sg.operators) for (const t of op.outputs) this.producer.set(t, op);
    for (const t of sg.tensors) if (t.data) this.constants.set(t.index, t.data);
  }

  convert(features: string): ConvertTfliteToOnnxResult {
    const input = this.modelInput();
    const { featuresIndex, logitsIndex } = features === 'penultimate' ? this.findPenultimate() : { featuresIndex: this.findTensor(features), logitsIndex: undefined };
    const needed = this.neededOperators([featuresIndex, ...(logitsIndex !== undefined ? [logitsIndex] : [])]);
    this.checkSupported(needed, features);

    const [, height = 0, width = 0, channels = 0] = input.shape;
    this.b.input('pixels', 'float32', ['batch', height, width, channels]);
    this.values.set(input.index, { name: 'pixels', layout: 'nhwc' });
    const opCounts: Record<string, number> = {};
    for (const op of needed) {
      this.convertOperator(op);
      opCounts[op.opName] = (opCounts[op.opName] ?? 0) + 1;
    }

    const featureDim = this.addFlatOutput(featuresIndex, 'features');
    const logitsDim = logitsIndex !== undefined ? this.addFlatOutput(logitsIndex, 'logits') : undefined;
    const featuresTensor = this.tensor(featuresIndex).name;
    const onnx = this.b.buildModel({ source: 'tflite', file: this.where, featuresTensor });
    return {
      onnx,
      featuresTensor,
      featureDim,
      ...(logitsDim !== undefined ? { logitsDim } : {}),
      inputScale: inputScaleOf(input),
      inputShape: { height, width, channels },
      opCounts,
    };
  }

  // ---- graph analysis ----

  private tensor(i: number): TfliteTensor {
    const t = this.sg.tensors[i];
    if (!t) throw new HeadstartError('HS_MODEL_INVALID', `${this.where}: tensor ${i} does not exist.`);
    return t;
  }

  private modelInput(): TfliteTensor {
    const inputs = this.sg.inputs.map((i) => this.tensor(i));
    const input = inputs[0];
    if (inputs.length !== 1 || !input) {
      throw new HeadstartError('HS_MODEL_INVALID', `${this.where} has ${inputs.length} inputs (${inputs.map((t) => t.name).join(', ')}); headstart converts image models with one input.`);
    }
    if (input.shape.length !== 4) {
      throw new HeadstartError('HS_MODEL_INVALID', `${this.where}: input '${input.name}' has shape [${input.shape.join(', ')}]; expected an image batch [1, height, width, channels].`);
    }
    return input;
  }

  /** Walks back from the output over softmax and reshapes to the classifier; features = its activation input. */
  private findPenultimate(): { featuresIndex: number; logitsIndex?: number } {
    const output = this.sg.outputs[0];
    if (output === undefined) throw new HeadstartError('HS_MODEL_INVALID', `${this.where} declares no output.`);
    let t = output;
    let logitsIndex: number | undefined;
    for (;;) {
      const op = this.producer.get(t);
      if (!op) break;
      const first = op.inputs[0] ?? -1;
      if (op.opName === 'SOFTMAX' && logitsIndex === undefined) {
        logitsIndex = first;
        t = first;
      } else if (PASS_THROUGH.has(op.opName)) {
        t = first;
      } else if (op.opName === 'FULLY_CONNECTED' || (op.opName === 'CONV_2D' && this.isPointwiseOnPooled(op))) {
        return { featuresIndex: first, logitsIndex: logitsIndex ?? output };
      } else {
        break;
      }
    }
    return { featuresIndex: output };
  }

  /** A 1x1 convolution applied to a 1x1 spatial map: a classifier written as a convolution. */
  private isPointwiseOnPooled(op: TfliteOperator): boolean {
    const x = this.tensor(op.inputs[0] ?? -1).shape;
    const w = this.tensor(op.inputs[1] ?? -1).shape;
    return x[1] === 1 && x[2] === 1 && w[1] === 1 && w[2] === 1;
  }

  private findTensor(name: string): number {
    const exact = this.sg.tensors.filter((t) => t.name === name);
    // Weights often share an activation's short name (a folded bias is 'x/add_fold;...;bias', its output '...;bias1').
    const short = exact.length > 0 ? exact : this.sg.tensors.filter((t) => shortName(t.name) === name && !this.constants.has(t.index));
    const found = short[0];
    if (short.length > 1) {
      throw new HeadstartError('HS_LAYER_NOT_FOUND', `${this.where}: ${short.length} tensors are named '${name}' before the first ';'. Pass the full name: ${short.map((t) => `'${t.name}'`).join(', ')}.`);
    }
    if (!found) {
      const activations = this.sg.tensors.filter((t) => !this.constants.has(t.index)).map((t) => shortName(t.name));
      const close = activations.filter((n) => n.includes(name) || name.includes(n)).slice(0, 8);
      throw new HeadstartError(
        'HS_LAYER_NOT_FOUND',
        `${this.where} has no tensor named '${name}'.${close.length > 0 ? ` Similar names: ${close.join(', ')}.` : ''} Pass 'penultimate' or one of the activation names (${activations.length} in this model).`,
      );
    }
    if (this.constants.has(found.index)) {
      throw new HeadstartError('HS_INVALID_OPTION', `${this.where}: tensor '${name}' is a constant (weights), not an activation. Pass an activation name or 'penultimate'.`);
    }
    return found.index;
  }

  /** The operators the wanted tensors depend on, in execution order. */
  private neededOperators(wanted: number[]): TfliteOperator[] {
    const neededTensors = new Set(wanted);
    const ops: TfliteOperator[] = [];
    for (let k = this.sg.operators.length - 1; k >= 0; k--) {
      const op = this.sg.operators[k];
      if (!op || !op.outputs.some((t) => neededTensors.has(t))) continue;
      ops.push(op);
      for (const t of op.inputs) if (t >= 0 && !this.tensor(t).data) neededTensors.add(t);
    }
    return ops.reverse();
  }

  private checkSupported(ops: TfliteOperator[], features: string): void {
    const supported = new Set<string>(SUPPORTED_TFLITE_OPS);
    const bad = ops.filter((op) => !supported.has(op.opName));
    if (bad.length === 0) return;
    const kinds = [...new Map(bad.map((op) => [`${op.opName}:${op.customCode ?? ''}`, op])).values()];
    const described = kinds.map((op) => `${op.opName}${op.customCode ? ` '${op.customCode}'` : ''} (builtin code ${op.code}, first at operator ${op.index})`);
    const first = bad[0];
    const before = first ? first.inputs.filter((t) => t >= 0 && !this.tensor(t).data).map((t) => `'${shortName(this.tensor(t).name)}'`) : [];
    throw new HeadstartError(
      'HS_MODEL_INVALID',
      `${this.where} uses ${described.join(', ')}, which headstart's TFLite converter does not support${features === 'penultimate' ? '' : ` on the way to '${features}'`}. ` +
        `Supported operators: ${SUPPORTED_TFLITE_OPS.join(', ')}.` +
        (before.length > 0 ? ` To use the layers before it, pass features: ${before.join(' or ')}.` : ''),
    );
  }

  // ---- values and layouts ----

  private value(i: number, op: TfliteOperator): Value {
    const v = this.values.get(i);
    if (v) return v;
    const data = this.constants.get(i);
    if (data) {
      const t = this.tensor(i);
      const name = this.b.constant(onnxName(t.name), t.shape, data);
      const c: Value = { name, layout: 'nhwc' };
      this.values.set(i, c);
      return c;
    }
    throw new HeadstartError('HS_MODEL_INVALID', `${this.where}: operator ${op.index} (${op.opName}) reads tensor '${this.tensor(i).name}', which nothing computes before it.`);
  }

  private inLayout(i: number, layout: Layout, op: TfliteOperator): string {
    const v = this.value(i, op);
    if (v.layout === layout) return v.name;
    const shape = this.tensor(i).shape;
    if (shape.length !== 4) throw new HeadstartError('HS_MODEL_INVALID', `${this.where}: tensor '${this.tensor(i).name}' of rank ${shape.length} cannot be relaid as ${layout}.`);
    const key = `${v.name}->${layout}`;
    const done = this.relaid.get(key);
    if (done) return done;
    const perm = layout === 'nchw' ? [0, 3, 1, 2] : [0, 2, 3, 1];
    const out = this.b.node('Transpose', [v.name], { perm: attr.ints(perm) }, `${v.name}/${layout}`);
    this.relaid.set(key, out);
    return out;
  }

  private nchw(i: number, op: TfliteOperator): string {
    return this.inLayout(i, 'nchw', op);
  }

  /**
   * The value in TFLite's element order. An NCHW tensor with a 1x1 spatial map already has that order in memory, so
   * it is used as is by ops that reshape anyway.
   */
  private flatOrder(i: number, op: TfliteOperator): string {
    const v = this.value(i, op);
    const s = this.tensor(i).shape;
    if (v.layout === 'nchw' && s[1] === 1 && s[2] === 1) return v.name;
    return this.inLayout(i, 'nhwc', op);
  }

  private set(i: number, name: string, layout: Layout): void {
    this.values.set(i, { name, layout });
  }

  private scalar(value: number): string {
    const key = `scalar:${value}`;
    let name = this.shared.get(key);
    if (!name) {
      name = this.b.constant(`const_${value}`, [], Float32Array.of(value));
      this.shared.set(key, name);
    }
    return name;
  }

  private int64s(prefix: string, values: number[]): string {
    return this.b.constant(prefix, [values.length], BigInt64Array.from(values.map((v) => BigInt(v))), 'int64');
  }

  private weights(i: number, op: TfliteOperator, what: string): { data: Float32Array; shape: number[] } {
    const data = this.constants.get(i);
    if (!data) {
      throw new HeadstartError('HS_MODEL_INVALID', `${this.where}: operator ${op.index} (${op.opName}) has ${what} '${i >= 0 ? this.tensor(i).name : '(none)'}' that is not a constant; headstart needs constant weights.`);
    }
    return { data, shape: this.tensor(i).shape };
  }

  /** Output value name for a TFLite tensor: its short name, kept clear of the graph's own input and output names. */
  private outName(op: TfliteOperator, suffix = ''): string {
    const t = this.tensor(op.outputs[0] ?? -1);
    return `${onnxName(t.name)}${suffix}`;
  }

  private activation(x: string, act: TfliteActivation, op: TfliteOperator): string {
    const out = this.outName(op);
    switch (act) {
      case 'none': return x;
      case 'relu': return this.b.node('Relu', [x], {}, out);
      case 'relu6': return this.b.node('Clip', [x, this.scalar(0), this.scalar(6)], {}, out);
      case 'relu_n1_to_1': return this.b.node('Clip', [x, this.scalar(-1), this.scalar(1)], {}, out);
      case 'tanh': return this.b.node('Tanh', [x], {}, out);
      case 'sign_bit':
        throw new HeadstartError('HS_MODEL_INVALID', `${this.where}: operator ${op.index} (${op.opName}) fuses the SIGN_BIT activation, which headstart does not support.`);
    }
  }

  /** Name for an op's pre-activation output: the tensor's own name when nothing follows. */
  private preName(op: TfliteOperator, act: TfliteActivation): string {
    return act === 'none' ? this.outName(op) : this.outName(op, '/preact');
  }

  // ---- operators ----

  private convertOperator(op: TfliteOperator): void {
    const x = op.inputs[0] ?? -1;
    const y = op.outputs[0] ?? -1;
    const opts = op.options;
    switch (op.opName) {
      case 'CONV_2D':
      case 'DEPTHWISE_CONV_2D':
        return this.convolution(op);
      case 'AVERAGE_POOL_2D':
      case 'MAX_POOL_2D': {
        const o = expectOptions(opts, 'pool2d', op, this.where);
        const [, h = 0, w = 0] = this.tensor(x).shape;
        const pads = spatialPads(o.padding, [h, w], [o.filterHeight, o.filterWidth], [o.strideH, o.strideW], [1, 1]);
        const attrs: Record<string, OnnxAttribute> = { kernel_shape: attr.ints([o.filterHeight, o.filterWidth]), strides: attr.ints([o.strideH, o.strideW]), ...pads };
        const pooled = this.b.node(op.opName === 'MAX_POOL_2D' ? 'MaxPool' : 'AveragePool', [this.nchw(x, op)], attrs, this.preName(op, o.activation));
        return this.set(y, this.activation(pooled, o.activation, op), 'nchw');
      }
      case 'ADD':
      case 'SUB':
      case 'MUL': {
        const act = opts.kind === 'add' || opts.kind === 'sub' || opts.kind === 'mul' ? opts.activation : 'none';
        const onnxOp = op.opName === 'ADD' ? 'Add' : op.opName === 'SUB' ? 'Sub' : 'Mul';
        const { inputs, layout } = this.broadcastInputs(op);
        const sum = this.b.node(onnxOp, inputs, {}, this.preName(op, act));
        return this.set(y, this.activation(sum, act, op), layout);
      }
      case 'MEAN':
        return this.mean(op);
      case 'RESHAPE':
      case 'SQUEEZE': {
        // The output's static shape says it all (RESHAPE's shape input or options, SQUEEZE's dims), batch kept free.
        const outShape = this.tensor(y).shape;
        const inShape = this.tensor(x).shape;
        const target = outShape.length > 1 && outShape[0] === inShape[0] && outShape.slice(1).every((d) => d > 0) ? [-1, ...outShape.slice(1)] : outShape;
        const reshaped = this.b.node('Reshape', [this.flatOrder(x, op), this.int64s(`${this.outName(op)}/shape`, target)], {}, this.outName(op));
        return this.set(y, reshaped, 'nhwc');
      }
      case 'FULLY_CONNECTED':
        return this.fullyConnected(op);
      case 'SOFTMAX': {
        const beta = opts.kind === 'softmax' ? opts.beta : 1;
        // Softmax runs over TFLite's last axis, so a 4-D input goes back to NHWC first.
        let v = this.tensor(x).shape.length === 4 ? this.inLayout(x, 'nhwc', op) : this.value(x, op).name;
        if (beta !== 1) v = this.b.node('Mul', [v, this.scalar(beta)], {}, this.outName(op, '/scaled'));
        return this.set(y, this.b.node('Softmax', [v], { axis: attr.int(-1) }, this.outName(op)), 'nhwc');
      }
      case 'PAD':
        return this.pad(op);
      case 'CONCATENATION':
        return this.concatenation(op);
      case 'QUANTIZE':
      case 'DEQUANTIZE': {
        const data = this.constants.get(x);
        if (data) this.constants.set(y, data);
        else this.values.set(y, this.value(x, op));
        return;
      }
      case 'RELU':
      case 'RELU6':
      case 'RELU_N1_TO_1':
      case 'TANH': {
        const v = this.value(x, op);
        const act: TfliteActivation = op.opName === 'RELU' ? 'relu' : op.opName === 'RELU6' ? 'relu6' : op.opName === 'TANH' ? 'tanh' : 'relu_n1_to_1';
        return this.set(y, this.activation(v.name, act, op), v.layout);
      }
      case 'LOGISTIC':
      case 'HARD_SWISH': {
        const v = this.value(x, op);
        return this.set(y, this.b.node(op.opName === 'LOGISTIC' ? 'Sigmoid' : 'HardSwish', [v.name], {}, this.outName(op)), v.layout);
      }
      default:
        // checkSupported ran first; reaching here means SUPPORTED_TFLITE_OPS and this switch disagree.
        throw new HeadstartError('HS_MODEL_INVALID', `${this.where}: operator ${op.index} (${op.opName}, builtin code ${op.code}) is not supported. Supported operators: ${SUPPORTED_TFLITE_OPS.join(', ')}.`);
    }
  }

  private convolution(op: TfliteOperator): void {
    const [x = -1, wi = -1, bi = -1] = op.inputs;
    const y = op.outputs[0] ?? -1;
    const depthwise = op.opName === 'DEPTHWISE_CONV_2D';
    const o = depthwise ? expectOptions(op.options, 'depthwiseConv2d', op, this.where) : expectOptions(op.options, 'conv2d', op, this.where);
    const w = this.weights(wi, op, 'weights');
    const [, h = 0, width = 0, cin = 0] = this.tensor(x).shape;
    const [d0 = 0, kh = 0, kw = 0, d3 = 0] = w.shape;
    if (w.shape.length !== 4) throw new HeadstartError('HS_MODEL_INVALID', `${this.where}: operator ${op.index} (${op.opName}) has weights of shape [${w.shape.join(', ')}]; expected rank 4.`);
    // CONV_2D weights are OHWI; depthwise ones are [1, kh, kw, C*M], output channel c*M + m reading input channel c.
    const weightsOihw = depthwise ? permute(w.data, w.shape, [3, 0, 1, 2]) : permute(w.data, w.shape, [0, 3, 1, 2]);
    const outChannels = depthwise ? d3 : d0;
    const group = depthwise ? cin : d3 > 0 ? cin / d3 : 1;
    if (!Number.isInteger(group) || group < 1) {
      throw new HeadstartError('HS_MODEL_INVALID', `${this.where}: operator ${op.index} (${op.opName}) reads ${cin} channels with weights [${w.shape.join(', ')}].`);
    }
    const wName = this.b.constant(`${this.outName(op)}/weights`, [outChannels, depthwise ? 1 : d3, kh, kw], weightsOihw);
    const inputs = [this.nchw(x, op), wName];
    if (bi >= 0) {
      const bias = this.weights(bi, op, 'bias');
      inputs.push(this.b.constant(`${this.outName(op)}/bias`, [outChannels], bias.data));
    }
    const dil = [o.dilationH, o.dilationW];
    const conv = this.b.node(
      'Conv',
      inputs,
      {
        kernel_shape: attr.ints([kh, kw]),
        strides: attr.ints([o.strideH, o.strideW]),
        dilations: attr.ints(dil),
        group: attr.int(group),
        ...spatialPads(o.padding, [h, width], [kh, kw], [o.strideH, o.strideW], dil),
      },
      this.preName(op, o.activation),
    );
    this.set(y, this.activation(conv, o.activation, op), 'nchw');
  }

  /** Inputs of an elementwise op in one layout: NCHW when every activation is rank 4, TFLite's order otherwise. */
  private broadcastInputs(op: TfliteOperator): { inputs: string[]; layout: Layout } {
    const ins = op.inputs.filter((t) => t >= 0);
    const activations = ins.filter((t) => !this.constants.has(t));
    const nchw = activations.length > 0 && activations.every((t) => this.tensor(t).shape.length === 4 && this.value(t, op).layout === 'nchw');
    const inputs = ins.map((t) => {
      if (!this.constants.has(t)) return nchw ? this.nchw(t, op) : this.inLayout4(t, op);
      const c = this.tensor(t);
      const data = this.constants.get(t) ?? new Float32Array();
      if (!nchw || c.shape.length === 0 || data.length === 1) return this.b.constant(`${onnxName(c.name)}`, data.length === 1 ? [] : c.shape, data);
      if (c.shape.length === 4) return this.b.constant(`${onnxName(c.name)}/nchw`, [c.shape[0] ?? 1, c.shape[3] ?? 1, c.shape[1] ?? 1, c.shape[2] ?? 1], permute(data, c.shape, [0, 3, 1, 2]));
      if (c.shape.length === 1) return this.b.constant(`${onnxName(c.name)}/nchw`, [data.length, 1, 1], data);
      throw new HeadstartError('HS_MODEL_INVALID', `${this.where}: operator ${op.index} (${op.opName}) broadcasts a constant of shape [${c.shape.join(', ')}] over an image tensor; headstart handles scalars, per-channel vectors and full 4-D constants.`);
    });
    return { inputs, layout: nchw ? 'nchw' : 'nhwc' };
  }

  private inLayout4(t: number, op: TfliteOperator): string {
    return this.tensor(t).shape.length === 4 ? this.inLayout(t, 'nhwc', op) : this.value(t, op).name;
  }

  private mean(op: TfliteOperator): void {
    const [x = -1, ai = -1] = op.inputs;
    const y = op.outputs[0] ?? -1;
    const keepDims = op.options.kind === 'reducer' ? op.options.keepDims : false;
    const rank = this.tensor(x).shape.length;
    const axes = [...this.weights(ai, op, 'axes').data].map((a) => (a < 0 ? a + rank : a));
    const nchwIn = rank === 4 && this.value(x, op).layout === 'nchw';
    // Without keep_dims, NCHW order survives the reduction only when the spatial axes (or channels) go.
    const orderSafe = keepDims || (axes.includes(1) && axes.includes(2)) || axes.includes(3);
    const inNchw = nchwIn && orderSafe;
    const toNchw = [0, 2, 3, 1];
    const onnxAxes = inNchw ? axes.map((a) => toNchw[a] ?? a).sort((a, b) => a - b) : axes;
    const source = inNchw ? this.nchw(x, op) : rank === 4 ? this.inLayout(x, 'nhwc', op) : this.value(x, op).name;
    const reduced = this.b.node('ReduceMean', [source], { axes: attr.ints(onnxAxes), keepdims: attr.int(keepDims ? 1 : 0) }, this.outName(op));
    this.set(y, reduced, inNchw && keepDims ? 'nchw' : 'nhwc');
  }

  private fullyConnected(op: TfliteOperator): void {
    const [x = -1, wi = -1, bi = -1] = op.inputs;
    const y = op.outputs[0] ?? -1;
    const o = expectOptions(op.options, 'fullyConnected', op, this.where);
    if (o.weightsFormat !== 0) {
      throw new HeadstartError('HS_MODEL_INVALID', `${this.where}: operator ${op.index} (FULLY_CONNECTED) stores shuffled weights (format ${o.weightsFormat}); headstart reads the default layout only.`);
    }
    const w = this.weights(wi, op, 'weights');
    const [units = 0, depth = 0] = w.shape;
    const inShape = this.tensor(x).shape;
    let input = this.flatOrder(x, op);
    if (!(inShape.length === 2 && inShape[1] === depth)) {
      input = this.b.node('Reshape', [input, this.int64s(`${this.outName(op)}/flat_shape`, [-1, depth])], {}, this.outName(op, '/flat'));
    }
    const inputs = [input, this.b.constant(`${this.outName(op)}/weights`, [units, depth], w.data)];
    if (bi >= 0) inputs.push(this.b.constant(`${this.outName(op)}/bias`, [units], this.weights(bi, op, 'bias').data));
    const keep = o.keepNumDims && this.tensor(y).shape.length > 2;
    let out = this.b.node('Gemm', inputs, { transB: attr.int(1) }, keep ? this.outName(op, '/2d') : this.preName(op, o.activation));
    if (keep) {
      const target = [-1, ...this.tensor(y).shape.slice(1)];
      out = this.b.node('Reshape', [out, this.int64s(`${this.outName(op)}/shape`, target)], {}, this.preName(op, o.activation));
    }
    this.set(y, this.activation(out, o.activation, op), 'nhwc');
  }

  private pad(op: TfliteOperator): void {
    const [x = -1, pi = -1] = op.inputs;
    const y = op.outputs[0] ?? -1;
    const p = [...this.weights(pi, op, 'paddings').data];
    const rank = this.tensor(x).shape.length;
    const v = this.value(x, op);
    // TFLite paddings are [rank, 2] (before, after) in NHWC order; ONNX wants all befores, then all afters.
    const order = rank === 4 && v.layout === 'nchw' ? [0, 3, 1, 2] : Array.from({ length: rank }, (_, i) => i);
    const pads = [...order.map((d) => p[2 * d] ?? 0), ...order.map((d) => p[2 * d + 1] ?? 0)];
    // Quantised PAD fills with the zero point, which is 0 in real terms.
    const padded = this.b.node('Pad', [v.name, this.int64s(`${this.outName(op)}/pads`, pads), this.scalar(0)], { mode: attr.string('constant') }, this.outName(op));
    this.set(y, padded, v.layout);
  }

  private concatenation(op: TfliteOperator): void {
    const o = expectOptions(op.options, 'concatenation', op, this.where);
    const y = op.outputs[0] ?? -1;
    const rank = this.tensor(y).shape.length;
    const axis = o.axis < 0 ? o.axis + rank : o.axis;
    const nchw = rank === 4;
    const toNchw = [0, 2, 3, 1];
    const inputs = op.inputs.map((t) => {
      if (!nchw || !this.constants.has(t)) return nchw ? this.nchw(t, op) : this.value(t, op).name;
      const c = this.tensor(t);
      const data = this.constants.get(t) ?? new Float32Array();
      return this.b.constant(`${onnxName(c.name)}/nchw`, [c.shape[0] ?? 1, c.shape[3] ?? 1, c.shape[1] ?? 1, c.shape[2] ?? 1], permute(data, c.shape, [0, 3, 1, 2]));
    });
    const joined = this.b.node('Concat', inputs, { axis: attr.int(nchw ? (toNchw[axis] ?? axis) : axis) }, this.preName(op, o.activation));
    this.set(y, this.activation(joined, o.activation, op), nchw ? 'nchw' : 'nhwc');
  }

  /** Adds a graph output `name` holding tensor i flattened (in TFLite's element order) to [batch, dim]; returns dim. */
  private addFlatOutput(i: number, name: 'features' | 'logits'): number {
    const t = this.tensor(i);
    if (t.shape.length < 2) throw new HeadstartError('HS_MODEL_INVALID', `${this.where}: tensor '${t.name}' has shape [${t.shape.join(', ')}]; expected a batch dimension first.`);
    const dim = t.shape.slice(1).reduce((a, b) => a * b, 1);
    const producer = this.producer.get(i) ?? this.sg.operators[0];
    if (!producer) throw new HeadstartError('HS_MODEL_INVALID', `${this.where} has no operators.`);
    const flat = this.b.node('Flatten', [this.flatOrder(i, producer)], { axis: attr.int(1) }, name);
    this.b.output(flat, 'float32', ['batch', dim]);
    return dim;
  }
}

function expectOptions<K extends TfliteOptions['kind']>(opts: TfliteOptions, kind: K, op: TfliteOperator, where: string): Extract<TfliteOptions, { kind: K }> {
  if (opts.kind !== kind) {
    throw new HeadstartError('HS_MODEL_INVALID', `${where}: operator ${op.index} (${op.opName}) has no ${kind} options (found union type ${opts.kind === 'other' ? opts.type : opts.kind}).`);
  }
  return opts as Extract<TfliteOptions, { kind: K }>;
}

/**
 * ONNX pads for TF's padding rule. SAME: output = ceil(input / stride) and the total padding is split with the extra
 * pixel at the end (bottom/right). With an unknown spatial size, SAME_UPPER asks the runtime for the same split.
 */
export function spatialPads(padding: TflitePadding, input: number[], kernel: number[], strides: number[], dilations: number[]): Record<string, OnnxAttribute> {
  if (padding === 'valid') return { pads: attr.ints([0, 0, 0, 0]) };
  if (input.some((d) => !(d > 0))) return { auto_pad: attr.string('SAME_UPPER') };
  const begin: number[] = [];
  const end: number[] = [];
  input.forEach((size, k) => {
    const stride = strides[k] ?? 1;
    const effective = ((kernel[k] ?? 1) - 1) * (dilations[k] ?? 1) + 1;
    const out = Math.ceil(size / stride);
    const total = Math.max((out - 1) * stride + effective - size, 0);
    begin.push(Math.floor(total / 2));
    end.push(total - Math.floor(total / 2));
  });
  return { pads: attr.ints([...begin, ...end]) };
}

/** Reorders a dense row-major tensor: output dimension k is input dimension perm[k]. */
export function permute(data: Float32Array, shape: number[], perm: number[]): Float32Array {
  const rank = shape.length;
  const inStrides = new Array<number>(rank).fill(1);
  for (let k = rank - 2; k >= 0; k--) inStrides[k] = (inStrides[k + 1] ?? 1) * (shape[k + 1] ?? 1);
  const outShape = perm.map((p) => shape[p] ?? 1);
  const strides = perm.map((p) => inStrides[p] ?? 0);
  const out = new Float32Array(data.length);
  const index = new Array<number>(rank).fill(0);
  let src = 0;
  for (let i = 0; i < out.length; i++) {
    out[i] = data[src] ?? 0;
    for (let k = rank - 1; k >= 0; k--) {
      index[k] = (index[k] ?? 0) + 1;
      src += strides[k] ?? 0;
      if ((index[k] ?? 0) < (outShape[k] ?? 1)) break;
      src -= (strides[k] ?? 0) * (outShape[k] ?? 1);
      index[k] = 0;
    }
  }
  return out;
}

function inputScaleOf(input: TfliteTensor): { mean: number; std: number } {
  const q = input.quantization;
  const scale = q?.scale[0];
  if (!q || !scale || input.type === 'float32') return { mean: 0, std: 1 };
  const zero = q.zeroPoint[0] ?? 0;
  // Scales are float32 (1/127.5 reads back as 0.0078431377...): six significant digits give the intended 127.5.
  return { mean: input.type === 'int8' ? zero + 128 : zero, std: Number((1 / scale).toPrecision(6)) };
}

/** The part of a fused TFLite tensor name before the first ';'. */
function shortName(name: string): string {
  const i = name.indexOf(';');
  return i < 0 ? name : name.slice(0, i);
}

function onnxName(name: string): string {
  const short = shortName(name) || 'tensor';
  return RESERVED.has(short) ? `tflite/${short}` : short;
}
