export type { OnnxAttribute, OnnxDataType, OnnxGraph, OnnxModel, OnnxNode, OnnxTensor, OnnxTensorData, OnnxValueInfo } from './onnx-model.js';
export { attr, ONNX_DATA_TYPES } from './onnx-model.js';
export { encodeOnnxModel, decodeOnnxModel, addGraphOutputs } from './onnx-codec.js';
export { GraphBuilder } from './graph-builder.js';
