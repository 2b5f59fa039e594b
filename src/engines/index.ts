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
export { TfjsEngine, createEngine } from './tfjs/tfjs-engine.js';
