import { createRng, HeadstartError, invalidChoice, invalidOption, rejectUnknownKeys, shuffleInPlace, throwIfAborted } from '../core/index.js';
import type { ProgressCallback } from '../core/index.js';
import type { FeatureSet } from '../data/index.js';
import { ALIGNMENT_LOSSES, createFeatureAdapter } from '../engines/index.js';
import type { AlignmentLoss, BatchNormStatistics, TrainableFeatureAdapter } from '../engines/index.js';
import { featureStats, probabilityAccuracy, standardize } from '../heads/index.js';

export interface TrainFeatureAdapterOptions {
  /** 'none' (source only), 'dann' (gradient reversal) or 'coral' (Deep CORAL loss). @default 'none' */
  alignment?: AlignmentLoss;
  /** BatchNormalization in the adapter, with statistics per domain (AdaBN). @default false */
  batchNorm?: boolean;
  /** Width of the adapter's dense layer. @default 128 */
  hidden?: number;
  /** Hidden width of the domain classifier (dann). @default 64 */
  domainHidden?: number;
  /** Passes over the source rows. @default 30 */
  epochs?: number;
  /** Source rows per step; each step also takes as many target rows. @default 32 */
  batchSize?: number;
  /** Initial Adam step size, annealed as lr / (1 + 10 p)^0.75 over training progress p (Ganin et al. 2016). @default 0.001 */
  learningRate?: number;
  /**
   * dann: the largest gradient-reversal factor, reached by the schedule w (2 / (1 + exp(-10 p)) - 1); coral: the
   * weight of the CORAL loss, constant. @default 1
   */
  alignmentWeight?: number;
  /** L2 penalty on the adapter's and the label head's kernels. @default 0.0001 */
  weightDecay?: number;
  /**
   * Labelled rows that pick the epoch to keep (highest accuracy; ties go to the later epoch). Without it the last
   * epoch is kept. Give `valDomain` to say which domain they are from.
   */
  val?: FeatureSet;
  /** @default 'source' */
  valDomain?: 'source' | 'target';
  /** @default 42 */
  seed?: number;
  signal?: AbortSignal;
  onProgress?: ProgressCallback;
}

export const TRAIN_FEATURE_ADAPTER_DEFAULTS = {
  alignment: 'none' as AlignmentLoss,
  batchNorm: false,
  hidden: 128,
  domainHidden: 64,
  epochs: 30,
  batchSize: 32,
  learningRate: 0.001,
  alignmentWeight: 1,
  weightDecay: 0.0001,
  valDomain: 'source' as 'source' | 'target',
  seed: 42,
};

export interface AdapterEpochRecord {
  epoch: number;
  /** Mean source cross-entropy over the epoch's steps. */
  classLoss: number;
  /** Mean alignment loss (domain cross-entropy for dann, CORAL loss for coral; 0 for none). */
  alignmentLoss: number;
  /** dann: the domain classifier's accuracy on the epoch's training batches (0.5 means the domains look alike). */
  domainAccuracy?: number;
  /** The alignment weight at the epoch's last step. */
  alignmentWeight: number;
  valAccuracy?: number;
}

/** A trained feature adapter, seen per domain: inputs are raw features, standardised with the source's statistics. */
export interface FeatureAdapterModel {
  readonly adapter: TrainableFeatureAdapter;
  /** Class probabilities of `set`'s rows, with the BatchNorm statistics of `domain` (AdaBN) when the adapter has them. */
  predict(set: FeatureSet, domain: 'source' | 'target'): Promise<Float32Array>;
  /** dann: the domain classifier's probability that each of `set`'s rows is from the target. */
  domainProbabilities(set: FeatureSet): Promise<Float32Array>;
  /** The adapter's output for `set`'s rows, as a FeatureSet (labels and files kept). */
  represent(set: FeatureSet, domain: 'source' | 'target'): Promise<FeatureSet>;
  dispose(): void;
}

export interface TrainFeatureAdapterResult {
  model: FeatureAdapterModel;
  history: AdapterEpochRecord[];
  /** The epoch whose weights were kept. */
  selectedEpoch: number;
  durationMs: number;
}

const KNOWN_OPTIONS = [...Object.keys(TRAIN_FEATURE_ADAPTER_DEFAULTS), 'val', 'signal', 'onProgress'];

