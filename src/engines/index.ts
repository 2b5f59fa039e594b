export type {
  Engine,
  ExtractorOptions,
  FeatureExtractor,
  ModelFiles,
  Pooling,
  DenseHeadSpec,
  SavedHead,
  TrainableHead,
} from './engine.js';
export { POOLINGS } from './engine.js';
export { TfjsEngine, createEngine } from './tfjs/tfjs-engine.js';
