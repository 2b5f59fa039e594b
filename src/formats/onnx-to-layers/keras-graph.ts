import { HeadstartError } from '../../core/index.js';

/** One entry of a TF.js weights manifest. */
export interface LayersWeightSpec {
  name: string;
  shape: number[];
  dtype: 'float32';
}

/** A TF.js Layers model as tf.io hands it over: model.json, the weight specs, and all weights in one buffer. */
export interface LayersArtifacts {
  /** model.json: `modelTopology` (a Keras functional model) and a `weightsManifest` naming weights.bin. */
  modelJson: {
    format: 'layers-model';
    generatedBy: string;
    convertedBy: string;
    modelTopology: Record<string, unknown>;
    weightsManifest: { paths: string[]; weights: LayersWeightSpec[] }[];
  };
  weightSpecs: LayersWeightSpec[];
  /** The weights, concatenated in `weightSpecs` order (the contents of weights.bin). */
  weightData: Uint8Array;
  /** Names of the input and output layers. */
  inputName: string;
  outputName: string;
  /** Shapes without the batch axis, in the Layers model's own (NHWC) layout. */
  inputShape: number[];
  outputShape: number[];
}

/** A weight's values, in Keras layout (a conv kernel is [kh, kw, in, out]). */
export interface LayersWeightData {
  shape: number[];
  data: Float32Array;
}

/** A Keras layer being assembled: class, config, the layers it reads, and its weights by short name. */
export interface KerasLayer {
  name: string;
  className: string;
  config: Record<string, unknown>;
  inbound: string[];
  weights: Map<string, LayersWeightData>;
}

export const WEIGHTS_FILE = 'weights.bin';

/** Keras layer names: letters, digits, '_', '.', '-' (ONNX value names often hold '/' and ':'). */
const sanitize = (name: string): string => name.replace(/[^A-Za-z0-9_.-]/g, '_').replace(/^[^A-Za-z0-9]+/, '') || 'layer';

/**
 * Builds a Keras functional model layer by layer (every layer applied once, so a layer's name is its output), and
 * writes it as TF.js Layers artifacts: only standard Keras classes, so tf.loadLayersModel reads it anywhere.
 */
export class KerasGraph {
  private readonly layers = new Map<string, KerasLayer>();

  /** Adds a layer; returns its (unique) name, which is also the name of its output. */
  add(className: string, nameHint: string, config: Record<string, unknown>, inbound: string[], weights: Record<string, LayersWeightData> = {}): string {
    const base = sanitize(nameHint);
    let name = base;
    for (let i = 1; this.layers.has(name); i++) name = `${base}_${i}`;
    this.layers.set(name, { name, className, config, inbound, weights: new Map(Object.entries(weights)) });
    return name;
  }

  input(nameHint: string, shape: number[]): string {
    return this.add('InputLayer', nameHint, { batch_input_shape: [null, ...shape], dtype: 'float32', sparse: false }, []);
  }

  /** A layer added before, to complete it (e.g. a bias folded into a Dense). */
  layer(name: string): KerasLayer {
    const layer = this.layers.get(name);
    if (!layer) throw new Error(`KerasGraph has no layer '${name}'`);
    return layer;
  }

  /**
   * The model from layer `input` (which becomes an InputLayer of shape `inputShape`, whatever produced it) to layer
   * `output`, keeping only the layers between them. `where` names the source model in errors.
   */
  build(options: { input: string; inputShape: number[]; output: string; outputShape: number[]; name: string; where: string }): LayersArtifacts {
    const { input, output, where } = options;
    const kept = new Set<string>();
    const stack = [output];
    while (stack.length > 0) {
      const name = stack.pop() as string;
      if (kept.has(name)) continue;
      kept.add(name);
      if (name === input) continue;
      const layer = this.layer(name);
      if (layer.className === 'InputLayer') {
        throw new HeadstartError('HS_INVALID_OPTION', `${where}: the output '${output}' also depends on '${name}', not only on the input '${input}'. Start from a value that every path to the output passes through.`);
      }
      stack.push(...layer.inbound);
    }
    if (!kept.has(input)) throw new HeadstartError('HS_INVALID_OPTION', `${where}: the output '${output}' does not depend on the input '${input}'.`);

    const weightSpecs: LayersWeightSpec[] = [];
    const chunks: Float32Array[] = [];
    const layers = [...this.layers.values()].filter((l) => kept.has(l.name)).map((l) => {
      const layer = l.name === input ? { ...l, className: 'InputLayer', inbound: [], weights: new Map(), config: { batch_input_shape: [null, ...options.inputShape], dtype: 'float32', sparse: false } } : l;
      for (const [short, w] of layer.weights) {
        weightSpecs.push({ name: `${layer.name}/${short}`, shape: w.shape, dtype: 'float32' });
        chunks.push(w.data);
      }
      return {
        name: layer.name,
        class_name: layer.className,
        config: { ...layer.config, name: layer.name, ...(layer.className === 'InputLayer' ? {} : { trainable: true }) },
        inbound_nodes: layer.inbound.length > 0 ? [layer.inbound.map((i) => [i, 0, 0, {}])] : [],
      };
    });
    const weightData = new Uint8Array(chunks.reduce((n, c) => n + c.byteLength, 0));
    let offset = 0;
    for (const c of chunks) {
      weightData.set(new Uint8Array(c.buffer, c.byteOffset, c.byteLength), offset);
      offset += c.byteLength;
    }
    const modelTopology = {
      class_name: 'Model',
      config: { name: sanitize(options.name), layers, input_layers: [[input, 0, 0]], output_layers: [[output, 0, 0]] },
      backend: 'tensor_flow.js',
    };
    return {
      modelJson: { format: 'layers-model', generatedBy: 'headstart', convertedBy: 'headstart (from ONNX)', modelTopology, weightsManifest: [{ paths: [WEIGHTS_FILE], weights: weightSpecs }] },
      weightSpecs,
      weightData,
      inputName: input,
      outputName: output,
      inputShape: options.inputShape,
      outputShape: options.outputShape,
    };
  }
}