function checkOptions(o: typeof TRAIN_FEATURE_ADAPTER_DEFAULTS): void {
  if (!ALIGNMENT_LOSSES.includes(o.alignment)) throw invalidChoice('alignment', o.alignment, ALIGNMENT_LOSSES);
  if (o.valDomain !== 'source' && o.valDomain !== 'target') throw invalidChoice('valDomain', o.valDomain, ['source', 'target']);
  for (const name of ['hidden', 'domainHidden', 'epochs', 'batchSize'] as const) {
    if (!Number.isInteger(o[name]) || o[name] < 1) throw invalidOption(`Expected ${name} to be a positive integer. Received: ${String(o[name])}.`);
  }
  for (const name of ['learningRate', 'alignmentWeight', 'weightDecay'] as const) {
    const min = name === 'learningRate' ? Number.MIN_VALUE : 0;
    if (!(o[name] >= min && Number.isFinite(o[name]))) throw invalidOption(`Expected ${name} to be a ${min > 0 ? 'positive' : 'non-negative'} number. Received: ${String(o[name])}.`);
  }
}

function rowsOf(values: Float32Array, dim: number, rows: number[]): Float32Array {
  const out = new Float32Array(rows.length * dim);
  rows.forEach((r, j) => out.set(values.subarray(r * dim, (r + 1) * dim), j * dim));
  return out;
}


/** The DANN schedule of the reversal factor over training progress p in [0, 1] (Ganin et al., JMLR 2016, eq. 14). */
export function dannLambda(progress: number, maxWeight: number): number {
  return maxWeight * (2 / (1 + Math.exp(-10 * progress)) - 1);
}

/**
 * Trains a small network on features for domain adaptation: a dense adapter and a label head on labelled source rows,
 * with an alignment loss on the unlabelled target rows (`alignment`): DANN's domain classifier behind a
 * gradient-reversal layer (Ganin and Lempitsky, ICML 2015; Ganin et al., JMLR 2016), or the Deep CORAL loss between
 * batch covariances (Sun and Saenko, ECCV 2016 workshops). With `batchNorm` the adapter normalises each domain with
 * its own statistics at inference (AdaBN, Li et al. 2016). Target labels are never read: pass the target as it
 * comes, its labels are ignored.
 *
 * @throws HeadstartError `HS_INVALID_OPTION` for bad options or mismatched widths; `HS_DATASET_INVALID` when the
 *   source has unlabelled rows or fewer than 2 classes, or the target is empty while an alignment loss is asked for.
 */
