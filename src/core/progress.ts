/** Everything long-running reports through one union, keyed on `stage`; the library never prints. */
export type ProgressEvent =
  | { stage: 'convert'; model: string; message: string }
  | { stage: 'extract'; done: number; total: number; cached: number }
  | { stage: 'skip'; file: string; reason: string }
  /** Distributed extraction: shards merged so far, and the images they held, across every worker. */
  | { stage: 'shard'; done: number; total: number; images: number; workers: number }
  /** Files a generator (synthetic data, dataset export) has written so far. */
  | { stage: 'generate'; done: number; total: number; what: string }
  | { stage: 'epoch'; epoch: number; epochs: number; loss: number; valLoss?: number; valAccuracy?: number }
  | { stage: 'done'; message: string };

export type ProgressCallback = (event: ProgressEvent) => void;
