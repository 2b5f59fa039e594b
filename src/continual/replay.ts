import type { FeatureSet } from '../data/index.js';
import { trainHead } from '../heads/index.js';
import type { Head } from '../heads/index.js';
import { mapToKnownClasses } from './class-index.js';
import { herdingSelection } from './herding.js';
import type { ContinualLearner, ContinualOptions, ContinualStrategy, LearnContext } from './learner.js';
import { writeStateFiles } from './state-file.js';

/** Stored feature rows with their class indices. */
export interface FeatureBuffer {
  values: Float32Array;
  labels: Int32Array;
}

/** The state of the head-retraining strategies: their classes, and the buffer (empty for naive). */
export interface RetrainState {
  classes: string[];
  buffer: FeatureBuffer;
}

function concatRows(a: FeatureBuffer, b: FeatureBuffer): FeatureBuffer {
  const values = new Float32Array(a.values.length + b.values.length);
  values.set(a.values);
  values.set(b.values, a.values.length);
  const labels = new Int32Array(a.labels.length + b.labels.length);
  labels.set(a.labels);
  labels.set(b.labels, a.labels.length);
  return { values, labels };
}

/** Per class, the herded `perClass` rows of `rows` (all of a class that has fewer). */
function herdPerClass(rows: FeatureBuffer, dim: number, perClass: number): FeatureBuffer {
  const parts: FeatureBuffer[] = [];
  for (const c of [...new Set(rows.labels)].sort((a, b) => a - b)) {
    const indices: number[] = [];
    rows.labels.forEach((l, i) => {
      if (l === c) indices.push(i);
    });
    const classValues = new Float32Array(indices.length * dim);
    indices.forEach((r, j) => classValues.set(rows.values.subarray(r * dim, (r + 1) * dim), j * dim));
    const picked = herdingSelection(classValues, dim, perClass);
    const values = new Float32Array(picked.length * dim);
    picked.forEach((r, j) => values.set(classValues.subarray(r * dim, (r + 1) * dim), j * dim));
    parts.push({ values, labels: new Int32Array(picked.length).fill(c) });
  }
  return parts.reduce(concatRows, { values: new Float32Array(0), labels: new Int32Array(0) });
}

/** A linear head of `classes` outputs that starts as `weights` does, new classes with zero weights. */
function widened(weights: Float32Array[], dim: number, classes: number): Float32Array[] {
  const [kernel, bias] = weights;
  if (!kernel || !bias) return weights;
  const old = bias.length;
  const k2 = new Float32Array(dim * classes);
  for (let k = 0; k < dim; k++) for (let c = 0; c < old; c++) k2[k * classes + c] = kernel[k * old + c] ?? 0;
  const b2 = new Float32Array(classes);
  b2.set(bias);
  return [k2, b2];
}

/**
 * The strategies that retrain a softmax head: 'replay' on the new rows plus a herded buffer of `memory` rows per
 * class (iCaRL's exemplar memory; retrained from scratch as GDumb does), 'joint' on every row seen (the buffer keeps
 * them all), 'naive' on the new rows only, starting from the previous head (fine-tuning, which forgets).
 */
export function createRetrainLearner(strategy: Extract<ContinualStrategy, 'replay' | 'joint' | 'naive'>, dim: number, options: Required<ContinualOptions>, state?: RetrainState): ContinualLearner {
  const classes = state ? [...state.classes] : [];
  let buffer: FeatureBuffer = state?.buffer ?? { values: new Float32Array(0), labels: new Int32Array(0) };
  let lastWeights: Float32Array[] | undefined;
  return {
    strategy,
    dim,
    options,
    classes,
    async learn(set: FeatureSet, context: LearnContext = {}): Promise<Head> {
      const fresh: FeatureBuffer = { values: set.values, labels: mapToKnownClasses(classes, set) };
      const rows = strategy === 'naive' ? fresh : concatRows(buffer, fresh);
      const previous = strategy === 'naive' ? (context.previousHead?.getWeights?.() ?? lastWeights) : undefined;
      const { head } = await trainHead(
        { values: rows.values, labels: rows.labels, dim, classes: [...classes], files: [] },
        {
          kind: 'linear',
          epochs: options.epochs,
          learningRate: options.learningRate,
          weightDecay: options.weightDecay,
          seed: options.seed,
          ...(previous ? { initialWeights: widened(previous, dim, classes.length) } : {}),
          ...(context.engine ? { engine: context.engine } : {}),
          ...(context.signal ? { signal: context.signal } : {}),
        },
      );
      if (strategy === 'naive') lastWeights = head.getWeights?.();
      if (strategy === 'joint') buffer = rows;
      if (strategy === 'replay') buffer = herdPerClass(rows, dim, options.memory);
      return head;
    },
    memory: () => ({
      bytes: buffer.values.byteLength + buffer.labels.byteLength,
      keeps:
        strategy === 'naive'
          ? 'nothing beyond the head'
          : strategy === 'joint'
            ? `the feature vector of every example seen (${buffer.labels.length} x ${dim} float32)`
            : `a herded buffer of at most ${options.memory} feature vectors per class (${buffer.labels.length} x ${dim} float32)`,
      storesExamples: strategy !== 'naive',
    }),
    save: (dir, meta = {}) =>
      writeStateFiles(dir, { strategy, dim, classes, options, meta }, [
        { name: 'bufferValues', data: buffer.values },
        { name: 'bufferLabels', data: buffer.labels },
      ]),
  };
}
