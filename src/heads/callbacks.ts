/** One epoch's numbers. Validation fields are present when a validation set was given. */
export interface EpochRecord {
  epoch: number;
  loss: number;
  trainAccuracy: number;
  valLoss?: number;
  valAccuracy?: number;
}

/** What a callback can see and do during training. */
export interface TrainContext {
  /** Ends training after the current epoch. */
  stop(reason: string): void;
  getWeights(): Float32Array[];
  setWeights(weights: Float32Array[]): void;
  history: readonly EpochRecord[];
}

/** Training hooks, Keras-style; all optional, all may be async. */
export interface Callback {
  onTrainBegin?(ctx: TrainContext): void | Promise<void>;
  onEpochEnd?(ctx: TrainContext, record: EpochRecord): void | Promise<void>;
  onTrainEnd?(ctx: TrainContext): void | Promise<void>;
}

export interface EarlyStoppingOptions {
  /** @default 'valLoss' */
  monitor?: 'valLoss' | 'loss';
  /** Epochs without improvement before stopping. @default 10 */
  patience?: number;
  /** Put back the weights of the best epoch when training ends. @default true */
  restoreBestWeights?: boolean;
  /** Start from a best value seen before (a resumed run, or the model before a new training phase). */
  initial?: EarlyStoppingState;
}

/** What early stopping remembers: enough to continue it in another run. */
export interface EarlyStoppingState {
  best: number;
  bestEpoch: number;
  bestWeights?: Float32Array[];
}

/** Stops when the monitored loss has not improved for `patience` epochs, and restores the best weights. */
export function earlyStopping(options: EarlyStoppingOptions = {}): Callback & { readonly bestEpoch: number; readonly state: EarlyStoppingState } {
  const { monitor = 'valLoss', patience = 10, restoreBestWeights = true } = options;
  let best = options.initial?.best ?? Infinity;
  let bestEpoch = options.initial?.bestEpoch ?? -1;
  let bestWeights: Float32Array[] | undefined = options.initial?.bestWeights;
  return {
    get bestEpoch() {
      return bestEpoch;
    },
    get state() {
      return { best, bestEpoch, ...(bestWeights ? { bestWeights } : {}) };
    },
    onEpochEnd(ctx, record) {
      const value = record[monitor];
      if (value === undefined) return;
      if (value < best) {
        best = value;
        bestEpoch = record.epoch;
        if (restoreBestWeights) bestWeights = ctx.getWeights();
      } else if (record.epoch - bestEpoch >= patience) {
        ctx.stop(`${monitor} has not improved for ${patience} epochs (best ${best.toFixed(4)} at epoch ${bestEpoch})`);
      }
    },
    onTrainEnd(ctx) {
      if (bestWeights) ctx.setWeights(bestWeights);
    },
  };
}
