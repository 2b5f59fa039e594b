import { invalidOption } from '../core/index.js';
import { wilsonInterval } from './wilson.js';

const intervalBounds = ({ low, high }: { low: number; high: number }) => ({ low, high });

/** Precision, recall and F1 of one class, treated one-vs-rest. */
export interface ClassMetrics {
  /** The class name, from `classes[id]`. */
  label: string;
  /** TP / (TP + FP); 0 when the class was never predicted. */
  precision: number;
  /** TP / (TP + FN); 0 when the class has no true samples (support 0). */
  recall: number;
  /** Harmonic mean of precision and recall; 0 when both are 0. */
  f1: number;
  /** Number of samples whose true class is this one. */
  support: number;
}

/** Single-label classification metrics, as plain serialisable data. */
export interface ClassificationMetrics {
  /** Number of samples. */
  n: number;
  /** Fraction of samples predicted correctly, in 0..1. */
  accuracy: number;
  /** 95% Wilson interval of the accuracy over these `n` samples: how far the figure can be trusted. */
  accuracyInterval: { low: number; high: number };
  /** Unweighted mean of per-class F1 over the classes with support > 0. */
  macroF1: number;
  /** One entry per class, in class-id order. */
  perClass: ClassMetrics[];
  /** `confusion[t][p]` counts samples of true class `t` predicted as `p`: rows are true classes, columns predicted. */
  confusion: number[][];
}

function checkNumClasses(numClasses: number): void {
  if (!Number.isInteger(numClasses) || numClasses < 1) {
    throw invalidOption(`Expected numClasses to be a positive integer. Received: ${String(numClasses)}.`);
  }
}

function checkClassIds(name: string, ids: ArrayLike<number>, numClasses: number): void {
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i] as number;
    if (!Number.isInteger(id) || id < 0 || id >= numClasses) {
      throw invalidOption(
        `${name}[${i}] is ${String(id)}, which is not a class id: expected an integer in 0..${numClasses - 1} ` +
          `(${numClasses} classes). Map labels to their index in the class list before evaluating.`,
      );
    }
  }
}

function safeDiv(num: number, den: number): number {
  return den === 0 ? 0 : num / den;
}

/**
 * Accuracy, per-class precision/recall/F1, macro-F1 and the confusion matrix of single-label predictions.
 *
 * Undefined ratios are reported as 0, never NaN: precision is 0 for a class that was never predicted, recall is 0
 * for a class with no true samples, and F1 is 0 when precision + recall is 0. Macro-F1 averages F1 over the classes
 * with support > 0 only, so a class absent from the evaluation set does not drag the mean down.
 *
 * @param yTrue True class id of each sample (index into `classes`).
 * @param yPred Predicted class id of each sample, same length as `yTrue`.
 * @param classes Class names; a class id is its index in this list.
 * @throws HeadstartError `HS_INVALID_OPTION` when the lengths differ, there are no samples or classes, or an id is
 *   not an integer in `0..classes.length - 1`.
 *
 * @example
 * const m = computeMetrics([0, 1, 1], [0, 1, 0], ['cat', 'dog']);
 * m.accuracy;        // 2 / 3
 * m.confusion;       // [[1, 0], [1, 1]]
 */
export function computeMetrics(yTrue: ArrayLike<number>, yPred: ArrayLike<number>, classes: string[]): ClassificationMetrics {
  if (!Array.isArray(classes) || classes.length === 0) {
    throw invalidOption('Expected classes to be a non-empty array of class names. Received an empty list.');
  }
  if (yTrue.length !== yPred.length) {
    throw invalidOption(
      `yTrue and yPred must have the same length, one entry per sample. Received yTrue.length = ${yTrue.length}, ` +
        `yPred.length = ${yPred.length}.`,
    );
  }
  if (yTrue.length === 0) {
    throw invalidOption('Cannot compute metrics on 0 samples: yTrue and yPred are empty.');
  }
  const k = classes.length;
  checkClassIds('yTrue', yTrue, k);
  checkClassIds('yPred', yPred, k);

  const confusion: number[][] = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  let correct = 0;
  for (let i = 0; i < yTrue.length; i++) {
    const t = yTrue[i] as number;
    const p = yPred[i] as number;
    (confusion[t] as number[])[p] = ((confusion[t] as number[])[p] as number) + 1;
    if (t === p) correct++;
  }

  const perClass: ClassMetrics[] = [];
  let f1Sum = 0;
  let supported = 0;
  for (let c = 0; c < k; c++) {
    const row = confusion[c] as number[];
    const tp = row[c] as number;
    const support = row.reduce((a, b) => a + b, 0);
    let predicted = 0;
    for (let t = 0; t < k; t++) predicted += (confusion[t] as number[])[c] as number;
    const precision = safeDiv(tp, predicted);
    const recall = safeDiv(tp, support);
    const f1 = safeDiv(2 * precision * recall, precision + recall);
    perClass.push({ label: classes[c] as string, precision, recall, f1, support });
    if (support > 0) {
      f1Sum += f1;
      supported++;
    }
  }

  return {
    n: yTrue.length,
    accuracy: correct / yTrue.length,
    accuracyInterval: intervalBounds(wilsonInterval(correct, yTrue.length)),
    macroF1: safeDiv(f1Sum, supported),
    perClass,
    confusion,
  };
}

