import { HeadstartError, createRng, invalidChoice, invalidOption, rejectUnknownKeys, shuffleInPlace } from '../core/index.js';
import type { ProgressCallback } from '../core/index.js';
import type { FeatureSet } from '../data/index.js';
import { BATCH_NORM_MODES, HEAD_GROUP } from '../engines/index.js';
import type { BatchNormMode, Engine, TrainableTop } from '../engines/index.js';
import { earlyStopping, probabilityAccuracy, trainHead } from '../heads/index.js';
import type { Callback, EpochRecord, TrainContext, TrainHeadOptions } from '../heads/index.js';
import { readCheckpoint, writeCheckpoint } from './checkpoint.js';
import type { FineTuneCheckpoint } from './checkpoint.js';

/**
 * 'fine-tune': train the head on the frozen network, then unfreeze every top block at once (fastai's `fine_tune`,
 * the Keras transfer-learning guide). 'gradual': after the head, unfreeze one more block per epoch, top first (ULMFiT).
 */
export type FineTuneSchedule = 'fine-tune' | 'gradual';
export const FINE_TUNE_SCHEDULES: readonly FineTuneSchedule[] = ['fine-tune', 'gradual'];

/** The boundary activations a top trains on (rows: one image's [h, w, c] activation, flattened NHWC). */
export interface TopTrainingData {
  /** Training images, un-augmented: the head phase, and every epoch when `augmentedTrain` is absent. */
  train: FeatureSet;
  /** Validation images: per-epoch validation, early stopping and best-epoch restore. */
  val?: FeatureSet;
  /** Fresh augmented activations of the training images for unfrozen epoch `epoch` (1-based). */
  augmentedTrain?: (epoch: number) => Promise<FeatureSet>;
}

export interface FineTuneOptions {
  /** @default 'fine-tune' */
  schedule?: FineTuneSchedule;
  /** Epochs with unfrozen blocks (after the head phase). @default 6 */
  epochs?: number;
  /** Adam step size of the head once blocks are unfrozen; each lower block group gets a smaller one. @default 0.0005 */
  learningRate?: number;
  /** Discriminative learning rates: the lowest unfrozen block trains at learningRate / lrMult, geometric in between. 1 gives every group the same. @default 10 */
  lrMult?: number;
  /** Images per step. @default 16 */
  batchSize?: number;
  /** L2 penalty on the trained kernels (only the head's when l2sp is set). @default 0 */
  weightDecay?: number;
  /** L2-SP (Li et al. 2018): penalty on the squared distance of the unfrozen weights from their pretrained values. @default 0 */
  l2sp?: number;
  /** Label smoothing of the unfrozen phases' loss. @default 0 */
  labelSmoothing?: number;
  /** BatchNormalization while blocks train: 'frozen' keeps inference mode (moving statistics, Keras's advice); 'train' uses batch statistics. @default 'frozen' */
  batchNorm?: BatchNormMode;
  /** Unfrozen epochs without a better validation loss before stopping (the best model so far is restored). @default 3 */
  patience?: number;
  /**
   * 'train': first fit a new linear head on the frozen network (fastai's fine_tune). 'keep': the top's head is
   * already trained for these classes (a source model's own classifier): skip that phase and fine-tune from it.
   * @default 'train'
   */
  headStart?: 'train' | 'keep';
  /** Options of the head phase, a trainHead call on the frozen network's features (kind is always 'linear'). */
  head?: Omit<TrainHeadOptions, 'kind' | 'val' | 'engine' | 'callbacks' | 'signal' | 'onProgress'>;
  /** Seeds the head and the batch order. @default 42 */
  seed?: number;
  /** Folder for a checkpoint after the head phase and after every unfrozen epoch (written atomically). */
  checkpointDir?: string;
  /** Continue from the checkpoint in `checkpointDir`. Its settings must match these. @default false */
  resume?: boolean;
  /** Settings that must match on resume besides these options (backbone, split, ...). */
  resumeKey?: Record<string, unknown>;
  /** Runs the head phase; the top's engine. */
  engine?: Engine;
  callbacks?: Callback[];
  /** Stops after the current batch; the best weights so far are restored and the result says `interrupted`. */
  signal?: AbortSignal;
  onProgress?: ProgressCallback;
}

