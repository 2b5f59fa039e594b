// headstart's public API. The CLI uses nothing else.

// One-call jobs
export { exportModel, EXPORT_FORMATS, train, TRAIN_DEFAULTS, evaluateModel, predict, loadModel, demo, DEMO_DATA_DIR, MANIFEST_FILE } from './workflows/index.js';
export type {
  TrainOptions, TrainResult, EvaluateModelOptions, EvaluateModelResult, PredictOptions, PredictResult, Prediction,
  TransferModel, LoadModelOptions, ModelManifest, WorkflowOptions, DemoOptions, DemoResult, ExportModelOptions, ExportModelResult,
} from './workflows/index.js';

// Source-model zoo: cards, backbones, feature extraction
export {
  listBackbones, listLayers, getModelCard, installBackbone, registerBackbone, loadBackbone, extractFeatures, defaultHome,
} from './zoo/index.js';
export type { ModelCard, CutPoint, Backbone, LoadBackboneOptions, ExtractFeaturesOptions, ExtractFeaturesResult, RegisterBackboneOptions, InstalledBackbone } from './zoo/index.js';

// Heads on features
export { trainHead, loadHead, earlyStopping, HEAD_KINDS, TRAIN_HEAD_DEFAULTS } from './heads/index.js';
export type { Head, HeadKind, TrainHeadOptions, TrainHeadResult, Callback, EpochRecord, TrainContext } from './heads/index.js';

// Data
export { loadImageDataset, listImageFolder, readManifest, splitDataset, selectFeatureRows, decodeImage, decodeImageFile, FeatureCache } from './data/index.js';
export type { ImageDataset, LabeledItem, InputSpec, FeatureSet, SkippedFile, BadFilePolicy } from './data/index.js';

// Engines
export { createEngine, TfjsEngine, OnnxEngine, POOLINGS, MODEL_FORMATS } from './engines/index.js';
export type { Engine, FeatureExtractor, Pooling, ModelFormat, ModelFiles } from './engines/index.js';

// Evaluation and reports
export { computeMetrics, topKAccuracy, argmaxRows } from './evaluate/index.js';
export type { ClassificationMetrics } from './evaluate/index.js';
export { renderHtmlReport, writeReport, formatTable, formatMetricsSummary } from './report/index.js';
export type { ReportInput } from './report/index.js';

// Errors and progress
export { HeadstartError } from './core/index.js';
export type { ErrorCode, ProgressEvent, ProgressCallback } from './core/index.js';
