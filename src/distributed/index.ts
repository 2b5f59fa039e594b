export { fillFeatureCache, checkDistributeOptions, DISTRIBUTE_DEFAULTS } from './fill-feature-cache.js';
export type { DistributeOptions, FillFeatureCacheOptions, FillFeatureCacheResult, ShardWorkerStats } from './fill-feature-cache.js';
export { ShardRunner } from './shard-runner.js';
export { runQueueWorker, EXTRACT_QUEUE_NAME } from './redis-queue.js';
export type { RunQueueWorkerOptions } from './redis-queue.js';
export { planShards, encodeFeatures, decodeFeatures, headstartVersion } from './shard-job.js';
export type { ShardJob, ShardResult, ShardFile, ShardBackbone, EncodedFeatures } from './shard-job.js';
export { checkQueueReachable } from './redis-connection.js';
