import { HeadstartError, invalidChoice, invalidOption, rejectUnknownKeys } from '../core/index.js';
import type { ProgressCallback } from '../core/index.js';
import { selectFeatureRows, splitDataset } from '../data/index.js';
import type { FeatureSet } from '../data/index.js';
import type { Engine } from '../engines/index.js';
import { trainHead } from '../heads/index.js';
import type { Head, HeadKind } from '../heads/index.js';
import { coralAlign, CORAL_ALIGN_DEFAULTS } from './coral.js';
import { guardAdaptation, resolveAdaptGuardOptions } from './adapt-guard.js';
import type { AdaptGuard, AdaptGuardOptions } from './adapt-guard.js';
import { computeMmd } from './mmd.js';
import { computeProxyADistance } from './proxy-a-distance.js';
import { pseudoLabel, PSEUDO_LABEL_DEFAULTS } from './pseudo-label.js';
import type { PseudoLabelRound } from './pseudo-label.js';
import { trainFeatureAdapter, TRAIN_FEATURE_ADAPTER_DEFAULTS } from './train-feature-adapter.js';
import type { AdapterEpochRecord, FeatureAdapterModel } from './train-feature-adapter.js';

export type AdaptMethod = 'adabn' | 'coral' | 'deep-coral' | 'dann' | 'pseudo-label';
export const ADAPT_METHODS: readonly AdaptMethod[] = ['adabn', 'coral', 'deep-coral', 'dann', 'pseudo-label'];
/** A method, or 'auto': run every method, drop those the guard flags, keep the one that brought the domains closest. */
export type AdaptMethodChoice = AdaptMethod | 'auto';
export const ADAPT_METHOD_CHOICES: readonly AdaptMethodChoice[] = ['auto', ...ADAPT_METHODS];

/** The paper behind each method. */
export const ADAPT_METHOD_PAPERS: Record<AdaptMethod, string> = {
  adabn: 'Li, Wang, Shi, Liu and Hou, "Revisiting Batch Normalization For Practical Domain Adaptation" (AdaBN), arXiv 1603.04779, 2016',
  coral: 'Sun, Feng and Saenko, "Return of Frustratingly Easy Domain Adaptation" (CORAL), AAAI 2016',
  'deep-coral': 'Sun and Saenko, "Deep CORAL: Correlation Alignment for Deep Domain Adaptation", ECCV 2016 workshops',
  dann: 'Ganin and Lempitsky, "Unsupervised Domain Adaptation by Backpropagation", ICML 2015; Ganin et al., "Domain-Adversarial Training of Neural Networks", JMLR 2016',
  'pseudo-label':
    'Lee, "Pseudo-Label: The Simple and Efficient Semi-Supervised Learning Method for Deep Neural Networks", ICML 2013 workshop; ' +
    'Grandvalet and Bengio, "Semi-supervised Learning by Entropy Minimization", NIPS 2004 (proceedings 2005)',
};

export interface AdaptFeaturesOptions {
  /** @default 'auto' */
  method?: AdaptMethodChoice;
  /** Head of the source-only baseline and of coral and pseudo-label. @default 'linear' */
  head?: Extract<HeadKind, 'linear' | 'mlp'>;
  /** Share of each source class held out to measure source validation accuracy (and pick epochs). @default 0.2 */
  valFraction?: number;
  /**
   * Use half of the labelled target rows (stratified, seeded) to pick epochs and the pseudo-label threshold, and
   * score on the other half. Off by default: target labels then only score. @default false
   */
  targetLabelsForValidation?: boolean;
  /** Seeds the splits, the heads and the adapters. @default 42 */
  seed?: number;
  /** coral: lambda of C + lambda I, relative to the mean feature variance. @default 1 */
  coralRegularization?: number;
  /** pseudo-label: confidence a target row needs to be used. @default 0.9 */
  threshold?: number;
  /** pseudo-label: retraining rounds. @default 3 */
  rounds?: number;
  /** adabn, dann, deep-coral: epochs of the feature adapter. @default 30 */
  epochs?: number;
  /** adabn, dann, deep-coral: width of the adapter. @default 128 */
  hidden?: number;
  /** dann: largest gradient-reversal factor; deep-coral: CORAL loss weight. @default 1 (dann, as in the paper), 1000 (deep-coral: the loss is divided by 4 d^2) */
  alignmentWeight?: number;
  /** adabn, dann, deep-coral: initial learning rate. @default 0.001 */
  learningRate?: number;
  /** Tolerances of the guard that flags a method which made things worse (computed for every method). */
  guard?: AdaptGuardOptions;
  /** Measure MMD and the proxy A-distance before and after adaptation. @default true */
  measureShift?: boolean;
  /** Permutations of the MMD tests. @default 200 */
  permutations?: number;
  /** Rows per side at most for the shift measures. @default 500 */
  maxSamples?: number;
  /** Runs the heads and the domain classifiers. @default createEngine() */
  engine?: Engine;
  signal?: AbortSignal;
  onProgress?: ProgressCallback;
}