export const FINE_TUNE_DEFAULTS = {
  schedule: 'fine-tune' as FineTuneSchedule,
  epochs: 6,
  learningRate: 0.0005,
  lrMult: 10,
  batchSize: 16,
  weightDecay: 0,
  l2sp: 0,
  labelSmoothing: 0,
  batchNorm: 'frozen' as BatchNormMode,
  patience: 3,
  seed: 42,
};

const KNOWN_OPTIONS = [...Object.keys(FINE_TUNE_DEFAULTS), 'head', 'headStart', 'checkpointDir', 'resume', 'resumeKey', 'engine', 'callbacks', 'signal', 'onProgress'];

/** A stretch of unfrozen epochs with the same groups training. */
export interface FineTunePhase {
  name: string;
  /** First and last unfrozen epoch of the phase (1-based, inclusive). */
  firstEpoch: number;
  lastEpoch: number;
  learningRates: Record<string, number>;
}

export interface FineTuneResult {
  /** The head phase (trainHead on the frozen network), epoch by epoch. */
  headHistory: EpochRecord[];
  /** Unfrozen epochs, numbered from 1. */
  history: EpochRecord[];
  phases: FineTunePhase[];
  /** The unfrozen epoch whose weights the top holds now (0: the head phase's result was never beaten). */
  bestEpoch: number;
  stoppedReason?: string;
  /** True when `signal` stopped the run: the top holds the best weights so far, and the checkpoint allows a resume. */
  interrupted: boolean;
  /** Unfrozen epochs that came from a checkpoint rather than this call. */
  resumedEpochs: number;
  durationMs: number;
}

type Resolved = typeof FINE_TUNE_DEFAULTS;

function checkNumbers(o: Resolved): void {
  const ranges: [keyof Resolved, number, number, boolean][] = [
    ['epochs', 1, Infinity, true],
    ['learningRate', Number.MIN_VALUE, Infinity, false],
    ['lrMult', 1, Infinity, false],
    ['batchSize', 1, Infinity, true],
    ['weightDecay', 0, Infinity, false],
    ['l2sp', 0, Infinity, false],
    ['labelSmoothing', 0, 0.999, false],
    ['patience', 1, Infinity, true],
  ];
  for (const [name, min, max, integer] of ranges) {
    const v = o[name] as number;
    if (typeof v !== 'number' || !(v >= min && v <= max) || (integer && !Number.isInteger(v))) {
      throw invalidOption(`Expected ${name} to be ${integer ? 'an integer' : 'a number'} from ${min === Number.MIN_VALUE ? 'above 0' : min}${max === Infinity ? ' up' : ` to ${max}`}. Received: ${String(v)}.`);
    }
  }
  if (!FINE_TUNE_SCHEDULES.includes(o.schedule)) throw invalidChoice('schedule', o.schedule, FINE_TUNE_SCHEDULES);
  if (!BATCH_NORM_MODES.includes(o.batchNorm)) throw invalidChoice('batchNorm', o.batchNorm, BATCH_NORM_MODES);
}

/**
 * Discriminative rates (ULMFiT, fastai's `slice`): the head trains at `lr`, the lowest of `groups` at lr / lrMult,
 * the ones between on a geometric scale.
 */
export function discriminativeRates(groups: readonly string[], lr: number, lrMult: number): Record<string, number> {
  const rates: Record<string, number> = { [HEAD_GROUP]: lr };
  groups.forEach((g, i) => {
    rates[g] = lr / lrMult ** ((groups.length - i) / groups.length);
  });
  return rates;
}

/**
 * The head phase on its own: trains a linear head (trainHead) on the features the top computes with its blocks as
 * pretrained, and puts its weights into the top's head. Returns the head's epochs.
 */
export async function trainTopHead(
  top: TrainableTop,
  train: FeatureSet,
  options: Pick<FineTuneOptions, 'head' | 'seed' | 'engine' | 'signal' | 'onProgress'> & { val?: FeatureSet } = {},
): Promise<EpochRecord[]> {
  const { val } = options;
  const trained = await trainHead(await featuresOf(top, train), {
    ...options.head,
    kind: 'linear',
    seed: options.seed ?? FINE_TUNE_DEFAULTS.seed,
    ...(val && val.labels.length > 0 ? { val: await featuresOf(top, val) } : {}),
    ...(options.engine ? { engine: options.engine } : {}),
    signal: options.signal,
    onProgress: options.onProgress,
  });
  const weights = trained.head.getWeights?.();
  trained.head.dispose();
  if (!weights) throw new Error('trainHead returned a head without weights');
  top.setHeadWeights(weights);
  return trained.history;
}

