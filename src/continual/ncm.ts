import type { FeatureSet } from '../data/index.js';
import { createPrototypeHead, normalizedRows } from '../heads/index.js';
import type { Head } from '../heads/index.js';
import { grown, mapToKnownClasses } from './class-index.js';
import type { ContinualLearner, ContinualOptions } from './learner.js';
import { writeStateFiles } from './state-file.js';

/** The state of a nearest-class-mean learner: per class, the sum and count of its unit-length features. */
export interface NcmState {
  classes: string[];
  sums: Float64Array;
  counts: Float64Array;
}

/**
 * Nearest class mean (iCaRL's classifier; SimpleCIL on a frozen backbone): the head is the prototype head over the
 * class means of unit-length features. Sums and counts add up, so any order of updates gives the batch means.
 */
export function createNcmLearner(dim: number, options: Required<ContinualOptions>, state?: NcmState): ContinualLearner {
  const classes = state ? [...state.classes] : [];
  let sums = state?.sums ?? new Float64Array(0);
  let counts = state?.counts ?? new Float64Array(0);
  const prototypes = () => {
    const out = new Float32Array(classes.length * dim);
    for (let c = 0; c < classes.length; c++) for (let k = 0; k < dim; k++) out[c * dim + k] = (sums[c * dim + k] ?? 0) / Math.max(1, counts[c] ?? 0);
    return out;
  };
  return {
    strategy: 'ncm',
    dim,
    options,
    classes,
    async learn(set: FeatureSet): Promise<Head> {
      const labels = mapToKnownClasses(classes, set);
      sums = grown(sums, classes.length * dim);
      counts = grown(counts, classes.length);
      const unit = normalizedRows(set.values, dim);
      labels.forEach((c, r) => {
        counts[c] = (counts[c] ?? 0) + 1;
        for (let k = 0; k < dim; k++) sums[c * dim + k] = (sums[c * dim + k] ?? 0) + (unit[r * dim + k] ?? 0);
      });
      return createPrototypeHead(prototypes(), dim, classes.length, options.temperature);
    },
    memory: () => ({
      bytes: sums.byteLength + counts.byteLength,
      keeps: `per-class sums and counts of unit-length features (${classes.length} x ${dim} float64)`,
      storesExamples: false,
    }),
    save: (dir, meta = {}) =>
      writeStateFiles(dir, { strategy: 'ncm', dim, classes, options, meta }, [
        { name: 'sums', data: sums },
        { name: 'counts', data: counts },
      ]),
  };
}