export const ADAPT_FEATURES_DEFAULTS = {
  method: 'auto' as AdaptMethodChoice,
  head: 'linear' as Extract<HeadKind, 'linear' | 'mlp'>,
  valFraction: 0.2,
  targetLabelsForValidation: false,
  seed: 42,
  coralRegularization: CORAL_ALIGN_DEFAULTS.regularization,
  threshold: PSEUDO_LABEL_DEFAULTS.threshold,
  rounds: PSEUDO_LABEL_DEFAULTS.rounds,
  epochs: TRAIN_FEATURE_ADAPTER_DEFAULTS.epochs,
  hidden: TRAIN_FEATURE_ADAPTER_DEFAULTS.hidden,
  learningRate: TRAIN_FEATURE_ADAPTER_DEFAULTS.learningRate,
  measureShift: true,
  permutations: 200,
  maxSamples: 500,
};

/** Default alignment weight per method: the Deep CORAL loss is divided by 4 d^2, so it needs a larger weight. */
export const ALIGNMENT_WEIGHT_DEFAULTS = { dann: 1, 'deep-coral': 1000 };

/** Thresholds tried when target labels may pick one (`targetLabelsForValidation`). */
const THRESHOLD_GRID = [0.7, 0.8, 0.9, 0.95];

export interface DomainScores {
  /** Accuracy on the held-out source rows. */
  sourceValAccuracy: number;
  /** Accuracy on the scored target rows; null when the target has no labels to score with. */
  targetAccuracy: number | null;
}

export interface ShiftMeasures {
  /** Unbiased MMD^2 (RBF kernel, median-distance width of the compared sets). */
  mmd2: number;
  mmdPValue: number;
  /** 2 (1 - 2 error) of a fresh linear source-vs-target classifier on held-out rows. */
  proxyADistance: number;
  /** That classifier's held-out accuracy: 0.5 means the domains cannot be told apart. */
  domainClassifierAccuracy: number;
}

/** One method tried by `method: 'auto'`. */
export interface AutoCandidate {
  method: AdaptMethod;
  guard: AdaptGuard;
  passed: boolean;
  /** Target accuracy on the scored rows (labels score only, never choose); null without labels. */
  targetAccuracy: number | null;
}

export interface AdaptFeaturesResult {
  /** The method asked for ('auto' included). */
  method: AdaptMethodChoice;
  /** The model behind `adapted`: the method, or with 'auto' the one chosen ('source-only' when none passed). */
  chosen: AdaptMethod | 'source-only';
  paper: string;
  counts: { sourceTrain: number; sourceVal: number; target: number; targetLabelled: number; targetScored: number; targetValidation: number };
  /** A head trained on the source alone (the `head` kind), scored the same way. */
  sourceOnly: DomainScores;
  adapted: DomainScores;
  /** adabn, dann, deep-coral: the same network trained the same way without adaptation, so the gain is the method's. */
  sameNetworkSourceOnly?: DomainScores;
  /**
   * How far apart the domains are in the features the classifier reads, before (raw features) and after adaptation
   * (coral: aligned source vs target; adapters: their output). Null after for pseudo-label, which moves no features.
   */
  shift?: { before: ShiftMeasures; after: ShiftMeasures | null };
  /** The guard's numbers and flags for `chosen` (absent when auto kept the source-only model). */
  guard?: AdaptGuard;
  /** method 'auto': every candidate's guard, and why the winner won. */
  auto?: { candidates: AutoCandidate[]; reason: string };
  /** What target labels were used for: 'none' (there are none), 'scoring', or 'validation-and-scoring'. */
  targetLabelUse: 'none' | 'scoring' | 'validation-and-scoring';
  /** How epochs and thresholds were chosen, in words. */
  selection: string;
  details: {
    coral?: { covarianceDistance: { before: number; after: number }; regularization: number };
    pseudoLabel?: { threshold: number; rounds: PseudoLabelRound[]; /** Share of pseudo-labels that were right (scoring only). */ pseudoLabelAccuracy: number | null };
    adapter?: {
      alignmentWeight: number;
      history: AdapterEpochRecord[];
      selectedEpoch: number;
      /** dann: the adversarial domain classifier's accuracy on all source and target rows at the end. */
      domainClassifierAccuracy?: number;
    };
  };
  /** Predicted class of every target row by both models; `labels` are the scoring labels (-1: not scored). */
  target: { files: string[]; labels: number[]; sourceOnly: number[]; adapted: number[] };
  warnings: string[];
  durationMs: number;
}

