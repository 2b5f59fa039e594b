export { readTflite, dequantize } from './read-tflite.js';
export type {
  TfliteActivation,
  TfliteModel,
  TfliteOperator,
  TfliteOperatorCode,
  TfliteOptions,
  TflitePadding,
  TfliteQuantization,
  TfliteSubgraph,
  TfliteTensor,
  TfliteTensorType,
} from './read-tflite.js';
export { convertTfliteToOnnx, SUPPORTED_TFLITE_OPS } from './tflite-to-onnx.js';
export type { ConvertTfliteToOnnxOptions, ConvertTfliteToOnnxResult } from './tflite-to-onnx.js';
export { builtinOperatorName } from './tflite-schema.js';
