export { convertLayersToOnnx, INPUT_NAME, OUTPUT_NAME } from './convert-layers-to-onnx.js';
export type { ConvertLayersToOnnxOptions, LayersPooling } from './convert-layers-to-onnx.js';
export { readLayersWeights, groupWeightsByLayer } from './layers-weights.js';
export type { LayersWeight } from './layers-weights.js';
export { parseLayersTopology, collectLayerCalls } from './layers-topology.js';
export type { LayersLayer, LayerCall, TensorRef } from './layers-topology.js';
export { SUPPORTED_LAYER_CLASSES } from './layer-mappers.js';
export { ACTIVATIONS } from './activation-layers.js';
