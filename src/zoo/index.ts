export type { ModelCard, CutPoint, SourceTraining } from './model-card.js';
export { defaultHome } from './home.js';
export { BACKBONE_ID_PATTERN, resolveInside, listBackbones, getModelCard, installBackbone, registerBackbone, registerTfliteBackbone, REGISTER_FORMATS, listLayers, readBackboneFolder, copyBackboneFolder } from './registry.js';
export type { InstalledBackbone, RegisterBackboneOptions, RegisterFormat } from './registry.js';
export { loadBackbone } from './backbone.js';
export type { Backbone, LoadBackboneOptions } from './backbone.js';
export { combineBackbones, joinFeatureRows, TEST_TIME_AUGMENTATIONS } from './combined-backbone.js';
export type { CombineBackbonesOptions, TestTimeAugmentation } from './combined-backbone.js';
export { extractFeatures } from './extract-features.js';
export type { ExtractFeaturesOptions, ExtractFeaturesResult, FeatureStore } from './extract-features.js';
export { backboneAsOnnx } from './onnx-copy.js';
export { saveSourceModel, loadSourceModel, readSourceModelInfo } from './source-model.js';

// Text backbones: word vectors and ONNX sentence encoders
export * from './text/index.js';
