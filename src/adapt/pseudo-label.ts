import { HeadstartError, invalidOption, rejectUnknownKeys, throwIfAborted } from '../core/index.js';
import type { FeatureSet } from '../data/index.js';
import { trainHead } from '../heads/index.js';
import type { Head, TrainHeadOptions } from '../heads/index.js';

export interface PseudoLabelOptions {
  /** A target row joins the training set when its top class probability is at least this. @default 0.9 */
  threshold?: number;
  /** Retraining rounds. Round r admits up to r / rounds of an equal share per class of the target rows. @default 3 */
  rounds?: number;
  /** How every head is trained (kind, epochs, val for early stopping, engine, seed ...). */
  head?: TrainHeadOptions;
  signal?: AbortSignal;
}

export const PSEUDO_LABEL_DEFAULTS = { threshold: 0.9, rounds: 3 };

export interface PseudoLabelRound {
  round: number;
  /** Target rows trained on in this round, per class (by pseudo-label). */
  added: Record<string, number>;
  /** Target rows above the threshold, before the per-class cap. */
  confident: number;
}

export interface PseudoLabelResult {
  /** The head of the last round. */
  head: Head;
  /** The head trained on the source alone (round 0), which the caller also owns. */
  sourceOnly: Head;
  rounds: PseudoLabelRound[];
  /** The pseudo-label of each target row used in the last round, -1 for rows left out. */
  pseudoLabels: Int32Array;
}

const KNOWN_OPTIONS = [...Object.keys(PSEUDO_LABEL_DEFAULTS), 'head', 'signal'];

/**
 * Picks, per predicted class, the most confident target rows at or above `threshold`, at most `cap` of each class, so
 * an easy class cannot crowd out the others.
 */
function pickConfident(probs: Float32Array, classes: number, threshold: number, cap: number): { labels: Int32Array; confident: number } {
  const n = probs.length / classes;
  const byClass: { row: number; p: number }[][] = Array.from({ length: classes }, () => []);
  for (let r = 0; r < n; r++) {
    let best = 0;
    for (let c = 1; c < classes; c++) if (probs[r * classes + c]! > probs[r * classes + best]!) best = c;
    const p = probs[r * classes + best]!;
    if (p >= threshold) byClass[best]!.push({ row: r, p });
  }
  const labels = new Int32Array(n).fill(-1);
  byClass.forEach((rows, c) => {
    rows.sort((a, b) => b.p - a.p || a.row - b.row);
    for (const { row } of rows.slice(0, cap)) labels[row] = c;
  });
  return { labels, confident: byClass.reduce((a, rows) => a + rows.length, 0) };
}

function withPseudoLabels(source: FeatureSet, target: FeatureSet, labels: Int32Array): FeatureSet {
  const rows: number[] = [];
  labels.forEach((l, r) => {
    if (l >= 0) rows.push(r);
  });
  const { dim } = source;
  const values = new Float32Array(source.values.length + rows.length * dim);
  values.set(source.values);
  rows.forEach((r, j) => values.set(target.values.subarray(r * dim, (r + 1) * dim), source.values.length + j * dim));
  return {
    values,
    dim,
    files: [...source.files, ...rows.map((r) => target.files[r] ?? '')],
    labels: Int32Array.from([...source.labels, ...rows.map((r) => labels[r]!)]),
    classes: source.classes,
  };
}

/**
 * Self-training with pseudo-labels (Lee, "Pseudo-Label", ICML 2013 workshop), which with hard labels amounts to
 * entropy minimisation on the unlabelled target (Grandvalet and Bengio, NeurIPS 2004): train a head on the source,
 * label the target rows it is confident about, retrain on both, and repeat for a few rounds, admitting more rows each
 * round with an equal cap per class. Target labels are never read.
 *
 * @throws HeadstartError `HS_INVALID_OPTION` for a bad threshold or rounds, or mismatched widths; and trainHead's.
 */
export async function pseudoLabel(source: FeatureSet, target: FeatureSet, options: PseudoLabelOptions = {}): Promise<PseudoLabelResult> {
  rejectUnknownKeys('pseudoLabel', options, KNOWN_OPTIONS);
  const o = { ...PSEUDO_LABEL_DEFAULTS, ...options };
  if (!(o.threshold > 0 && o.threshold <= 1)) throw invalidOption(`Expected threshold to be a probability in (0, 1]. Received: ${String(o.threshold)}.`);
  if (!Number.isInteger(o.rounds) || o.rounds < 1) throw invalidOption(`Expected rounds to be a positive integer. Received: ${String(o.rounds)}.`);
  if (source.dim !== target.dim) throw invalidOption(`Source features have ${source.dim} dimensions, target features ${target.dim}: extract both with the same backbone and cut.`);
  const nt = target.values.length / target.dim;
  if (nt === 0) throw new HeadstartError('HS_DATASET_INVALID', 'The target has no rows; pseudo-labelling needs target features.');
  const classes = source.classes.length;
  const sourceOnly = (await trainHead(source, o.head)).head;
  let head = sourceOnly;
  let labels: Int32Array = new Int32Array(nt).fill(-1);
  const rounds: PseudoLabelRound[] = [];
  try {
    for (let round = 1; round <= o.rounds; round++) {
      throwIfAborted(o.signal);
      const cap = Math.ceil(((round / o.rounds) * nt) / classes);
      const picked = pickConfident(await head.predict(target.values, nt), classes, o.threshold, cap);
      labels = picked.labels;
      const added = Object.fromEntries(source.classes.map((name, c) => [name, labels.filter((l) => l === c).length]));
      rounds.push({ round, added, confident: picked.confident });
      const next = (await trainHead(withPseudoLabels(source, target, labels), o.head)).head;
      if (head !== sourceOnly) head.dispose();
      head = next;
    }
    return { head, sourceOnly, rounds, pseudoLabels: labels };
  } catch (err) {
    if (head !== sourceOnly) head.dispose();
    sourceOnly.dispose();
    throw err;
  }
}
