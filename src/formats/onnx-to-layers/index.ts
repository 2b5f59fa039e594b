export { convertOnnxToLayers } from './convert-onnx-to-layers.js';
export type { ConvertOnnxToLayersOptions } from './convert-onnx-to-layers.js';
export { SUPPORTED_ONNX_OPS } from './op-converters.js';
export { WEIGHTS_FILE } from './keras-graph.js';
export type { LayersArtifacts, LayersWeightSpec } from './keras-graph.js';
