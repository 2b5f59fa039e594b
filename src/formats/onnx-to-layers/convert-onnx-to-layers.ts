import { HeadstartError, invalidOption, rejectUnknownKeys } from '../../core/index.js';
import type { OnnxModel, OnnxNode, OnnxTensor } from '../onnx/index.js';
import { KerasGraph } from './keras-graph.js';
import type { LayersArtifacts } from './keras-graph.js';
import { kerasShape, opError } from './op-context.js';
import type { LayersValue, OpContext } from './op-context.js';
import { SUPPORTED_ONNX_OPS, findOpConverter } from './op-converters.js';

export interface ConvertOnnxToLayersOptions {
  /** The value the Layers model outputs (e.g. 'features', 'probabilities'). A feature map comes out NHWC. */
  output: string;
  /**
   * A value inside the graph to start from instead of the graph's input: the model then maps that activation to
   * `output` (how a backbone's top is trained on cached activations). It takes the value NHWC.
   * @default the graph's input
   */
  input?: string;
  /** The Layers model's name. @default the graph's name */
  name?: string;
  /** The model file, named in error messages. */
  where: string;
}

const KNOWN_OPTIONS = ['output', 'input', 'name', 'where'];

function notFound(name: string, produced: Set<string>, where: string): HeadstartError {
  const close = [...produced].filter((p) => p.includes(name) || name.includes(p)).slice(0, 8);
  return new HeadstartError('HS_LAYER_NOT_FOUND', `No node of ${where} produces '${name}'.${close.length > 0 ? ` Similar names: ${close.join(', ')}.` : ''}`);
}

/** Nodes the given values depend on, in graph (topological) order, stopping at `stop`. */
function neededNodes(nodes: OnnxNode[], producers: Map<string, OnnxNode>, targets: string[], stop: string | undefined): OnnxNode[] {
  const needed = new Set<OnnxNode>();
  const stack = [...targets];
  while (stack.length > 0) {
    const node = producers.get(stack.pop() as string);
    if (!node || needed.has(node)) continue;
    needed.add(node);
    stack.push(...node.inputs.filter((i) => i !== '' && i !== stop));
  }
  // The start value's own ancestors are converted too: the Layers model needs its shape.
  if (stop !== undefined) for (const n of neededNodes(nodes, producers, [stop], undefined)) needed.add(n);
  return nodes.filter((n) => needed.has(n));
}

/**
 * Rebuilds an ONNX graph (the op set headstart's converters write: see SUPPORTED_ONNX_OPS) as a TF.js Layers model
 * of standard Keras layers that computes the same `output`, so tf.loadLayersModel reads it (also in a browser) and
 * tfjs can train it. ONNX feature maps are NCHW; the Layers model is NHWC throughout: the NHWC -> NCHW Transpose
 * after an image input disappears, kernels are transposed, and flattening keeps ONNX's (C, H, W) order. The
 * graph's image input (or `input`) comes first as an InputLayer; only the nodes `output` needs are rebuilt.
 */
