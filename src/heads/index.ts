export type { Head, HeadKind } from './head.js';
export { HEAD_KINDS } from './head.js';
export { trainHead, TRAIN_HEAD_DEFAULTS } from './train-head.js';
export type { TrainHeadOptions, TrainHeadResult, HeadCrossValidation } from './train-head.js';
export { loadHead, loadLayersHead } from './load-head.js';
export { readHeadFiles } from './weights-file.js';
export type { HeadFiles } from './weights-file.js';
export { earlyStopping } from './callbacks.js';
export type { Callback, EpochRecord, TrainContext, EarlyStoppingOptions, EarlyStoppingState } from './callbacks.js';
export { featureStats, standardize, wrapDenseHead, createLinearHead } from './dense-head.js';
export { createPrototypeHead, normalizedRows } from './similarity-heads.js';
export { probabilityAccuracy } from './accuracy.js';
export {
  fitLogisticRegression,
  fitLogisticRegressionCV,
  predictLogisticRegression,
  foldedWeights,
  LOGISTIC_REGRESSION_DEFAULTS,
  LOGISTIC_REGRESSION_CV_DEFAULTS,
} from './logistic-regression.js';
export type {
  LogisticRegressionOptions,
  LogisticRegressionModel,
  LogisticRegressionCVOptions,
  LogisticRegressionCVResult,
  LogisticRegressionScaling,
} from './logistic-regression.js';
