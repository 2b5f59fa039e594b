export { HeadstartError, invalidChoice, invalidOption, rejectUnknownKeys, throwIfAborted } from './errors.js';
export type { ErrorCode } from './errors.js';
export type { ProgressEvent, ProgressCallback } from './progress.js';
export { writeFileAtomic, writeDirAtomic } from './atomic-write.js';
export { createRng, shuffleInPlace } from './random.js';
export { sha256 } from './hash.js';
