/** Stable error codes: callers branch on these, the CLI maps them to exit status. */
export type ErrorCode =
  | 'HS_INVALID_OPTION'
  | 'HS_FILE_NOT_FOUND'
  | 'HS_IMAGE_UNREADABLE'
  | 'HS_AUDIO_UNREADABLE'
  | 'HS_DATASET_EMPTY'
  | 'HS_DATASET_INVALID'
  | 'HS_UNKNOWN_LABEL'
  | 'HS_MODEL_NOT_FOUND'
  | 'HS_MODEL_INVALID'
  | 'HS_LAYER_NOT_FOUND'
  | 'HS_ENGINE_FAILED'
  | 'HS_ABORTED'
  | 'HS_CACHE_FAILED'
  /** An external program or system resource headstart calls (espeak-ng, fontconfig) is missing. */
  | 'HS_MISSING_TOOL'
  | 'HS_GENERATE_FAILED'
  /** The output path exists and is not a headstart output of the same kind (pass force to replace it). */
  | 'HS_OUTPUT_EXISTS'
  /** The output path is, lies inside or contains an input path. */
  | 'HS_OUTPUT_OVERLAPS_INPUT'
  /** The output location cannot be written (a file on the way, no permission, a read-only or virtual file system). */
  | 'HS_OUTPUT_UNWRITABLE'
  /** An input path is not a regular file (a FIFO, a device, a folder where a file is read). */
  | 'HS_INPUT_NOT_A_FILE'
  /** An input file is larger than the limit for its kind. */
  | 'HS_INPUT_TOO_LARGE'
  /** A --queue URL (Redis) that cannot be reached, or a connection to it that dropped. */
  | 'HS_QUEUE_UNREACHABLE'
  /** A worker whose headstart version, backbone weights or preprocessing differ from the coordinator's. */
  | 'HS_WORKER_MISMATCH'
  /** A shard of distributed extraction that failed on every attempt, or a worker process that died too often. */
  | 'HS_SHARD_FAILED';

export class HeadstartError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'HeadstartError';
    this.code = code;
  }
}

/** Keras-style message for a value outside a closed set. */
export function invalidChoice(name: string, received: unknown, choices: readonly unknown[]): HeadstartError {
  const list = choices.map((c) => `'${String(c)}'`).join(', ');
  return new HeadstartError('HS_INVALID_OPTION', `Expected ${name} to be one of ${list}. Received: '${String(received)}'.`);
}

export function invalidOption(message: string): HeadstartError {
  return new HeadstartError('HS_INVALID_OPTION', message);
}

/** Rejects keys the options type does not declare: a typo in a JS caller or config file must not pass silently. */
export function rejectUnknownKeys(what: string, options: object, known: readonly string[]): void {
  const unknown = Object.keys(options).filter((k) => !known.includes(k));
  if (unknown.length > 0) {
    throw invalidOption(`Unknown ${what} option${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')}. Known options: ${known.join(', ')}.`);
  }
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new HeadstartError('HS_ABORTED', 'The operation was aborted.', { cause: signal.reason });
}
