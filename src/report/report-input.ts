import { invalidOption, rejectUnknownKeys } from '../core/index.js';
import type { ClassificationMetrics } from '../evaluate/index.js';

/** One epoch of training history. */
export interface HistoryRecord {
  epoch: number;
  loss: number;
  valLoss?: number;
  trainAccuracy?: number;
  valAccuracy?: number;
}

/** Everything a report shows. `metrics.json` holds exactly this object. */
export interface ReportInput {
  /** Heading and document title. */
  title: string;
  metrics: ClassificationMetrics;
  /** Class names; `classes[i]` labels row and column `i` of the confusion matrix. */
  classes: string[];
  /** Training history, one record per epoch, if the model was trained in this run or the model dir has it. */
  history?: HistoryRecord[];
  /** Training phases as epoch ranges of `history` (fine-tuning: head first, then unfrozen blocks). */
  phases?: { name: string; firstEpoch: number; lastEpoch: number }[];
  /** Key facts shown in a table: backbone id, cut layer, head kind, dataset path, timings... */
  facts?: Record<string, string | number>;
  /** Files passed over while loading the data, and why. */
  skipped?: { file: string; reason: string }[];
  /** Fallbacks and other things the reader should know about, shown prominently. */
  warnings?: string[];
}

export const REPORT_INPUT_KEYS = ['title', 'metrics', 'classes', 'history', 'phases', 'facts', 'skipped', 'warnings'] as const;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return 'an array';
  if (value === null) return 'null';
  return typeof value === 'string' ? `'${value}'` : typeof value;
}

/** Checks that `metrics` is a `ClassificationMetrics` whose matrix and per-class list match `classes`. */
export function checkMetrics(metrics: unknown, classes: unknown): asserts metrics is ClassificationMetrics {
  if (!Array.isArray(classes) || classes.length === 0 || !classes.every((c) => typeof c === 'string')) {
    throw invalidOption(`Expected classes to be a non-empty array of class names. Received: ${describe(classes)}.`);
  }
  if (!isObject(metrics)) {
    throw invalidOption(`Expected metrics to be the result of computeMetrics(). Received: ${describe(metrics)}.`);
  }
  for (const key of ['n', 'accuracy', 'macroF1'] as const) {
    if (typeof metrics[key] !== 'number') {
      throw invalidOption(`Expected metrics.${key} to be a number. Received: ${describe(metrics[key])}.`);
    }
  }
  const k = classes.length;
  const confusion = metrics.confusion;
  if (
    !Array.isArray(confusion) ||
    confusion.length !== k ||
    !confusion.every((row) => Array.isArray(row) && row.length === k && row.every((v) => Number.isInteger(v) && v >= 0))
  ) {
    throw invalidOption(
      `Expected metrics.confusion to be a ${k}x${k} matrix of non-negative counts, one row and column per class ` +
        `(${k} classes). Pass the same class list that computeMetrics() received.`,
    );
  }
  const perClass = metrics.perClass;
  if (!Array.isArray(perClass) || perClass.length !== k || !perClass.every(isObject)) {
    throw invalidOption(
      `Expected metrics.perClass to have one entry per class (${k}). ` +
        `Received ${Array.isArray(perClass) ? `${perClass.length} entries` : describe(perClass)}.`,
    );
  }
}

/** Validates a report input at the public boundary, before anything is rendered or written. */
export function checkReportInput(input: unknown): asserts input is ReportInput {
  if (!isObject(input)) throw invalidOption(`Expected the report input to be an object. Received: ${describe(input)}.`);
  rejectUnknownKeys('report input', input, REPORT_INPUT_KEYS);
  if (typeof input.title !== 'string') {
    throw invalidOption(`Expected title to be a string. Received: ${describe(input.title)}.`);
  }
  checkMetrics(input.metrics, input.classes);

  if (input.history !== undefined) {
    if (!Array.isArray(input.history)) {
      throw invalidOption(`Expected history to be an array of epoch records. Received: ${describe(input.history)}.`);
    }
    input.history.forEach((rec: unknown, i) => {
      if (!isObject(rec) || typeof rec.epoch !== 'number' || !Number.isFinite(rec.epoch) || typeof rec.loss !== 'number') {
        throw invalidOption(`Expected history[${i}] to have a finite numeric epoch and a numeric loss. Received: ${JSON.stringify(rec)}.`);
      }
      for (const key of ['valLoss', 'trainAccuracy', 'valAccuracy'] as const) {
        if (rec[key] !== undefined && typeof rec[key] !== 'number') {
          throw invalidOption(`Expected history[${i}].${key} to be a number or absent. Received: ${describe(rec[key])}.`);
        }
      }
    });
  }
  if (input.phases !== undefined) {
    const ok = Array.isArray(input.phases) && input.phases.every((p) => isObject(p) && typeof p.name === 'string' && typeof p.firstEpoch === 'number' && typeof p.lastEpoch === 'number');
    if (!ok) throw invalidOption(`Expected phases to be an array of { name, firstEpoch, lastEpoch }. Received: ${JSON.stringify(input.phases)}.`);
  }
  if (input.facts !== undefined) {
    if (!isObject(input.facts)) throw invalidOption(`Expected facts to be an object. Received: ${describe(input.facts)}.`);
    for (const [key, value] of Object.entries(input.facts)) {
      if (typeof value !== 'string' && typeof value !== 'number') {
        throw invalidOption(`Expected facts['${key}'] to be a string or a number. Received: ${describe(value)}.`);
      }
    }
  }
  if (input.skipped !== undefined) {
    if (!Array.isArray(input.skipped)) {
      throw invalidOption(`Expected skipped to be an array of { file, reason }. Received: ${describe(input.skipped)}.`);
    }
    input.skipped.forEach((s: unknown, i) => {
      if (!isObject(s) || typeof s.file !== 'string' || typeof s.reason !== 'string') {
        throw invalidOption(`Expected skipped[${i}] to be { file: string, reason: string }. Received: ${JSON.stringify(s)}.`);
      }
    });
  }
  if (input.warnings !== undefined) {
    if (!Array.isArray(input.warnings) || !input.warnings.every((w) => typeof w === 'string')) {
      throw invalidOption(`Expected warnings to be an array of strings. Received: ${JSON.stringify(input.warnings)}.`);
    }
  }
}
