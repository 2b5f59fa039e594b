// Domain adaptation and shift diagnostics, on features.

// Shift diagnostics: how far a target dataset is from the source in a backbone's feature space.
export { computeMmd, COMPUTE_MMD_DEFAULTS } from './mmd.js';
export type { ComputeMmdOptions, MmdResult } from './mmd.js';
export { computeProxyADistance, COMPUTE_PROXY_A_DISTANCE_DEFAULTS } from './proxy-a-distance.js';
export type { ComputeProxyADistanceOptions, ProxyADistanceResult } from './proxy-a-distance.js';
export { diagnoseShift, DIAGNOSE_SHIFT_DEFAULTS, SHIFT_THRESHOLDS } from './shift.js';
export type { DiagnoseShiftOptions, ShiftDiagnosis, ClassShift, ShiftLevel } from './shift.js';
// Domain adaptation on features: closed-form CORAL, pseudo-labelling, and a feature adapter (AdaBN, DANN, Deep CORAL).
export { adaptFeatures, ADAPT_METHODS, ADAPT_METHOD_CHOICES, ADAPT_METHOD_PAPERS, ADAPT_FEATURES_DEFAULTS, ALIGNMENT_WEIGHT_DEFAULTS } from './adapt-features.js';
export type { AdaptMethod, AdaptMethodChoice, AdaptFeaturesOptions, AdaptFeaturesResult, AutoCandidate, DomainScores, ShiftMeasures } from './adapt-features.js';
// The guard every method passes through: source accuracy, MMD change, collapse of the target predictions.
export { guardAdaptation, meanPredictionEntropy, predictedClassBalance, ADAPT_GUARD_DEFAULTS } from './adapt-guard.js';
export type { AdaptGuard, AdaptGuardFlag, AdaptGuardOptions } from './adapt-guard.js';
export { coralAlign, covarianceOf, relativeFrobeniusDistance, CORAL_ALIGN_DEFAULTS } from './coral.js';
export type { CoralAlignOptions, CoralAlignResult } from './coral.js';
export { pseudoLabel, PSEUDO_LABEL_DEFAULTS } from './pseudo-label.js';
export type { PseudoLabelOptions, PseudoLabelResult, PseudoLabelRound } from './pseudo-label.js';
export { trainFeatureAdapter, dannLambda, TRAIN_FEATURE_ADAPTER_DEFAULTS } from './train-feature-adapter.js';
export type { TrainFeatureAdapterOptions, TrainFeatureAdapterResult, FeatureAdapterModel, AdapterEpochRecord } from './train-feature-adapter.js';
