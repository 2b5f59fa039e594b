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
  LayersArtifacts,
  BatchNormMode,
  ParameterGroup,
  TopSpec,
  TopStepOptions,
  TopState,
  TrainableTop,
} from './engine.js';
export { POOLINGS, MODEL_FORMATS, BATCH_NORM_MODES, HEAD_GROUP } from './engine.js';
export { createEngine, ENGINE_KINDS, CREATE_ENGINE_DEFAULTS } from './create-engine.js';
export type { CreateEngineOptions, EngineKind } from './create-engine.js';
export { TfjsEngine } from './tfjs/tfjs-engine.js';
export { OnnxEngine } from './onnx/onnx-engine.js';
export type { OnnxEngineOptions } from './onnx/onnx-engine.js';
export { OnnxTextEncoder } from './onnx/onnx-text-encoder.js';
export type { TextEncoderInput, LoadOnnxTextEncoderOptions } from './onnx/onnx-text-encoder.js';
export { buildArchitecture, ARCHITECTURES } from './tfjs/architectures.js';
export type { ArchitectureName, ArchitectureOptions, BuiltArchitecture } from './tfjs/architectures.js';
export { createFeatureAdapter, ALIGNMENT_LOSSES } from './tfjs/feature-adapter.js';
export type { FeatureAdapterSpec, AlignmentLoss, AdapterStepOptions, AdapterStepResult, BatchNormStatistics, TrainableFeatureAdapter } from './tfjs/feature-adapter.js';