export function convertOnnxToLayers(model: OnnxModel, options: ConvertOnnxToLayersOptions): LayersArtifacts {
  rejectUnknownKeys('convertOnnxToLayers', options, KNOWN_OPTIONS);
  const { output, where } = options;
  if (typeof output !== 'string' || output === '') throw invalidOption(`Expected output to be the name of a value in ${where}. Received: ${JSON.stringify(output)}.`);
  const graph = model.graph;
  const constants = new Map<string, OnnxTensor>(graph.initializers.map((t) => [t.name, t]));
  const producers = new Map<string, OnnxNode>();
  for (const node of graph.nodes) {
    const value = node.attributes?.value;
    if (node.opType === 'Constant' && value?.type === 'tensor' && node.outputs[0]) constants.set(node.outputs[0], value.value);
    else for (const o of node.outputs) producers.set(o, node);
  }
  const graphInputs = graph.inputs.filter((i) => !constants.has(i.name));
  const produced = new Set([...producers.keys(), ...graphInputs.map((i) => i.name)]);
  for (const name of [output, ...(options.input !== undefined ? [options.input] : [])]) if (!produced.has(name)) throw notFound(name, produced, where);

  const nodes = neededNodes(graph.nodes, producers, [output], options.input);
  for (const node of nodes) {
    if (!findOpConverter(node.opType, node.domain)) {
      throw new HeadstartError(
        'HS_MODEL_INVALID',
        `${where}: node '${node.name || node.outputs[0]}' is a${node.domain ? ` ${node.domain}` : 'n'} ${node.opType}, which headstart cannot rebuild as a TF.js Layers model. ` +
          `Supported ONNX ops: ${SUPPORTED_ONNX_OPS.join(', ')}.`,
      );
    }
  }
  const readers = new Map<string, number>();
  for (const name of [output, ...nodes.flatMap((n) => n.inputs)]) readers.set(name, (readers.get(name) ?? 0) + 1);

  const keras = new KerasGraph();
  const values = new Map<string, LayersValue>();
  const reached = new Set(nodes.flatMap((n) => n.inputs));
  for (const input of graphInputs.filter((i) => reached.has(i.name) || i.name === output || i.name === options.input)) {
    const dims = (input.shape ?? []).slice(1);
    if (input.shape === undefined || !dims.every((d): d is number => typeof d === 'number' && d > 0)) {
      throw new HeadstartError('HS_MODEL_INVALID', `${where}: input '${input.name}' has dims ${JSON.stringify(input.shape)}; headstart needs fixed dims after the batch.`);
    }
    // An image input is NHWC when every reader transposes it to NCHW, as headstart's converters write it.
    const transposed = graph.nodes.filter((n) => n.inputs.includes(input.name)).every((n) => n.opType === 'Transpose' && n.attributes?.perm?.value?.toString() === '0,3,1,2');
    const value: LayersValue = { layer: '', shape: dims, layout: dims.length === 3 && transposed ? 'nhwc' : 'nchw' };
    values.set(input.name, { ...value, layer: keras.input(input.name, kerasShape(value)) });
  }

  const protectedLayers = () => new Set([output, options.input].flatMap((n) => (n !== undefined && values.has(n) ? [(values.get(n) as LayersValue).layer] : [])));
  for (const node of nodes) {
    const ctx: OpContext = {
      node,
      keras,
      where,
      opset: model.opsetVersion,
      rawValue: (i) => values.get(node.inputs[i] ?? ''),
      constant: (i) => constants.get(node.inputs[i] ?? ''),
      value(i) {
        const name = node.inputs[i] ?? '';
        const v = values.get(name);
        if (!v) throw opError(ctx, constants.has(name) ? `has a constant input '${name}' where headstart needs a computed value.` : `reads '${name}', which no rebuilt node produces.`);
        if (v.l2NormOf !== undefined) throw opError(ctx, `reads the ReduceL2 output '${name}'; headstart rebuilds ReduceL2 only as the divisor of Div(x, ReduceL2(x)).`);
        return v;
      },
      foldable(layer) {
        const names = [...values].filter(([, v]) => v.layer === layer).map(([name]) => name);
        return !protectedLayers().has(layer) && names.reduce((n, name) => n + (readers.get(name) ?? 0), 0) === 1;
      },
    };
    values.set(node.outputs[0] as string, (findOpConverter(node.opType, node.domain) as NonNullable<ReturnType<typeof findOpConverter>>)(ctx));
  }

  const start = values.get(options.input ?? graphInputs.find((i) => values.has(i.name))?.name ?? '');
  const end = values.get(output);
  if (!start || !end) throw new HeadstartError('HS_MODEL_INVALID', `${where}: '${output}' does not depend on an input of the graph.`);
  if (end.l2NormOf !== undefined) throw new HeadstartError('HS_MODEL_INVALID', `${where}: the output '${output}' is a ReduceL2, which headstart rebuilds only inside Div(x, ReduceL2(x)).`);
  return keras.build({ input: start.layer, inputShape: kerasShape(start), output: end.layer, outputShape: kerasShape(end), name: options.name ?? graph.name, where });
}
