import { HeadstartError, invalidOption } from '../../core/index.js';

/** Output `tensor` of the `call`-th application of layer `layer` (Keras's [name, node_index, tensor_index]). */
export interface TensorRef {
  layer: string;
  call: number;
  tensor: number;
}

/** One layer of a Keras model as TF.js saves it. */
export interface LayersLayer {
  name: string;
  className: string;
  config: Record<string, unknown>;
  /** Inputs of each application of the layer; most layers are applied once, an InputLayer once with no inputs. */
  calls: TensorRef[][];
}

/** One application of a layer: what the converter turns into ONNX nodes. */
export interface LayerCall {
  /** `<layer>#<call>`, unique in the model. */
  key: string;
  layer: LayersLayer;
  inputs: TensorRef[];
}

export const callKey = (layer: string, call: number): string => `${layer}#${call}`;

interface RawLayer {
  name?: unknown;
  class_name?: unknown;
  config?: unknown;
  inbound_nodes?: unknown;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Keras 2 nested lists `[["name", 0, 0, {}], ...]`, or a Keras 3 `{ args, kwargs }` node holding `__keras_tensor__`s. */
function parseInboundNode(node: unknown, layer: string, where: string): TensorRef[] {
  if (Array.isArray(node)) {
    return node.map((entry) => {
      if (!Array.isArray(entry) || typeof entry[0] !== 'string') {
        throw new HeadstartError('HS_MODEL_INVALID', `${where}: layer '${layer}' has an inbound node entry ${JSON.stringify(entry)} that is not ["name", node, tensor, {}].`);
      }
      return { layer: entry[0], call: Number(entry[1] ?? 0), tensor: Number(entry[2] ?? 0) };
    });
  }
  if (isObject(node)) {
    const refs: TensorRef[] = [];
    const visit = (v: unknown): void => {
      if (Array.isArray(v)) v.forEach(visit);
      else if (isObject(v)) {
        const history = isObject(v.config) ? v.config.keras_history : undefined;
        if (Array.isArray(history) && typeof history[0] === 'string') refs.push({ layer: history[0], call: Number(history[1] ?? 0), tensor: Number(history[2] ?? 0) });
        else Object.values(v).forEach(visit);
      }
    };
    visit(node.args);
    visit(node.kwargs);
    return refs;
  }
  throw new HeadstartError('HS_MODEL_INVALID', `${where}: layer '${layer}' has an inbound node ${JSON.stringify(node)} headstart does not understand.`);
}

function parseLayer(raw: RawLayer, where: string): Omit<LayersLayer, 'calls'> & { inbound: unknown[] } {
  const config = isObject(raw.config) ? raw.config : {};
  const name = typeof raw.name === 'string' ? raw.name : typeof config.name === 'string' ? config.name : undefined;
  if (name === undefined || typeof raw.class_name !== 'string') {
    throw new HeadstartError('HS_MODEL_INVALID', `${where}: a layer in modelTopology has no name or class_name.`);
  }
  return { name, className: raw.class_name, config, inbound: Array.isArray(raw.inbound_nodes) ? raw.inbound_nodes : [] };
}

/** A Sequential model: each layer takes the previous one's output; the input layer is implicit unless listed. */
function parseSequential(rawLayers: RawLayer[], where: string): LayersLayer[] {
  const parsed = rawLayers.map((l) => parseLayer(l, where));
  const layers: LayersLayer[] = [];
  const first = parsed[0];
  if (!first) throw new HeadstartError('HS_MODEL_INVALID', `${where}: the Sequential model has no layers.`);
  if (first.className !== 'InputLayer') {
    const shape = first.config.batch_input_shape ?? first.config.batch_shape;
    if (!Array.isArray(shape)) {
      throw new HeadstartError('HS_MODEL_INVALID', `${where}: the first layer '${first.name}' of the Sequential model has no batch_input_shape.`);
    }
    // tfjs names the implicit input `<first layer>_input`.
    layers.push({ name: `${first.name}_input`, className: 'InputLayer', config: { batch_input_shape: shape }, calls: [[]] });
  }
  for (const layer of parsed) {
    const previous = layers[layers.length - 1];
    layers.push({ name: layer.name, className: layer.className, config: layer.config, calls: [previous ? [{ layer: previous.name, call: 0, tensor: 0 }] : []] });
  }
  return layers;
}

function parseFunctional(rawLayers: RawLayer[], where: string): LayersLayer[] {
  return rawLayers.map((raw) => {
    const layer = parseLayer(raw, where);
    const calls = layer.inbound.map((node) => parseInboundNode(node, layer.name, where));
    return { name: layer.name, className: layer.className, config: layer.config, calls: calls.length > 0 ? calls : [[]] };
  });
}

/**
 * Reads the layers of a TF.js Layers `modelTopology` (Keras functional 'Model'/'Functional' or 'Sequential', with
 * Keras 2 list or Keras 3 dict inbound nodes) into a map from layer name to layer, in file order.
 */
export function parseLayersTopology(modelTopology: unknown, where: string): Map<string, LayersLayer> {
  const topology = isObject(modelTopology) && isObject(modelTopology.model_config) ? modelTopology.model_config : modelTopology;
  if (!isObject(topology) || typeof topology.class_name !== 'string') {
    throw new HeadstartError('HS_MODEL_INVALID', `${where}: modelTopology has no model_config.class_name. Is it a TF.js Layers model (not a graph model)?`);
  }
  const config = topology.config;
  const rawLayers = Array.isArray(config) ? config : isObject(config) && Array.isArray(config.layers) ? config.layers : undefined;
  if (!rawLayers) throw new HeadstartError('HS_MODEL_INVALID', `${where}: modelTopology.model_config has no layer list.`);
  let layers: LayersLayer[];
  if (topology.class_name === 'Sequential') layers = parseSequential(rawLayers as RawLayer[], where);
  else if (topology.class_name === 'Model' || topology.class_name === 'Functional') layers = parseFunctional(rawLayers as RawLayer[], where);
  else {
    throw new HeadstartError('HS_MODEL_INVALID', `${where}: model class '${topology.class_name}' is not one headstart converts. Expected 'Sequential', 'Model' or 'Functional'.`);
  }
  return new Map(layers.map((l) => [l.name, l]));
}

function similarNames(wanted: string, names: string[]): string {
  const stem = wanted.replace(/\d+/g, '');
  const similar = names.filter((n) => n.includes(wanted) || wanted.includes(n) || n.replace(/\d+/g, '') === stem);
  const shown = (similar.length > 0 ? similar : names).slice(0, 12);
  return shown.join(', ') + (shown.length < names.length ? ', …' : '');
}

/** The layer applications needed to compute layer `cut`, each after the applications whose outputs it reads. */
export function collectLayerCalls(layers: Map<string, LayersLayer>, cut: string, where: string): LayerCall[] {
  const cutLayer = layers.get(cut);
  if (!cutLayer) {
    throw new HeadstartError(
      'HS_LAYER_NOT_FOUND',
      `Layer '${cut}' is not in ${where}. Layers with similar names: ${similarNames(cut, [...layers.keys()])}. Run 'headstart zoo show <id>' to list the cut points.`,
    );
  }
  if (cutLayer.calls.length > 1) {
    throw invalidOption(`Layer '${cut}' of ${where} is applied ${cutLayer.calls.length} times, so its output is ambiguous. Cut at a layer applied once.`);
  }
  const calls: LayerCall[] = [];
  const done = new Set<string>();
  const visiting = new Set<string>();
  // Depth-first, post-order; an explicit stack, because real models are hundreds of layers deep.
  const stack: { ref: TensorRef; expanded: boolean }[] = [{ ref: { layer: cut, call: 0, tensor: 0 }, expanded: false }];
  while (stack.length > 0) {
    const top = stack[stack.length - 1] as { ref: TensorRef; expanded: boolean };
    const key = callKey(top.ref.layer, top.ref.call);
    const layer = layers.get(top.ref.layer);
    const inputs = layer?.calls[top.ref.call];
    if (!layer || !inputs) throw new HeadstartError('HS_MODEL_INVALID', `${where}: a layer reads output ${top.ref.call} of '${top.ref.layer}', which does not exist.`);
    if (top.expanded) {
      stack.pop();
      visiting.delete(key);
      if (!done.has(key)) {
        done.add(key);
        calls.push({ key, layer, inputs });
      }
      continue;
    }
    if (done.has(key)) {
      stack.pop();
      continue;
    }
    if (visiting.has(key)) throw new HeadstartError('HS_MODEL_INVALID', `${where}: the layer graph has a cycle through '${top.ref.layer}'.`);
    visiting.add(key);
    top.expanded = true;
    for (const input of inputs) {
      if (input.tensor !== 0) {
        throw new HeadstartError('HS_MODEL_INVALID', `${where}: layer '${layer.name}' reads output tensor ${input.tensor} of '${input.layer}'; headstart converts single-output layers only.`);
      }
      stack.push({ ref: input, expanded: false });
    }
  }
  return calls;
}