export async function trainFeatureAdapter(source: FeatureSet, target: FeatureSet, options: TrainFeatureAdapterOptions = {}): Promise<TrainFeatureAdapterResult> {
  rejectUnknownKeys('trainFeatureAdapter', options, KNOWN_OPTIONS);
  const o = { ...TRAIN_FEATURE_ADAPTER_DEFAULTS, ...options };
  checkOptions(o);
  const { dim } = source;
  if (target.dim !== dim) throw invalidOption(`Source features have ${dim} dimensions, target features ${target.dim}: extract both with the same backbone and cut.`);
  if (o.val && o.val.dim !== dim) throw invalidOption(`Validation features have ${o.val.dim} dimensions; the source has ${dim}.`);
  const unlabelled = source.labels.findIndex((l) => l < 0 || l >= source.classes.length);
  if (unlabelled >= 0) throw new HeadstartError('HS_DATASET_INVALID', `Source row ${unlabelled} (${source.files[unlabelled] ?? '?'}) has no valid label; every source row needs one.`);
  if (new Set(source.labels).size < 2) throw new HeadstartError('HS_DATASET_INVALID', 'The source holds fewer than 2 classes; a classifier needs at least 2.');
  const nt = target.values.length / dim;
  if (nt === 0 && (o.alignment !== 'none' || o.batchNorm)) throw new HeadstartError('HS_DATASET_INVALID', 'The target has no rows; adaptation needs target features.');
  const started = performance.now();

  // One standardisation for both domains, the source's: anything per-domain would already be an adaptation.
  const stats = featureStats(source.values, dim);
  const sx = standardize(source.values, dim, stats);
  const tx = standardize(target.values, dim, stats);
  const classes = source.classes.length;
  const adapter = await createFeatureAdapter({ inputDim: dim, classes, hidden: o.hidden, batchNorm: o.batchNorm, domainHidden: o.domainHidden, l2: o.weightDecay, seed: o.seed });
  let domainStats: Record<'source' | 'target', BatchNormStatistics> | undefined;
  /** AdaBN: population statistics of each domain's own data, recomputed for the current weights. */
  const refreshStatistics = async () => {
    if (!o.batchNorm) return;
    domainStats = { source: await adapter.batchNormStatistics(sx, source.labels.length), target: await adapter.batchNormStatistics(tx, nt) };
  };
  const run = async <T>(domain: 'source' | 'target', f: () => Promise<T>): Promise<T> => {
    if (domainStats) adapter.setBatchNormStatistics(domainStats[domain]);
    return f();
  };
  const model: FeatureAdapterModel = {
    adapter,
    predict: (set, domain) => run(domain, () => adapter.predict(standardize(set.values, dim, stats), set.labels.length)),
    domainProbabilities: (set) => adapter.domainProbabilities(standardize(set.values, dim, stats), set.labels.length),
    represent: (set, domain) =>
      run(domain, async () => ({ ...set, values: await adapter.represent(standardize(set.values, dim, stats), set.labels.length), dim: o.hidden })),
    dispose: () => adapter.dispose(),
  };

  try {
    const rng = createRng(o.seed);
    const ns = source.labels.length;
    const order = Array.from({ length: ns }, (_, i) => i);
    const targetOrder = Array.from({ length: nt }, (_, i) => i);
    let targetAt = nt;
    const nextTargetRows = (count: number): number[] => {
      const rows: number[] = [];
      while (rows.length < count && nt > 0) {
        if (targetAt >= nt) {
          shuffleInPlace(targetOrder, rng);
          targetAt = 0;
        }
        rows.push(targetOrder[targetAt++]!);
      }
      return rows;
    };
    const stepsPerEpoch = Math.ceil(ns / o.batchSize);
    const totalSteps = stepsPerEpoch * o.epochs;
    const history: AdapterEpochRecord[] = [];
    let best: { accuracy: number; epoch: number; weights: Float32Array[] } | undefined;
    let step = 0;
    for (let epoch = 1; epoch <= o.epochs; epoch++) {
      throwIfAborted(o.signal);
      shuffleInPlace(order, rng);
      let classLoss = 0;
      let alignmentLoss = 0;
      let domainAccuracy = 0;
      let weight = 0;
      for (let start = 0; start < ns; start += o.batchSize) {
        const progress = step / totalSteps;
        const learningRate = o.learningRate / (1 + 10 * progress) ** 0.75;
        weight = o.alignment === 'dann' ? dannLambda(progress, o.alignmentWeight) : o.alignment === 'coral' ? o.alignmentWeight : 0;
        const rows = order.slice(start, start + o.batchSize);
        const needsTarget = o.alignment !== 'none';
        const r = await adapter.trainStep(
          rowsOf(sx, dim, rows),
          Int32Array.from(rows, (i) => source.labels[i]!),
          needsTarget ? rowsOf(tx, dim, nextTargetRows(rows.length)) : new Float32Array(0),
          { learningRate, alignment: o.alignment, alignmentWeight: weight },
        );
        classLoss += r.classLoss / stepsPerEpoch;
        alignmentLoss += r.alignmentLoss / stepsPerEpoch;
        domainAccuracy += (r.domainAccuracy ?? 0) / stepsPerEpoch;
        step++;
      }
      const record: AdapterEpochRecord = { epoch, classLoss, alignmentLoss, alignmentWeight: weight, ...(o.alignment === 'dann' ? { domainAccuracy } : {}) };
      if (o.val) {
        await refreshStatistics();
        record.valAccuracy = probabilityAccuracy(await model.predict(o.val, o.valDomain), o.val.labels, classes);
        if (!best || record.valAccuracy >= best.accuracy) best = { accuracy: record.valAccuracy, epoch, weights: adapter.getWeights() };
      }
      history.push(record);
      o.onProgress?.({ stage: 'epoch', epoch, epochs: o.epochs, loss: classLoss + alignmentLoss, ...(record.valAccuracy === undefined ? {} : { valAccuracy: record.valAccuracy }) });
    }
    if (best) adapter.setWeights(best.weights);
    await refreshStatistics();
    return { model, history, selectedEpoch: best?.epoch ?? o.epochs, durationMs: performance.now() - started };
  } catch (err) {
    adapter.dispose();
    throw err;
  }
}
