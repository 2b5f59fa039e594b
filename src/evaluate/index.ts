export { computeMetrics, topKAccuracy, argmaxRows } from './metrics.js';
export type { ClassificationMetrics, ClassMetrics } from './metrics.js';
