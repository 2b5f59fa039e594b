import { invalidOption } from '../core/index.js';

/**
 * Label-free checks that an adaptation did no harm (no target label is read): source-validation accuracy against the
 * source-only model, the distance between the domains in the features the classifier reads, and whether the
 * predictions on the target collapsed onto few classes.
 */
export interface AdaptGuardOptions {
  /** Largest fall in source-validation accuracy (absolute, adapted vs source-only) that passes. @default 0.05 */
  sourceAccuracyTolerance?: number;
  /**
   * Largest relative rise of MMD² between source and target that passes, from the backbone's features to the
   * features the adapted classifier reads: 0.25 flags a method whose domains end up more than 25% further apart.
   * @default 0.25
   */
  mmdTolerance?: number;
  /**
   * Collapse: the adapted model's class balance on the target (see {@link AdaptGuard.classBalance}) below this share
   * of the source-only model's. @default 0.75
   */
  balanceTolerance?: number;
}

export const ADAPT_GUARD_DEFAULTS: Required<AdaptGuardOptions> = { sourceAccuracyTolerance: 0.05, mmdTolerance: 0.25, balanceTolerance: 0.75 };

export type AdaptGuardFlag = 'source-accuracy' | 'domains-further-apart' | 'collapse';

export interface AdaptGuard {
  /** Accuracy on the held-out labelled source rows. */
  sourceValAccuracy: { sourceOnly: number; adapted: number };
  /**
   * Unbiased MMD² between source and target rows: `before` in the backbone's features, `after` in the features the
   * adapted classifier reads (null when the method moves no features: pseudo-label).
   */
  mmd2: { before: number; after: number | null };
  /** Mean entropy of the target predictions over log(classes): 0 every row certain, 1 every row uniform. */
  targetEntropy: { sourceOnly: number; adapted: number };
  /**
   * exp(entropy of the shares of predicted classes on the target) / classes: 1 when every class is predicted equally
   * often, 1 / classes when one class is predicted for every row.
   */
  classBalance: { sourceOnly: number; adapted: number };
  /** What failed; empty when the method passed. */
  flags: AdaptGuardFlag[];
  /** One sentence per flag, for warnings. */
  reasons: string[];
}

export function resolveAdaptGuardOptions(options: AdaptGuardOptions = {}): Required<AdaptGuardOptions> {
  const o = { ...ADAPT_GUARD_DEFAULTS, ...options };
  for (const [name, value] of Object.entries(o)) {
    if (!(typeof value === 'number' && value >= 0 && Number.isFinite(value))) throw invalidOption(`Expected guard.${name} to be a non-negative number. Received: ${String(value)}.`);
  }
  return o;
}

/** Mean per-row entropy of softmax rows, over log(classes). */
export function meanPredictionEntropy(probabilities: Float32Array, classes: number): number {
  const rows = probabilities.length / classes;
  if (rows === 0 || classes < 2) return 0;
  let sum = 0;
  for (let i = 0; i < probabilities.length; i++) {
    const p = probabilities[i]!;
    if (p > 0) sum -= p * Math.log(p);
  }
  return sum / rows / Math.log(classes);
}

/** exp(entropy of the predicted-class shares) / classes, from hard predictions. */
export function predictedClassBalance(predicted: ArrayLike<number>, classes: number): number {
  if (predicted.length === 0) return 1;
  const counts = new Float64Array(classes);
  for (let i = 0; i < predicted.length; i++) counts[predicted[i]!]! += 1;
  let entropy = 0;
  for (const c of counts) if (c > 0) entropy -= (c / predicted.length) * Math.log(c / predicted.length);
  return Math.exp(entropy) / classes;
}

export interface AdaptGuardInput {
  method: string;
  classes: number;
  sourceValAccuracy: { sourceOnly: number; adapted: number };
  mmd2: { before: number; after: number | null };
  /** Softmax rows of every target row, by each model. */
  targetProbabilities: { sourceOnly: Float32Array; adapted: Float32Array };
  targetPredicted: { sourceOnly: ArrayLike<number>; adapted: ArrayLike<number> };
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

/** Applies the guard's three checks to one adapted model. */
export function guardAdaptation(input: AdaptGuardInput, options: Required<AdaptGuardOptions>): AdaptGuard {
  const { method, classes, sourceValAccuracy: acc, mmd2 } = input;
  const targetEntropy = {
    sourceOnly: meanPredictionEntropy(input.targetProbabilities.sourceOnly, classes),
    adapted: meanPredictionEntropy(input.targetProbabilities.adapted, classes),
  };
  const classBalance = {
    sourceOnly: predictedClassBalance(input.targetPredicted.sourceOnly, classes),
    adapted: predictedClassBalance(input.targetPredicted.adapted, classes),
  };
  const flags: AdaptGuardFlag[] = [];
  const reasons: string[] = [];
  if (acc.adapted < acc.sourceOnly - options.sourceAccuracyTolerance) {
    flags.push('source-accuracy');
    reasons.push(
      `${method} lost source accuracy: ${pct(acc.adapted)} on held-out source rows against ${pct(acc.sourceOnly)} source-only, more than the ${pct(options.sourceAccuracyTolerance)} allowed.`,
    );
  }
  // Not finite (a diverged adapter) counts as further apart.
  if (mmd2.after !== null && !(mmd2.after <= Math.max(mmd2.before, 0) * (1 + options.mmdTolerance) + 1e-6)) {
    flags.push('domains-further-apart');
    reasons.push(
      `${method} moved the domains further apart: MMD² ${mmd2.before.toPrecision(3)} in the backbone's features, ${mmd2.after.toPrecision(3)} in the adapted ones (more than ${Math.round(options.mmdTolerance * 100)}% higher, or not a number).`,
    );
  }
  if (classBalance.adapted < classBalance.sourceOnly * options.balanceTolerance) {
    flags.push('collapse');
    reasons.push(
      `${method} collapsed its target predictions onto fewer classes: class balance ${classBalance.adapted.toFixed(2)} against ${classBalance.sourceOnly.toFixed(2)} source-only (1 is every class equally often).`,
    );
  }
  return { sourceValAccuracy: acc, mmd2, targetEntropy, classBalance, flags, reasons };
}