/** The unfrozen phases of a schedule over `epochs` epochs for the top's block groups (bottom to top). */
export function schedulePhases(schedule: FineTuneSchedule, blockGroups: readonly string[], epochs: number, lr: number, lrMult: number): FineTunePhase[] {
  const all = discriminativeRates(blockGroups, lr, lrMult);
  const only = (groups: readonly string[]) => Object.fromEntries([...groups, HEAD_GROUP].map((g) => [g, all[g] as number]));
  if (schedule === 'fine-tune' || blockGroups.length <= 1) return [{ name: 'unfreeze', firstEpoch: 1, lastEpoch: epochs, learningRates: only(blockGroups) }];
  const phases: FineTunePhase[] = [];
  // One more group per epoch, top first; the last phase (every group) takes the remaining epochs.
  for (let j = 1; j <= blockGroups.length && phases.length < epochs; j++) {
    const first = phases.length + 1;
    const last = j === blockGroups.length || first === epochs ? epochs : first;
    phases.push({ name: `unfreeze ${j}`, firstEpoch: first, lastEpoch: last, learningRates: only(blockGroups.slice(blockGroups.length - j)) });
  }
  return phases;
}


/** The pooled features of a set of boundary activations, as a FeatureSet for trainHead. */
async function featuresOf(top: TrainableTop, set: FeatureSet): Promise<FeatureSet> {
  return { ...set, values: await top.features(set.values, set.labels.length), dim: top.featureDim };
}

/**
 * Fine-tunes a trainable top: first its head alone on the frozen network's features (trainHead, so this phase is
 * exactly feature extraction), then with the top blocks unfrozen on the schedule, at discriminative learning rates,
 * with validation-based early stopping that restores the best epoch (the head phase's result included). Writes a
 * checkpoint after the head phase and every epoch when `checkpointDir` is set, and resumes from it with `resume`.
 */
