import type { ModelFiles } from '../engine.js';
import { readOnnxGraph } from './onnx-file.js';

/**
 * Every value a node of an ONNX graph produces, in graph order, with the node's op type: the places it can be cut.
 * Shapes are known only where the file declares them (graph inputs and outputs); elsewhere they are empty.
 */
export async function listOnnxLayers(files: ModelFiles): Promise<{ name: string; className: string; shape: (number | null)[] }[]> {
  const graph = await readOnnxGraph(files.path);
  const shapes = new Map([...graph.inputs, ...graph.outputs].map((v) => [v.name, v.shape ?? []]));
  return graph.nodes.flatMap((node) =>
    node.outputs
      .filter((name) => name !== '')
      .map((name) => ({ name, className: node.opType, shape: (shapes.get(name) ?? []).map((d) => (typeof d === 'number' ? d : null)) })),
  );
}