const KNOWN_OPTIONS = [...Object.keys(ADAPT_FEATURES_DEFAULTS), 'alignmentWeight', 'guard', 'engine', 'signal', 'onProgress'];

/** Runs every method in this order; the order breaks ties. */
const AUTO_CANDIDATES: readonly AdaptMethod[] = ['coral', 'pseudo-label', 'adabn', 'deep-coral', 'dann'];

function argmax(probs: Float32Array, classes: number): Int32Array {
  const n = probs.length / classes;
  const out = new Int32Array(n);
  for (let r = 0; r < n; r++) {
    let best = 0;
    for (let c = 1; c < classes; c++) if (probs[r * classes + c]! > probs[r * classes + best]!) best = c;
    out[r] = best;
  }
  return out;
}

/** Accuracy over the rows whose label is >= 0; null when there are none. */
function scoredAccuracy(predicted: Int32Array, labels: Int32Array): number | null {
  let n = 0;
  let correct = 0;
  labels.forEach((l, r) => {
    if (l < 0) return;
    n++;
    if (predicted[r] === l) correct++;
  });
  return n > 0 ? correct / n : null;
}

/** A stratified, seeded split of a FeatureSet's labelled rows, through the dataset splitter. */
function splitRows(set: FeatureSet, fraction: number, seed: number): { kept: FeatureSet; held: FeatureSet } {
  const rows = Array.from(set.labels.keys()).filter((r) => set.labels[r]! >= 0);
  const items = rows.map((r) => ({ path: set.files[r]!, label: set.classes[set.labels[r]!]! }));
  const present = set.classes.filter((c) => items.some((i) => i.label === c));
  const parts = splitDataset({ source: 'features', classes: present, items, skipped: [] }, { fractions: { val: fraction, test: 0 }, seed });
  return { kept: selectFeatureRows(set, parts.train.items.map((i) => i.path)), held: selectFeatureRows(set, parts.val.items.map((i) => i.path)) };
}

function checkInputs(source: FeatureSet, target: FeatureSet, o: typeof ADAPT_FEATURES_DEFAULTS & AdaptFeaturesOptions): void {
  if (!ADAPT_METHOD_CHOICES.includes(o.method)) throw invalidChoice('method', o.method, ADAPT_METHOD_CHOICES);
  if (o.head !== 'linear' && o.head !== 'mlp') throw invalidChoice('head', o.head, ['linear', 'mlp']);
  if (!(o.valFraction > 0 && o.valFraction < 1)) throw invalidOption(`Expected valFraction to be between 0 and 1. Received: ${String(o.valFraction)}.`);
  if (o.alignmentWeight !== undefined && !(o.alignmentWeight >= 0 && Number.isFinite(o.alignmentWeight))) {
    throw invalidOption(`Expected alignmentWeight to be a non-negative number. Received: ${String(o.alignmentWeight)}.`);
  }
  if (source.dim !== target.dim) throw invalidOption(`Source features have ${source.dim} dimensions, target features ${target.dim}: extract both with the same backbone and cut.`);
  const unlabelled = source.labels.findIndex((l) => l < 0 || l >= source.classes.length);
  if (unlabelled >= 0) throw new HeadstartError('HS_DATASET_INVALID', `Source row ${unlabelled} (${source.files[unlabelled] ?? '?'}) has no label; every source row needs one.`);
  if (target.labels.length === 0) throw new HeadstartError('HS_DATASET_INVALID', 'The target has no rows: adaptation needs target features (labels are optional).');
  const sameClasses = target.classes.length === source.classes.length && target.classes.every((c, i) => c === source.classes[i]);
  if (!sameClasses && target.labels.some((l) => l >= 0)) {
    throw new HeadstartError('HS_UNKNOWN_LABEL', `Target labels must index the source classes (${source.classes.join(', ')}); the target lists ${target.classes.join(', ')}. Map them, or set target labels to -1.`);
  }
}

