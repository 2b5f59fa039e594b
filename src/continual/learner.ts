import type { ProgressCallback } from '../core/index.js';
import type { FeatureSet } from '../data/index.js';
import type { Engine } from '../engines/index.js';
import type { Head } from '../heads/index.js';

/**
 * How a model learns new examples and classes on frozen features. 'ncm': class means (iCaRL's nearest-mean
 * classifier, SimpleCIL). 'slda': streaming linear discriminant analysis (Hayes & Kanan 2020). 'replay': a herded
 * buffer of K features per class plus the new data, a softmax head retrained on both (iCaRL's memory, GDumb's
 * retraining). 'naive': the previous head trained further on the new data only (the forgetting baseline). 'joint':
 * every feature kept, the head retrained on all of them (the upper bound, unbounded memory).
 */
export type ContinualStrategy = 'ncm' | 'slda' | 'replay' | 'naive' | 'joint';
export const CONTINUAL_STRATEGIES: readonly ContinualStrategy[] = ['ncm', 'slda', 'replay', 'naive', 'joint'];

export interface ContinualOptions {
  /** ncm: softmax temperature over cosine similarities (as the prototype head). @default 0.05 */
  temperature?: number;
  /**
   * slda: weight of the shrinkage target in the shared covariance, (1 - s) Σ + s (tr Σ / d) I. Hayes & Kanan shrink
   * towards I with s = 1e-4 on ImageNet-scale streams; small class-incremental sets need far more, and how much
   * depends on examples per dimension, so 'auto' computes it from the statistics by OAS (Chen et al. 2010).
   * @default 'auto'
   */
  shrinkage?: number | 'auto';
  /** replay: features kept per class, chosen by herding. @default 20 */
  memory?: number;
  /** replay, naive, joint: epochs of head training per update. @default 60 */
  epochs?: number;
  /** replay, naive, joint: Adam step size. @default 0.003 */
  learningRate?: number;
  /** replay, naive, joint: L2 penalty of the head. @default 0.01 */
  weightDecay?: number;
  /** replay, naive, joint: seeds head training. @default 42 */
  seed?: number;
}

export const CONTINUAL_DEFAULTS: Required<ContinualOptions> = {
  temperature: 0.05,
  shrinkage: 'auto',
  memory: 20,
  epochs: 60,
  learningRate: 0.003,
  weightDecay: 0.01,
  seed: 42,
};

/** What an update may use beyond the new features. */
export interface LearnContext {
  /** The engine dense heads are built on. @default createEngine() */
  engine?: Engine;
  /** naive: the head to keep training (a model loaded from disk); defaults to the head of this learner's last update. */
  previousHead?: Head;
  signal?: AbortSignal;
  onProgress?: ProgressCallback;
}

/** What a learner keeps between updates: its size, and in words what it is (for the model card). */
export interface LearnerMemory {
  bytes: number;
  /** e.g. "per-class sums and counts of unit-length features (5 x 1024 float64)". */
  keeps: string;
  /** True when the state holds feature vectors of individual examples (replay's buffer, joint), false for statistics only. */
  storesExamples: boolean;
}

/** A model's continual-learning state on one feature space: it grows by `learn` and produces the current head. */
export interface ContinualLearner {
  readonly strategy: ContinualStrategy;
  readonly dim: number;
  readonly options: Required<ContinualOptions>;
  /** Every class seen so far, in head order (new classes are appended). */
  readonly classes: readonly string[];
  /** Adds the rows of `set` (known classes, new ones, or both) and returns a head over all classes seen so far. */
  learn(set: FeatureSet, context?: LearnContext): Promise<Head>;
  memory(): LearnerMemory;
  /** Writes state.json and state.bin into `dir` (which exists); `meta` is stored beside the state and read back by loadLearner. */
  save(dir: string, meta?: Record<string, unknown>): Promise<void>;
}
