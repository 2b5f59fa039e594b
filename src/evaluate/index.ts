export { computeMetrics, topKAccuracy, argmaxRows } from './metrics.js';
export type { ClassificationMetrics, ClassMetrics } from './metrics.js';
export { wilsonInterval, accuracyInterval, formatAccuracy, isSmallSample, showsOverfitting, MIN_OVERFIT_TRAIN_ROWS, SMALL_TEST_ROWS, SMALL_TEST_WIDTH } from './wilson.js';
export type { ProportionInterval } from './wilson.js';
export { mcnemarExact, comparePredictions } from './mcnemar.js';
export type { McNemarResult } from './mcnemar.js';
