import { convertOnnxToLayers } from '../formats/index.js';
import type { OnnxModel } from '../formats/index.js';
import type { LayersArtifacts, ParameterGroup } from '../engines/index.js';
import type { TopSplit } from './blocks.js';

/** The trainable top of an ONNX backbone, rebuilt as a TF.js Layers model, and its parameter groups. */
export interface OnnxTop {
  /** The graph from the boundary value (the model's input, NHWC) to `output`. */
  model: LayersArtifacts;
  /** `split`'s groups, naming the Layers model's layers. */
  groups: ParameterGroup[];
}

const layerNames = (artifacts: ReturnType<typeof convertOnnxToLayers>): string[] =>
  ((artifacts.modelJson.modelTopology.config as { layers: { name: string }[] }).layers ?? []).map((l) => l.name);

/**
 * Rebuilds the top of an ONNX graph, from `split.boundary` to `output` (the cut, pooled as the backbone is), as a TF.js
 * Layers model that tfjs can train. A group's layers are those its last value needs beyond what the group below
 * needs, found by rebuilding the top up to each group's end: the converter's own layer names, whatever it fuses.
 */
export function onnxTop(model: OnnxModel, split: TopSplit, output: string, where: string): OnnxTop {
  const top = convertOnnxToLayers(model, { input: split.boundary, output, name: 'top', where });
  const seen = new Set<string>([top.inputName]);
  const groups = split.groups.map((group, i) => {
    const isLast = i === split.groups.length - 1;
    const names = isLast ? layerNames(top) : layerNames(convertOnnxToLayers(model, { input: split.boundary, output: group.layers[group.layers.length - 1] as string, where }));
    const own = names.filter((n) => !seen.has(n));
    own.forEach((n) => seen.add(n));
    return { name: group.name, layers: own };
  });
  return { model: { modelJson: top.modelJson, weights: top.weightData }, groups };
}
