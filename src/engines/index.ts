export type {
  Engine,
  ExtractorOptions,
  FeatureExtractor,
  ModelFiles,
  ModelFormat,
  Pooling,
  DenseHeadSpec,
  SavedHead,
  TrainableHead,
} from './engine.js';
export { POOLINGS, MODEL_FORMATS } from './engine.js';
export { createEngine, ENGINE_KINDS, CREATE_ENGINE_DEFAULTS } from './create-engine.js';
export type { CreateEngineOptions, EngineKind } from './create-engine.js';
export { TfjsEngine } from './tfjs/tfjs-engine.js';
export { OnnxEngine } from './onnx/onnx-engine.js';
export type { OnnxEngineOptions } from './onnx/onnx-engine.js';
