export type { OnnxAttribute, OnnxDataType, OnnxGraph, OnnxModel, OnnxNode, OnnxTensor, OnnxTensorData, OnnxValueInfo } from './onnx/index.js';
export { attr, ONNX_DATA_TYPES, encodeOnnxModel, decodeOnnxModel, addGraphOutputs, GraphBuilder } from './onnx/index.js';
export { convertLayersToOnnx, readLayersWeights, SUPPORTED_LAYER_CLASSES } from './layers-to-onnx/index.js';
export type { ConvertLayersToOnnxOptions, LayersPooling, LayersWeight } from './layers-to-onnx/index.js';
export { convertOnnxToLayers, SUPPORTED_ONNX_OPS, WEIGHTS_FILE } from './onnx-to-layers/index.js';
export type { ConvertOnnxToLayersOptions, LayersArtifacts, LayersWeightSpec } from './onnx-to-layers/index.js';