function checkProbabilities(probabilities: ArrayLike<number>, numClasses: number): number {
  checkNumClasses(numClasses);
  if (probabilities.length % numClasses !== 0) {
    throw invalidOption(
      `probabilities has ${probabilities.length} values, which is not a multiple of numClasses = ${numClasses}. ` +
        'Expected a row-major [samples, numClasses] matrix.',
    );
  }
  return probabilities.length / numClasses;
}

function rowValue(probabilities: ArrayLike<number>, index: number, numClasses: number): number {
  const v = probabilities[index] as number;
  if (Number.isNaN(v)) {
    const row = Math.floor(index / numClasses);
    throw invalidOption(`probabilities row ${row}, class ${index % numClasses} is NaN. Check the model output for divergence.`);
  }
  return v;
}

/**
 * Index of the largest value in each row of a row-major `[samples, numClasses]` matrix. Ties go to the lowest
 * class id.
 *
 * @throws HeadstartError `HS_INVALID_OPTION` when `numClasses` is not a positive integer, the length is not a
 *   multiple of it, or a value is NaN.
 */
export function argmaxRows(probabilities: ArrayLike<number>, numClasses: number): Int32Array {
  const rows = checkProbabilities(probabilities, numClasses);
  const out = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    const base = r * numClasses;
    let best = 0;
    let bestValue = rowValue(probabilities, base, numClasses);
    for (let c = 1; c < numClasses; c++) {
      const v = rowValue(probabilities, base + c, numClasses);
      if (v > bestValue) {
        bestValue = v;
        best = c;
      }
    }
    out[r] = best;
  }
  return out;
}

/**
 * Fraction of samples whose true class is among the `k` highest-scoring classes.
 *
 * Ties are broken like {@link argmaxRows}, towards the lower class id, so `topKAccuracy(p, c, y, 1)` equals the
 * accuracy of `argmaxRows(p, c)`.
 *
 * @param probabilities Row-major `[samples, numClasses]` scores (probabilities or logits).
 * @param numClasses Number of columns.
 * @param yTrue True class id of each sample.
 * @param k How many top classes count as a hit, in `1..numClasses`.
 * @throws HeadstartError `HS_INVALID_OPTION` on a shape mismatch, an invalid class id, an invalid `k`, no samples
 *   or a NaN score.
 */
export function topKAccuracy(probabilities: ArrayLike<number>, numClasses: number, yTrue: ArrayLike<number>, k: number): number {
  const rows = checkProbabilities(probabilities, numClasses);
  if (!Number.isInteger(k) || k < 1 || k > numClasses) {
    throw invalidOption(`Expected k to be an integer in 1..${numClasses} (numClasses). Received: ${String(k)}.`);
  }
  if (rows !== yTrue.length) {
    throw invalidOption(
      `probabilities has ${rows} rows (${probabilities.length} values / ${numClasses} classes) but yTrue has ` +
        `${yTrue.length} entries. Expected one row per sample.`,
    );
  }
  if (rows === 0) throw invalidOption('Cannot compute top-k accuracy on 0 samples: yTrue is empty.');
  checkClassIds('yTrue', yTrue, numClasses);

  let hits = 0;
  for (let r = 0; r < rows; r++) {
    const base = r * numClasses;
    const t = yTrue[r] as number;
    const target = rowValue(probabilities, base + t, numClasses);
    // Rank of the true class: classes scoring higher, plus equal scores with a lower id (argmax tie rule).
    let rank = 0;
    for (let c = 0; c < numClasses && rank < k; c++) {
      const v = rowValue(probabilities, base + c, numClasses);
      if (v > target || (v === target && c < t)) rank++;
    }
    if (rank < k) hits++;
  }
  return hits / rows;
}