export async function fineTune(top: TrainableTop, data: TopTrainingData, options: FineTuneOptions = {}): Promise<FineTuneResult> {
  rejectUnknownKeys('fineTune', options, KNOWN_OPTIONS);
  const o: Resolved = { ...FINE_TUNE_DEFAULTS, ...Object.fromEntries(Object.entries(options).filter(([k]) => k in FINE_TUNE_DEFAULTS)) };
  checkNumbers(o);
  if (options.resume && !options.checkpointDir) throw invalidOption('resume needs checkpointDir: the folder of the checkpoint to continue from.');
  const started = performance.now();
  const { train, val } = data;
  const blockGroups = top.groups.filter((g) => g !== HEAD_GROUP);
  const phases = schedulePhases(o.schedule, blockGroups, o.epochs, o.learningRate, o.lrMult);
  const config = { ...options.resumeKey, ...o, head: options.head ?? {}, headStart: options.headStart ?? 'train', groups: top.groups, train: train.labels.length, val: val?.labels.length ?? 0 };

  let checkpoint: FineTuneCheckpoint | undefined;
  if (options.resume && options.checkpointDir) {
    checkpoint = await readCheckpoint(options.checkpointDir);
    if (!checkpoint) throw new HeadstartError('HS_FILE_NOT_FOUND', `No checkpoint in ${options.checkpointDir} to resume from. Run without resume to start fresh.`);
    const differing = Object.keys(config).filter((k) => JSON.stringify((config as Record<string, unknown>)[k]) !== JSON.stringify(checkpoint?.config[k]));
    if (differing.length > 0) {
      throw invalidOption(
        `The checkpoint in ${options.checkpointDir} was made with other settings (${differing.join(', ')}): ` +
          `${differing.map((k) => `${k} ${JSON.stringify(checkpoint?.config[k])}`).join(', ')}. Resume with the same settings, or start over without resume.`,
      );
    }
    await top.setState(checkpoint.state);
  }
  const save = async (c: Omit<FineTuneCheckpoint, 'config' | 'state'>) => {
    if (options.checkpointDir) await writeCheckpoint(options.checkpointDir, { ...c, config, state: await top.getState() });
  };

  // Phase 1: the head alone, on the features the frozen top computes (unless the top brings its own trained head).
  let headHistory = checkpoint?.headHistory ?? [];
  if (!checkpoint && options.headStart !== 'keep') {
    headHistory = await trainTopHead(top, train, { ...options, seed: o.seed, ...(val ? { val } : {}) });
    await save({ headHistory, history: [] });
  }

  const history: EpochRecord[] = [...(checkpoint?.history ?? [])];
  const resumedEpochs = history.length;
  const hasVal = val !== undefined && val.labels.length > 0;
  const evaluate = async (record: EpochRecord) => {
    if (!hasVal) return;
    record.valLoss = await top.evaluateLoss(val.values, val.labels);
    record.valAccuracy = probabilityAccuracy(await top.predict(val.values, val.labels.length), val.labels, top.classes);
  };
  let stoppedReason = checkpoint?.stoppedReason;
  const ctx: TrainContext = {
    stop: (reason) => {
      stoppedReason = reason;
    },
    getWeights: () => top.getWeights(),
    setWeights: (w) => top.setWeights(w),
    history,
  };
  // Early stopping starts from the head phase's model (epoch 0), so fine-tuning only replaces it when it is better.
  let initial = checkpoint?.early;
  if (!initial && hasVal) {
    const start: EpochRecord = { epoch: 0, loss: NaN, trainAccuracy: NaN };
    await evaluate(start);
    initial = { best: start.valLoss as number, bestEpoch: 0, bestWeights: top.getWeights() };
  }
  const stopper = hasVal ? earlyStopping({ patience: o.patience, initial }) : undefined;
  const callbacks = [...(stopper ? [stopper] : []), ...(options.callbacks ?? [])];
  for (const cb of callbacks) await cb.onTrainBegin?.(ctx);

  let interrupted = false;
  const n = train.labels.length;
  const inputSize = top.inputShape.reduce((a, b) => a * b, 1);
  for (let epoch = history.length + 1; epoch <= o.epochs && stoppedReason === undefined && !interrupted; epoch++) {
    const phase = phases.find((p) => epoch >= p.firstEpoch && epoch <= p.lastEpoch) as FineTunePhase;
    const set = data.augmentedTrain ? await data.augmentedTrain(epoch) : train;
    // Seeded per epoch, so a resumed run visits the batches in the order the interrupted one would have.
    const order = shuffleInPlace(Array.from({ length: n }, (_, i) => i), createRng(o.seed * 1000 + epoch));
    let lossSum = 0;
    for (let start = 0; start < n; start += o.batchSize) {
      // A macrotask turn between batches: tfjs steps resolve as microtasks, and Ctrl-C's handler (which aborts the
      // signal) and timers only run in such a turn.
      await new Promise((resolve) => setImmediate(resolve));
      if (options.signal?.aborted) {
        interrupted = true;
        break;
      }
      const rows = order.slice(start, start + o.batchSize);
      const x = new Float32Array(rows.length * inputSize);
      rows.forEach((r, j) => x.set(set.values.subarray(r * inputSize, (r + 1) * inputSize), j * inputSize));
      const y = Int32Array.from(rows, (r) => set.labels[r] ?? 0);
      const loss = await top.trainBatch(x, y, {
        learningRates: phase.learningRates,
        labelSmoothing: o.labelSmoothing,
        weightDecay: o.weightDecay,
        l2sp: o.l2sp,
      });
      lossSum += loss * rows.length;
    }
    if (interrupted) break;
    const record: EpochRecord = { epoch, loss: lossSum / n, trainAccuracy: probabilityAccuracy(await top.predict(train.values, n), train.labels, top.classes) };
    await evaluate(record);
    history.push(record);
    options.onProgress?.({ stage: 'epoch', epoch, epochs: o.epochs, loss: record.loss, valLoss: record.valLoss, valAccuracy: record.valAccuracy });
    for (const cb of callbacks) await cb.onEpochEnd?.(ctx, record);
    await save({ headHistory, history, ...(stopper ? { early: stopper.state } : {}), ...(stoppedReason ? { stoppedReason } : {}) });
  }
  for (const cb of callbacks) await cb.onTrainEnd?.(ctx);
  if (interrupted) stoppedReason = `interrupted during unfrozen epoch ${history.length + 1}; the best model so far is kept`;
  return {
    headHistory,
    history,
    phases,
    bestEpoch: stopper ? stopper.bestEpoch : history.length,
    ...(stoppedReason ? { stoppedReason } : {}),
    interrupted,
    resumedEpochs,
    durationMs: performance.now() - started,
  };
}