/**
 * Domain adaptation on features: a source-only head and the chosen `method`, both trained on labelled source rows
 * (and, for the method, the unlabelled target rows), scored side by side on held-out source rows and on whatever
 * target labels exist, with MMD and the proxy A-distance before and after. Works on any FeatureSet: image, text or
 * audio features alike.
 *
 * Target labels never reach training: the methods receive the target with every label set to -1. Only with
 * `targetLabelsForValidation` does half of them pick epochs and thresholds, and the result says so.
 *
 * @throws HeadstartError `HS_INVALID_OPTION` for bad options or widths; `HS_DATASET_INVALID` for an unlabelled source
 *   row or an empty target; `HS_UNKNOWN_LABEL` when target labels do not index the source classes.
 */
/** What one method produced, before the shift measures and the guard. */
interface MethodRun {
  method: AdaptMethod;
  baseline: ModelScores;
  adapted: ModelScores;
  sameNetwork?: DomainScores;
  /** The features the adapted classifier reads, source and target; null when the method moves none. */
  after: { source: FeatureSet; target: FeatureSet } | null;
  details: AdaptFeaturesResult['details'];
}

interface ModelScores {
  scores: DomainScores;
  targetProbabilities: Float32Array;
  targetPredicted: Int32Array;
}

export async function adaptFeatures(source: FeatureSet, target: FeatureSet, options: AdaptFeaturesOptions = {}): Promise<AdaptFeaturesResult> {
  rejectUnknownKeys('adaptFeatures', options, KNOWN_OPTIONS);
  const o = { ...ADAPT_FEATURES_DEFAULTS, ...options };
  checkInputs(source, target, o);
  const guardOptions = resolveAdaptGuardOptions(options.guard);
  const started = performance.now();
  const warnings: string[] = [];
  const classes = source.classes.length;
  const { engine, signal } = o;

  // The only copy of the target the methods see: no labels.
  const unlabelledTarget: FeatureSet = { ...target, classes: source.classes, labels: new Int32Array(target.labels.length).fill(-1) };
  const { kept: sourceTrain, held: sourceVal } = splitRows(source, o.valFraction, o.seed);
  if (sourceVal.labels.length === 0) throw new HeadstartError('HS_DATASET_INVALID', `valFraction ${o.valFraction} holds out no source rows; the source has ${source.labels.length}. Raise valFraction or add data.`);

  const labelledTarget = target.labels.filter((l) => l >= 0).length;
  let scoringLabels = Int32Array.from(target.labels);
  let targetVal: FeatureSet | undefined;
  if (o.targetLabelsForValidation) {
    if (labelledTarget < 2) {
      warnings.push('targetLabelsForValidation is set, but the target has fewer than 2 labelled rows: epochs and thresholds were picked on source validation rows.');
    } else {
      const { held } = splitRows({ ...target, classes: source.classes }, 0.5, o.seed);
      targetVal = held;
      const used = new Set(held.files);
      scoringLabels = Int32Array.from(target.labels, (l, r) => (used.has(target.files[r]!) ? -1 : l));
    }
  }
  const scored = scoringLabels.filter((l) => l >= 0).length;
  const selectionSet = targetVal ?? sourceVal;
  const selectionDomain: 'source' | 'target' = targetVal ? 'target' : 'source';
  const selection = targetVal
    ? `Epochs${o.method === 'pseudo-label' ? ' and the pseudo-label threshold' : ''} were picked on ${targetVal.labels.length} labelled target rows (targetLabelsForValidation); target accuracy is measured on the other ${scored}.`
    : `Epochs were picked on ${sourceVal.labels.length} held-out source rows; no target label was used for training or selection${labelledTarget > 0 ? ` (the ${labelledTarget} target labels only score)` : ''}.`;
  if (scored === 0) warnings.push('The target has no labels to score with: target accuracy is not reported. Judge the adaptation by source validation accuracy and the shift measures, and label a small target sample if you can.');

  const headOptions = { kind: o.head, seed: o.seed, val: selectionSet, ...(engine ? { engine } : {}), ...(signal ? { signal } : {}) };
  const toScores = async (predictSourceVal: () => Promise<Float32Array>, predictTarget: () => Promise<Float32Array>): Promise<ModelScores> => {
    const targetProbabilities = await predictTarget();
    const targetPredicted = argmax(targetProbabilities, classes);
    const scores: DomainScores = {
      sourceValAccuracy: scoredAccuracy(argmax(await predictSourceVal(), classes), sourceVal.labels) ?? 0,
      targetAccuracy: scoredAccuracy(targetPredicted, scoringLabels),
    };
    return { scores, targetProbabilities, targetPredicted };
  };
  const headScores = (head: Head, sourceValRows: FeatureSet) =>
    toScores(() => head.predict(sourceValRows.values, sourceValRows.labels.length), () => head.predict(unlabelledTarget.values, unlabelledTarget.labels.length));
  const adapterScores = (model: FeatureAdapterModel, targetDomain: 'source' | 'target') =>
    toScores(() => model.predict(sourceVal, 'source'), () => model.predict(unlabelledTarget, targetDomain));

  /** Trains and scores one method, disposing its models before it returns. */
  const runMethod = async (method: AdaptMethod): Promise<MethodRun> => {
    const owned: { dispose(): void }[] = [];
    try {
      const details: AdaptFeaturesResult['details'] = {};
      if (method === 'pseudo-label') {
        const run = async (threshold: number) => {
          const r = await pseudoLabel(sourceTrain, unlabelledTarget, { threshold, rounds: o.rounds, head: headOptions, ...(signal ? { signal } : {}) });
          owned.push(r.head, r.sourceOnly);
          return r;
        };
        let chosen = await run(o.threshold);
        let chosenThreshold = o.threshold;
        if (targetVal) {
          const valAccuracy = async (head: Head) => scoredAccuracy(argmax(await head.predict(targetVal.values, targetVal.labels.length), classes), targetVal.labels) ?? 0;
          let bestAccuracy = await valAccuracy(chosen.head);
          for (const threshold of THRESHOLD_GRID.filter((t) => t !== o.threshold)) {
            const r = await run(threshold);
            const accuracy = await valAccuracy(r.head);
            if (accuracy > bestAccuracy) {
              bestAccuracy = accuracy;
              chosen = r;
              chosenThreshold = threshold;
            }
          }
        }
        const pseudo = Int32Array.from(chosen.pseudoLabels, (p, r) => (p >= 0 && target.labels[r]! >= 0 ? p : -1));
        const judged = pseudo.filter((p) => p >= 0).length;
        const right = pseudo.filter((p, r) => p >= 0 && p === target.labels[r]).length;
        details.pseudoLabel = { threshold: chosenThreshold, rounds: chosen.rounds, pseudoLabelAccuracy: judged > 0 ? right / judged : null };
        return { method, baseline: await headScores(chosen.sourceOnly, sourceVal), adapted: await headScores(chosen.head, sourceVal), after: null, details };
      }
      const sourceOnlyHead = (await trainHead(sourceTrain, headOptions)).head;
      owned.push(sourceOnlyHead);
      const baseline = await headScores(sourceOnlyHead, sourceVal);
      if (method === 'coral') {
        // Covariances from all source rows (train and val alike, labels unused) so both parts get the same map.
        const { aligned, covarianceDistance } = coralAlign(source, unlabelledTarget, { regularization: o.coralRegularization });
        const alignedTrain = selectFeatureRows(aligned, sourceTrain.files);
        const alignedVal = selectFeatureRows(aligned, sourceVal.files);
        const head = (await trainHead(alignedTrain, { ...headOptions, val: targetVal ?? alignedVal })).head;
        owned.push(head);
        details.coral = { covarianceDistance, regularization: o.coralRegularization };
        return { method, baseline, adapted: await headScores(head, alignedVal), after: { source: aligned, target: unlabelledTarget }, details };
      }
      const alignment = method === 'dann' ? 'dann' : method === 'deep-coral' ? 'coral' : 'none';
      const alignmentWeight = o.alignmentWeight ?? (method === 'deep-coral' ? ALIGNMENT_WEIGHT_DEFAULTS['deep-coral'] : ALIGNMENT_WEIGHT_DEFAULTS.dann);
      const adapterOptions = {
        batchNorm: method === 'adabn',
        epochs: o.epochs,
        hidden: o.hidden,
        learningRate: o.learningRate,
        seed: o.seed,
        val: selectionSet,
        valDomain: selectionDomain,
        ...(signal ? { signal } : {}),
        ...(o.onProgress ? { onProgress: o.onProgress } : {}),
      };
      const trained = await trainFeatureAdapter(sourceTrain, unlabelledTarget, { ...adapterOptions, alignment, alignmentWeight });
      owned.push(trained.model);
      let sameNetwork: DomainScores;
      if (method === 'adabn') {
        // The same network with the source's statistics on the target is AdaBN's own baseline.
        sameNetwork = (await adapterScores(trained.model, 'source')).scores;
      } else {
        const plain = await trainFeatureAdapter(sourceTrain, unlabelledTarget, { ...adapterOptions, alignment: 'none' });
        owned.push(plain.model);
        sameNetwork = (await adapterScores(plain.model, 'target')).scores;
      }
      details.adapter = { alignmentWeight: method === 'adabn' ? 0 : alignmentWeight, history: trained.history, selectedEpoch: trained.selectedEpoch };
      if (method === 'dann') {
        const isTarget = [...(await trained.model.domainProbabilities(source)), ...(await trained.model.domainProbabilities(unlabelledTarget))];
        const right = isTarget.filter((p, r) => (p > 0.5) === (r >= source.labels.length)).length;
        details.adapter.domainClassifierAccuracy = right / isTarget.length;
      }
      return {
        method,
        baseline,
        adapted: await adapterScores(trained.model, 'target'),
        sameNetwork,
        after: { source: await trained.model.represent(source, 'source'), target: await trained.model.represent(unlabelledTarget, 'target') },
        details,
      };
    } finally {
      for (const d of new Set(owned)) d.dispose();
    }
  };

  // The guard's MMD² (no permutation test: the statistic is all it reads; the same seeded rows as the shift measures).
  const mmd2 = (a: FeatureSet, b: FeatureSet) => computeMmd(a, b, { permutations: 1, maxSamples: o.maxSamples, seed: o.seed }).mmd2;
  const mmdBefore = mmd2(source, unlabelledTarget);
  const guardOf = (run: MethodRun): AdaptGuard =>
    guardAdaptation(
      {
        method: run.method,
        classes,
        sourceValAccuracy: { sourceOnly: run.baseline.scores.sourceValAccuracy, adapted: run.adapted.scores.sourceValAccuracy },
        mmd2: { before: mmdBefore, after: run.after ? mmd2(run.after.source, run.after.target) : null },
        targetProbabilities: { sourceOnly: run.baseline.targetProbabilities, adapted: run.adapted.targetProbabilities },
        targetPredicted: { sourceOnly: run.baseline.targetPredicted, adapted: run.adapted.targetPredicted },
      },
      guardOptions,
    );

  let run: MethodRun | undefined;
  let guard: AdaptGuard | undefined;
  let auto: AdaptFeaturesResult['auto'];
  let baseline: ModelScores;
  if (o.method === 'auto') {
    const candidates: (AutoCandidate & { run: MethodRun })[] = [];
    for (const method of AUTO_CANDIDATES) {
      const r = await runMethod(method);
      const g = guardOf(r);
      candidates.push({ method, guard: g, passed: g.flags.length === 0, targetAccuracy: r.adapted.scores.targetAccuracy, run: r });
    }
    baseline = (candidates[0] as (typeof candidates)[number]).run.baseline;
    const winner = pickAutoWinner(candidates);
    run = winner?.run;
    guard = winner?.guard;
    auto = { candidates: candidates.map(({ run: _run, ...c }) => c), reason: autoReason(candidates, winner) };
    for (const c of candidates) if (!c.passed) warnings.push(`auto did not choose ${c.method}: ${c.guard.reasons.join(' ')}`);
  } else {
    run = await runMethod(o.method);
    baseline = run.baseline;
    guard = guardOf(run);
    warnings.push(...guard.reasons.map((r) => `${r} Keep the source-only model, or try --method auto.`));
  }
  const adapted = run?.adapted ?? baseline;

  let shift: AdaptFeaturesResult['shift'];
  if (o.measureShift) {
    const measure = async (a: FeatureSet, b: FeatureSet): Promise<ShiftMeasures> => {
      const mmd = computeMmd(a, b, { permutations: o.permutations, maxSamples: o.maxSamples, seed: o.seed });
      const pad = await computeProxyADistance(a, b, { seed: o.seed, maxSamples: o.maxSamples, ...(engine ? { engine } : {}), ...(signal ? { signal } : {}) });
      return { mmd2: mmd.mmd2, mmdPValue: mmd.pValue, proxyADistance: pad.proxyADistance, domainClassifierAccuracy: 1 - pad.domainError };
    };
    shift = { before: await measure(source, unlabelledTarget), after: run?.after ? await measure(run.after.source, run.after.target) : null };
  }

  const chosen = run?.method ?? 'source-only';
  return {
    method: o.method,
    chosen,
    paper: chosen === 'source-only' ? 'No adaptation: a head trained on the source alone' : ADAPT_METHOD_PAPERS[chosen],
    counts: {
      sourceTrain: sourceTrain.labels.length,
      sourceVal: sourceVal.labels.length,
      target: target.labels.length,
      targetLabelled: labelledTarget,
      targetScored: scored,
      targetValidation: targetVal?.labels.length ?? 0,
    },
    sourceOnly: baseline.scores,
    adapted: adapted.scores,
    ...(run?.sameNetwork ? { sameNetworkSourceOnly: run.sameNetwork } : {}),
    ...(shift ? { shift } : {}),
    ...(guard ? { guard } : {}),
    ...(auto ? { auto } : {}),
    targetLabelUse: labelledTarget === 0 ? 'none' : targetVal ? 'validation-and-scoring' : 'scoring',
    selection,
    details: run?.details ?? {},
    target: { files: [...target.files], labels: Array.from(scoringLabels), sourceOnly: Array.from(baseline.targetPredicted), adapted: Array.from(adapted.targetPredicted) },
    warnings,
    durationMs: performance.now() - started,
  };
}

