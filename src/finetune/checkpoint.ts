import { promises as fs } from 'node:fs';
import path from 'node:path';
import { HeadstartError, writeDirAtomic } from '../core/index.js';
import type { TopState } from '../engines/index.js';
import type { EarlyStoppingState, EpochRecord } from '../heads/index.js';

/** Everything a fine-tuning run needs to continue after its last completed epoch. */
export interface FineTuneCheckpoint {
  /** The run's settings; resuming with other settings is refused. */
  config: Record<string, unknown>;
  /** Epochs of the head phase (0 while it has not finished). */
  headHistory: EpochRecord[];
  /** Unfrozen epochs completed, in order. */
  history: EpochRecord[];
  state: TopState;
  early?: EarlyStoppingState;
  stoppedReason?: string;
}

// 2: Adam's step count and powers of beta as floats, and the dropout seeds (version 1 lost both, so resumes drifted).
const VERSION = 2;
const META_FILE = 'checkpoint.json';
const DATA_FILE = 'arrays.bin';

interface Meta {
  version: number;
  config: Record<string, unknown>;
  headHistory: EpochRecord[];
  history: EpochRecord[];
  early?: { best: number; bestEpoch: number };
  stoppedReason?: string;
  dropoutSeeds: number[];
  /** Lengths of the arrays in arrays.bin, in order: weights, then each optimiser's, then the best weights. */
  lengths: { weights: number[]; optimizers: Record<string, number[]>; best: number[] };
}

/** Writes the checkpoint folder atomically: a kill at any moment leaves the previous one or this one, whole. */
export async function writeCheckpoint(dir: string, checkpoint: FineTuneCheckpoint): Promise<void> {
  const optimizers = checkpoint.state.optimizers;
  const best = checkpoint.early?.bestWeights ?? [];
  const arrays = [...checkpoint.state.weights, ...Object.values(optimizers).flat(), ...best];
  const meta: Meta = {
    version: VERSION,
    config: checkpoint.config,
    headHistory: checkpoint.headHistory,
    history: checkpoint.history,
    ...(checkpoint.early ? { early: { best: checkpoint.early.best, bestEpoch: checkpoint.early.bestEpoch } } : {}),
    ...(checkpoint.stoppedReason ? { stoppedReason: checkpoint.stoppedReason } : {}),
    dropoutSeeds: checkpoint.state.dropoutSeeds,
    lengths: {
      weights: checkpoint.state.weights.map((a) => a.length),
      optimizers: Object.fromEntries(Object.entries(optimizers).map(([g, list]) => [g, list.map((a) => a.length)])),
      best: best.map((a) => a.length),
    },
  };
  await writeDirAtomic(dir, async (tmp) => {
    await fs.writeFile(path.join(tmp, META_FILE), JSON.stringify(meta));
    await fs.writeFile(path.join(tmp, DATA_FILE), Buffer.concat(arrays.map((a) => Buffer.from(a.buffer, a.byteOffset, a.byteLength))));
  });
}

/** Reads a checkpoint folder, or undefined when there is none. */
export async function readCheckpoint(dir: string): Promise<FineTuneCheckpoint | undefined> {
  const metaPath = path.join(dir, META_FILE);
  let meta: Meta;
  try {
    meta = JSON.parse(await fs.readFile(metaPath, 'utf8')) as Meta;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new HeadstartError('HS_MODEL_INVALID', `Cannot read the fine-tuning checkpoint ${metaPath}: ${(err as Error).message}. Delete ${dir} to start over.`, { cause: err });
  }
  if (meta.version !== VERSION) throw new HeadstartError('HS_MODEL_INVALID', `${metaPath} has checkpoint version ${meta.version}; this headstart reads ${VERSION}. Delete ${dir} to start over.`);
  const bytes = await fs.readFile(path.join(dir, DATA_FILE));
  let offset = 0;
  const take = (lengths: number[]) =>
    lengths.map((n) => {
      if (offset + n * 4 > bytes.byteLength) throw new HeadstartError('HS_MODEL_INVALID', `${dir}/${DATA_FILE} is shorter than ${metaPath} says. Delete ${dir} to start over.`);
      const a = new Float32Array(new Uint8Array(bytes.subarray(offset, offset + n * 4)).buffer);
      offset += n * 4;
      return a;
    });
  const weights = take(meta.lengths.weights);
  const optimizers = Object.fromEntries(Object.entries(meta.lengths.optimizers).map(([g, lengths]) => [g, take(lengths)]));
  const best = take(meta.lengths.best);
  return {
    config: meta.config,
    headHistory: meta.headHistory,
    history: meta.history,
    state: { weights, optimizers, dropoutSeeds: meta.dropoutSeeds },
    ...(meta.early ? { early: { ...meta.early, ...(best.length > 0 ? { bestWeights: best } : {}) } } : {}),
    ...(meta.stoppedReason ? { stoppedReason: meta.stoppedReason } : {}),
  };
}
