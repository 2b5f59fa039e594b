import type { OnnxAttribute, OnnxDataType, OnnxGraph, OnnxModel, OnnxNode, OnnxTensor, OnnxTensorData, OnnxValueInfo } from './onnx-model.js';

/** Builds an ONNX graph node by node, handing out unique value names. Converters (TF.js Layers, TFLite) share it. */
export class GraphBuilder {
  private readonly nodes: OnnxNode[] = [];
  private readonly initializers: OnnxTensor[] = [];
  private readonly inputs: OnnxValueInfo[] = [];
  private readonly outputs: OnnxValueInfo[] = [];
  private readonly used = new Set<string>();

  constructor(private readonly name: string) {}

  /** A builder that continues an existing graph: its nodes, constants and inputs are kept; its outputs are not. */
  static extending(graph: OnnxGraph): GraphBuilder {
    const b = new GraphBuilder(graph.name);
    b.nodes.push(...graph.nodes);
    b.initializers.push(...graph.initializers);
    b.inputs.push(...graph.inputs);
    for (const name of [...graph.nodes.flatMap((n) => n.outputs), ...graph.initializers.map((t) => t.name), ...graph.inputs.map((i) => i.name)]) b.used.add(name);
    return b;
  }

  /** A fresh value name starting with `prefix`. */
  uniqueName(prefix: string): string {
    let name = prefix;
    for (let i = 1; this.used.has(name); i++) name = `${prefix}_${i}`;
    this.used.add(name);
    return name;
  }

  input(name: string, elemType: OnnxDataType, shape: (number | string)[]): string {
    this.used.add(name);
    this.inputs.push({ name, elemType, shape });
    return name;
  }

  output(name: string, elemType: OnnxDataType = 'float32', shape?: (number | string)[]): void {
    this.outputs.push({ name, elemType, ...(shape ? { shape } : {}) });
  }

  /** Adds a constant tensor; returns its (unique) value name. */
  constant(prefix: string, dims: number[], data: OnnxTensorData, dataType: OnnxDataType = 'float32'): string {
    const name = this.uniqueName(prefix);
    this.initializers.push({ name, dims, dataType, data });
    return name;
  }

  /** Adds a node with one output; returns the output's value name. */
  node(opType: string, inputs: string[], attributes: Record<string, OnnxAttribute> = {}, outputName?: string): string {
    const output = this.uniqueName(outputName ?? opType.toLowerCase());
    this.nodes.push({ opType, inputs, outputs: [output], name: output, attributes });
    return output;
  }

  build(): OnnxGraph {
    return { name: this.name, nodes: [...this.nodes], initializers: [...this.initializers], inputs: [...this.inputs], outputs: [...this.outputs] };
  }

  /** The graph as a model with headstart's IR and opset versions (onnxruntime 1.30 reads both). */
  buildModel(metadata: Record<string, string> = {}): OnnxModel {
    return { irVersion: 8, opsetVersion: 17, producerName: 'headstart', graph: this.build(), metadata };
  }
}
