export type { ModelCard, CutPoint } from './model-card.js';
export { defaultHome } from './home.js';
export { listBackbones, getModelCard, installBackbone, registerBackbone, listLayers, readBackboneFolder, copyBackboneFolder } from './registry.js';
export type { InstalledBackbone, RegisterBackboneOptions } from './registry.js';
export { loadBackbone } from './backbone.js';
export type { Backbone, LoadBackboneOptions } from './backbone.js';
export { extractFeatures } from './extract-features.js';
export type { ExtractFeaturesOptions, ExtractFeaturesResult } from './extract-features.js';
export { backboneAsOnnx } from './onnx-copy.js';