/**
 * The label-free choice among the candidates the guard passed: the one that brought the domains closest together in
 * the features its classifier reads (lowest MMD² after / before), if any brought them closer at all. The guard has
 * already ruled out the ways alignment lies (lost source accuracy, predictions collapsed onto few classes). Target
 * confidence is not the criterion: on flowers under a grey-tint-blur shift, pseudo-labelling was the most confident
 * (entropy 0.09) and the worst (23.5% against 24.5% source-only), AdaBN the closest (MMD² 0.235 to 0.002) and 38.5%.
 * Pseudo-labelling moves no features, so this criterion never picks it.
 */
function pickAutoWinner<C extends AutoCandidate>(candidates: C[]): C | undefined {
  const ratio = (c: C) => (c.guard.mmd2.after === null || c.guard.mmd2.before <= 0 ? Infinity : c.guard.mmd2.after / c.guard.mmd2.before);
  let best: C | undefined;
  for (const c of candidates) {
    if (!c.passed || !(ratio(c) < 1)) continue;
    if (!best || ratio(c) < ratio(best)) best = c;
  }
  return best;
}

function autoReason(candidates: AutoCandidate[], winner: AutoCandidate | undefined): string {
  const passed = candidates.filter((c) => c.passed).map((c) => c.method);
  const flagged = candidates.filter((c) => !c.passed).map((c) => `${c.method} (${c.guard.flags.join(', ')})`);
  const listed = `Passed the guard: ${passed.length > 0 ? passed.join(', ') : 'none'}; flagged: ${flagged.length > 0 ? flagged.join(', ') : 'none'}.`;
  if (!winner) return `${listed} No method that passed brought the domains closer (MMD² between source and target): kept the source-only model.`;
  const m = winner.guard.mmd2;
  return `${listed} Chose ${winner.method}: it brought the domains closest among those that passed (MMD² ${m.before.toPrecision(3)} before, ${(m.after ?? NaN).toPrecision(3)} after; no target label was used).`;
}
