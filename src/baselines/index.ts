export { fitLinearProbe, linearProbeHead, probeClasses, joinFeatureSets } from './linear-probe.js';
export type { FitLinearProbeOptions, LinearProbe } from './linear-probe.js';
export { tfIdfTextBackbone, hybridTextBackbone, appendTfIdfRows, TF_IDF_BACKBONE_ID, TF_IDF_FILE } from './tf-idf-backbone.js';
