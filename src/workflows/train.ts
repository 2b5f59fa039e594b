import { promises as fs } from 'node:fs';
import path from 'node:path';
import { HeadstartError, invalidChoice, invalidOption, prepareOutput, rejectUnknownKeys, writeDirAtomic } from '../core/index.js';
import { checkSplitParts, selectFeatureRows, splitDataset } from '../data/index.js';
import type { ImageDataset, PerClassCounts, SkippedFile, SplitFractions } from '../data/index.js';
import type { Pooling } from '../engines/index.js';
import { argmaxRows, computeMetrics, formatAccuracy, isSmallSample, showsOverfitting } from '../evaluate/index.js';
import type { ClassificationMetrics } from '../evaluate/index.js';
import { TRAIN_HEAD_DEFAULTS, trainHead } from '../heads/index.js';
import type { Head, HeadKind, TrainHeadOptions, TrainHeadResult } from '../heads/index.js';
import { writeReport } from '../report/index.js';
import { TEST_TIME_AUGMENTATIONS } from '../zoo/index.js';
import type { TestTimeAugmentation, TextPooling } from '../zoo/index.js';
import type { FeatureSet } from '../data/index.js';
import { AUTO_BACKBONE, DEFAULT_TEXT_BACKBONE, checkModalityOptions, imageFeatureStage, textFeatureStage, trainingModality } from './feature-stage.js';
import type { FeatureStage, Featurizer } from './feature-stage.js';
import { renderModelCardText } from './model-card-text.js';
import { MODEL_FORMAT_VERSION } from './model-manifest.js';
import type { ModelManifest, TextFeatureChoiceRecord, TransferComparison } from './model-manifest.js';
import { KEEP_CHOICES, chooseByValidation, compareWithBaseline, fitProbeModel } from './no-transfer-baseline.js';
import type { FittedModel, KeepChoice } from './no-transfer-baseline.js';
import { openFeatureCache, WORKFLOW_OPTION_KEYS } from './shared-options.js';
import type { WorkflowOptions } from './shared-options.js';
import { MANIFEST_FILE } from './transfer-model.js';
import { checkDistributedExtraction } from './extract.js';
import type { DistributedExtractionOptions } from './extract.js';
import { FINE_TUNE_TRAIN_KEYS, trainFineTuned } from './train-finetune.js';
import type { FineTuneTrainOptions } from './train-finetune.js';

type HeadOptions = Omit<TrainHeadOptions, 'kind' | 'val' | 'engine' | 'callbacks' | 'signal' | 'onProgress'>;

/** 'features': a head on frozen features. 'finetune': the head, then the top blocks too (see `unfreeze`). */
export type TrainStrategy = 'features' | 'finetune';
export const TRAIN_STRATEGIES: readonly TrainStrategy[] = ['features', 'finetune'];

export interface TrainOptions extends WorkflowOptions, HeadOptions, FineTuneTrainOptions, DistributedExtractionOptions {
  /** @default 'features' */
  strategy?: TrainStrategy;
  /**
   * Image folder (one sub-folder per class) or CSV/JSONL manifest; or a text dataset (CSV/TSV/JSONL with text and
   * label columns, a .txt file of `sentence<TAB>label` lines, or a folder of .txt files per class), recognised by
   * its layout (see detectDatasetKind).
   */
  data: string;
  /**
   * Folder to write the model directory to, replaced atomically if it holds an earlier headstart model. Any other
   * existing folder is refused unless `force`; a folder that is, contains or lies inside `data` or `val` always is.
   */
  out: string;
  /** Replace `out` even when it is not a headstart model folder (its contents are deleted). @default false */
  force?: boolean;
  /** Separate validation data. Without it, validation and test parts are split off `data`. */
  val?: string;
  /**
   * Zoo id of the backbone (a text backbone's id or folder for text data). Images: 'auto' scores every image backbone
   * in the zoo on the training images by LogME and takes the best, or the top two's concatenation when it scores
   * higher (see `chooseBackbones`). @default 'auto'; text: 'glove-wink-100d'
   */
  backbone?: string;
  /** With backbone 'auto': the zoo ids it chooses from. @default every image backbone in the zoo */
  backboneCandidates?: string[];
  /** Images: 'flip' averages the features of each image and its mirror, in training and in every later use. @default 'flip' with backbone 'auto', else 'none' */
  tta?: TestTimeAugmentation;
  /** Image backbones only. @default the backbone card's defaultCut */
  cut?: string;
  /** Image backbones: 'avg', 'max' or 'flatten'; text backbones: 'mean' or 'sif'. @default the backbone card's defaultPooling */
  pooling?: Pooling | TextPooling;
  /** Text datasets: the column (CSV, TSV) or key (JSONL) holding the text. @default 'text' */
  textColumn?: string;
  /** Text datasets: the column or key holding the label. @default 'label' */
  labelColumn?: string;
  /** @default 'logistic' for images; 'linear' for text */
  head?: HeadKind;
  /** Fractions split off `data` when `val` is not given. @default { val: 0.15, test: 0.15 } */
  split?: SplitFractions;
  /** Split by counts per class instead of fractions (e.g. { train: 50, test: 30 }). */
  perClass?: PerClassCounts;
  /** Seeds the split and the head. @default 42 */
  seed?: number;
  /** Write report.html and metrics.json into the model directory. @default true */
  report?: boolean;
  /**
   * Which model to save when the no-transfer baseline (text: tf-idf logistic regression) scores higher on validation:
   * 'best' saves the baseline, 'transfer' the transfer model. Both are compared on test either way. @default 'best'
   */
  keep?: KeepChoice;
}

export interface TrainResult {
  modelDir: string;
  /** The HTML report in the model directory, unless `report: false`. */
  reportPath?: string;
  manifest: ModelManifest;
  metrics: { val?: ClassificationMetrics; test?: ClassificationMetrics };
  /** The transfer model against the no-transfer baseline on the same split (modalities with a baseline). */
  transfer?: TransferComparison;
  skipped: SkippedFile[];
  warnings: string[];
  extraction: { extracted: number; cached: number; durationMs: number };
}

/** Defaults of the train-specific options (head options: TRAIN_HEAD_DEFAULTS). */
export const TRAIN_DEFAULTS = {
  /** The best-measuring bundled backbone on flowers (see its card): the fixed default of compare, adapt, shift and demo. */
  backbone: 'mobilenet-v1-imagenet',
  /** What train uses for image data when no backbone is named: chosen from the zoo on the training images. */
  imageBackbone: AUTO_BACKBONE,
  /** The bundled text backbone: GloVe word vectors, mean-pooled. */
  textBackbone: DEFAULT_TEXT_BACKBONE,
  /**
   * The backbone strategy 'finetune' trains by default: the Coral MobileNetV2 (untouched ImageNet weights; its top
   * rebuilt as Layers). On flowers (30/10/20 per class, seed 1) it scores 0.83 fine-tuned against 0.70 for the Keras
   * mobilenet-v2, whose top blocks nsfwjs retrained for another task.
   */
  fineTuneBackbone: 'mobilenet-v2-imagenet',
  /**
   * Image data: the linear probe (logistic regression, strength by cross-validation); on flowers it measures at least
   * as well as the Adam-trained 'linear' head (docs/measurements/train-defaults.json).
   */
  head: 'logistic' as HeadKind,
  /** Text data keeps the Adam-trained softmax head. */
  textHead: 'linear' as HeadKind,
  /**
   * Image data with backbone 'auto': flip test-time augmentation, which added 0.3 points on flowers
   * (docs/measurements/train-defaults.json). A named backbone defaults to 'none', so its model exports.
   */
  tta: 'flip' as TestTimeAugmentation,
  split: { val: 0.15, test: 0.15 },
  seed: TRAIN_HEAD_DEFAULTS.seed,
  keep: 'best' as KeepChoice,
};

const KNOWN_OPTIONS = [
  ...WORKFLOW_OPTION_KEYS,
  ...Object.keys(TRAIN_HEAD_DEFAULTS).filter((k) => k !== 'kind'),
  'data', 'out', 'force', 'val', 'backbone', 'backboneCandidates', 'tta', 'cut', 'pooling', 'head', 'split', 'perClass', 'report', 'keep', 'strategy', 'textColumn', 'labelColumn', ...FINE_TUNE_TRAIN_KEYS,
  'distribute',
];

/** Checks `out` before any training: see `prepareOutput`. Model folders written before output markers have headstart.json. */
async function prepareModelOutput(options: Pick<TrainOptions, 'out' | 'data' | 'val' | 'force'>): Promise<string> {
  return prepareOutput(options.out, { kind: 'model', inputs: [options.data, options.val], force: options.force ?? false, legacyFiles: [MANIFEST_FILE] });
}

async function predictClasses(head: Head, set: FeatureSet): Promise<Int32Array> {
  return argmaxRows(await head.predict(set.values, set.labels.length), set.classes.length);
}

/** One call from a folder of images, or a table of labelled sentences, to a saved, evaluated transfer-learning model. */
export async function train(options: TrainOptions): Promise<TrainResult> {
  rejectUnknownKeys('train', options, KNOWN_OPTIONS);
  if (!options.data) throw invalidOption('train needs data: an image folder or a manifest.');
  if (!options.out) throw invalidOption('train needs out: the folder to write the model to.');
  if (options.split && options.perClass) throw invalidOption('Pass either split (fractions) or perClass (counts), not both.');
  if (options.val && (options.split || options.perClass)) {
    throw invalidOption('With val (a separate validation set) the training data is not split: drop split and perClass, or drop val.');
  }
  if (options.keep !== undefined && !KEEP_CHOICES.includes(options.keep)) throw invalidChoice('keep', options.keep, KEEP_CHOICES);
  const strategy = options.strategy ?? 'features';
  if (!TRAIN_STRATEGIES.includes(strategy)) throw invalidChoice('strategy', strategy, TRAIN_STRATEGIES);
  const fineTuneOnly = FINE_TUNE_TRAIN_KEYS.filter((k) => (options as unknown as Record<string, unknown>)[k] !== undefined);
  if (strategy === 'features' && fineTuneOnly.length > 0) {
    throw invalidOption(`${fineTuneOnly.join(', ')} ${fineTuneOnly.length > 1 ? 'apply' : 'applies'} to fine-tuning only: pass strategy 'finetune' (--strategy finetune), or drop ${fineTuneOnly.length > 1 ? 'them' : 'it'}.`);
  }
  checkImageFeatureChoice(strategy, options);
  if (strategy === 'finetune' && options.head !== undefined && options.head !== 'linear') {
    throw invalidOption(`Fine-tuning trains a linear head; head '${options.head}' works with strategy 'features' only.`);
  }
  await prepareModelOutput(options);
  const seed = options.seed ?? TRAIN_DEFAULTS.seed;
  const onBadFile = options.onBadFile ?? 'skip';
  const modality = await trainingModality(options.data, options.textColumn);
  const kind = options.head ?? (modality === 'text' ? TRAIN_DEFAULTS.textHead : TRAIN_DEFAULTS.head);
  checkModalityOptions(modality, options);
  checkDistributedExtraction(options);
  if (options.distribute !== undefined && (modality === 'text' || strategy === 'finetune')) {
    throw invalidOption(`distribute spreads image feature extraction (strategy 'features'); ${modality === 'text' ? `${options.data} is a text dataset` : "strategy 'finetune' runs its own trunk"}. Drop distribute (--workers, --queue).`);
  }
  const stage = modality === 'text' ? await textFeatureStage(options, onBadFile) : await imageFeatureStage(options, onBadFile, { backbone: TRAIN_DEFAULTS.imageBackbone, tta: TRAIN_DEFAULTS.tta });
  const warnings: string[] = [...stage.warnings];
  const { all, unit } = stage;

  let parts: { train: ImageDataset; val: ImageDataset; test: ImageDataset };
  const val = stage.val;
  if (val) {
    const unknown = val.classes.filter((c) => !all.classes.includes(c));
    if (unknown.length > 0) {
      throw new HeadstartError('HS_UNKNOWN_LABEL', `Validation data ${options.val} has classes not in ${options.data}: ${unknown.join(', ')}. Training classes: ${all.classes.join(', ')}.`);
    }
    parts = { train: all, val: { ...val, classes: all.classes }, test: { ...all, items: [], skipped: [] } };
  } else {
    parts = options.perClass
      ? splitDataset(all, { perClass: options.perClass, seed })
      : splitDataset(all, { fractions: options.split ?? TRAIN_DEFAULTS.split, seed });
  }
  const asked = options.perClass ?? options.split ?? TRAIN_DEFAULTS.split;
  const heldOutRequested = !val && (asked.val ?? 0) + (asked.test ?? 0) > 0;
  checkSplitParts(parts, { where: options.data, noun: unit, heldOutRequested });
  const trainCounts = Object.fromEntries(all.classes.map((c) => [c, parts.train.items.filter((i) => i.label === c).length]));
  const smallest = Math.min(...Object.values(trainCounts));
  if (smallest < 5) warnings.push(`Only ${smallest} training ${unit} in the smallest class: expect unstable results; 20 or more per class is a safer start.`);

  const headOptions: TrainHeadOptions = {};
  for (const key of Object.keys(TRAIN_HEAD_DEFAULTS) as (keyof typeof TRAIN_HEAD_DEFAULTS)[]) {
    if (key !== 'kind' && options[key] !== undefined) Object.assign(headOptions, { [key]: options[key] });
  }
  if (strategy === 'finetune') {
    const tuned = await trainFineTuned({
      options: { ...options, pooling: options.pooling as Pooling | undefined, backbone: options.backbone ?? TRAIN_DEFAULTS.fineTuneBackbone },
      all, parts, trainCounts, headOptions, seed, warnings,
    });
    return {
      modelDir: path.resolve(options.out),
      ...(tuned.wroteReport ? { reportPath: path.join(path.resolve(options.out), 'report.html') } : {}),
      manifest: tuned.manifest,
      metrics: tuned.metrics,
      skipped: tuned.skipped,
      warnings,
      extraction: tuned.extraction,
    };
  }
  return trainOnFeatures({ options, stage, parts, trainCounts, headOptions, kind, seed, warnings });
}

/** Backbone 'auto', its candidates and TTA belong to strategy 'features'; fine-tuning trains one named backbone. */
function checkImageFeatureChoice(strategy: TrainStrategy, options: TrainOptions): void {
  if (options.tta !== undefined && !TEST_TIME_AUGMENTATIONS.includes(options.tta)) throw invalidChoice('tta', options.tta, TEST_TIME_AUGMENTATIONS);
  if (options.backboneCandidates !== undefined && (options.backbone ?? TRAIN_DEFAULTS.imageBackbone) !== AUTO_BACKBONE) {
    throw invalidOption(`backboneCandidates lists what backbone 'auto' chooses from; with backbone '${String(options.backbone)}' drop it.`);
  }
  if (strategy !== 'finetune') return;
  const featuresOnly = [
    ...(options.backbone === AUTO_BACKBONE ? ["backbone 'auto'"] : []),
    ...(options.backboneCandidates !== undefined ? ['backboneCandidates'] : []),
    ...(options.tta !== undefined && options.tta !== 'none' ? [`tta '${options.tta}'`] : []),
  ];
  if (featuresOnly.length > 0) throw invalidOption(`${featuresOnly.join(', ')}: strategy 'features' only. Fine-tuning trains one named backbone: pass --backbone ID, or drop them.`);
}

/**
 * The 'logistic' head fits on train + val, so a validation score on val would be optimistic: its honest estimate is
 * the cross-validation's out-of-fold predictions over the rows it fitted.
 */
function crossValidationMetrics(trained: TrainHeadResult, classes: string[]): ClassificationMetrics | undefined {
  const cv = trained.crossValidation;
  return cv && cv.folds > 0 ? computeMetrics(cv.fitted.labels, cv.heldOutPredictions, classes) : undefined;
}

function crossValidationRecord(trained: TrainHeadResult): Pick<ModelManifest['training'], 'crossValidation'> {
  const cv = trained.crossValidation;
  return cv ? { crossValidation: { folds: cv.folds, l2: cv.l2, scores: cv.scores, converged: cv.converged } } : {};
}

function crossValidationFacts(trained: TrainHeadResult, unit: string): Record<string, string> {
  const cv = trained.crossValidation;
  if (!cv) return {};
  return {
    'head fit': cv.folds > 0
      ? `logistic regression on train + val (${cv.fitted.labels.length} ${unit}), L2 ${cv.l2} chosen by ${cv.folds}-fold cross-validation; validation figures are out-of-fold estimates`
      : `logistic regression on train (${cv.fitted.labels.length} ${unit}), L2 ${cv.l2} as given`,
  };
}

/** Strategy 'features', for every modality: features of each part, a head on them, the no-transfer baseline, metrics, the model directory. */
async function trainOnFeatures(job: {
  options: TrainOptions;
  stage: FeatureStage;
  parts: { train: ImageDataset; val: ImageDataset; test: ImageDataset };
  trainCounts: Record<string, number>;
  headOptions: TrainHeadOptions;
  kind: HeadKind;
  seed: number;
  warnings: string[];
}): Promise<TrainResult> {
  const { options, stage, parts, trainCounts, headOptions, kind, seed, warnings } = job;
  const { all, unit } = stage;
  const cache = openFeatureCache(options);
  const opened: Featurizer[] = [];
  const fitted: FittedModel[] = [];
  try {
    const featurizer = await stage.open(cache, parts.train);
    opened.push(featurizer);
    // One pass over every part, so progress counts all items once.
    const combined = { classes: all.classes, items: [...parts.train.items, ...parts.val.items, ...parts.test.items] };
    const splitSets = async (f: Featurizer) => {
      const extraction = await f.featurize(combined);
      const subset = (ds: ImageDataset): FeatureSet => selectFeatureRows(extraction.features, ds.items.map((it) => it.path));
      return { extraction, sets: { train: subset(parts.train), val: subset(parts.val), test: subset(parts.test) } };
    };
    const { extraction, sets } = await splitSets(featurizer);
    warnings.push(...featurizer.warnings());

    const baselineStage = stage.baseline;
    const baselineFeaturizer = baselineStage ? await baselineStage.open(parts.train) : undefined;
    if (baselineFeaturizer) opened.push(baselineFeaturizer);
    const baselineSets = baselineFeaturizer ? (await splitSets(baselineFeaturizer)).sets : undefined;
    const baselineScaling = stage.modality === 'text' ? 'none' : 'standardize';
    const baseline =
      baselineFeaturizer && baselineSets ? await fitProbeModel(baselineFeaturizer.card.id, baselineFeaturizer, baselineSets, { scaling: baselineScaling, seed }) : undefined;
    if (baseline) fitted.push(baseline);

    let choice: TextFeatureChoiceRecord | undefined;
    let transfer: FittedModel;
    if (chooseTextFeatures(stage, options) && baseline && baselineStage?.hybrid && baselineFeaturizer) {
      // No backbone named for text: the backbone's vectors, tf-idf and their concatenation compete by cross-validation.
      const hybrid = baselineStage.hybrid(featurizer, baselineFeaturizer);
      const hybridSets = (await splitSets(hybrid)).sets;
      const backboneFit = await fitProbeModel(featurizer.card.id, featurizer, sets, { scaling: 'standardize', seed });
      fitted.push(backboneFit);
      const hybridFit = await fitProbeModel(`${featurizer.card.id}+${baseline.id}`, hybrid, hybridSets, { scaling: 'none', seed });
      fitted.push(hybridFit);
      const picked = chooseByValidation([backboneFit, hybridFit, baseline]);
      choice = picked.record;
      transfer = picked.chosen === baseline ? chooseByValidation([backboneFit, hybridFit]).chosen : picked.chosen;
    } else {
      transfer = await fitTransferHead(featurizer, sets, { kind, headOptions, seed, options });
      fitted.push(transfer);
    }

    const trainAccuracy = transfer.kind === kind && !choice ? await accuracyOf(transfer.head, transfer.sets.train, all.classes) : undefined;
    const heldOut = transfer.metrics.val ?? transfer.metrics.test;
    if (trainAccuracy !== undefined && heldOut && showsOverfitting({ accuracy: trainAccuracy, n: transfer.sets.train.labels.length }, heldOut, 0.2)) {
      warnings.push(
        `Overfitting: training accuracy ${(trainAccuracy * 100).toFixed(0)}% vs ${transfer.metrics.val ? 'validation' : 'test'} ${(heldOut.accuracy * 100).toFixed(0)}%. ` +
          `Try more data or a stronger weight decay${kind === 'linear' ? '' : ', or the linear head'}.`,
      );
    }
    const comparison = baseline && baselineStage ? compareWithBaseline(transfer, baseline, baselineStage.name, options.keep ?? TRAIN_DEFAULTS.keep) : undefined;
    const saved = comparison?.kept === 'baseline' && baseline ? baseline : transfer;
    warnings.push(...smallTestWarnings(saved.metrics, unit));

    const metrics = saved.metrics;
    const used = saved.featurizer;
    const manifest: ModelManifest = {
      formatVersion: MODEL_FORMAT_VERSION,
      createdAt: new Date().toISOString(),
      labels: all.classes,
      ...used.manifestFields(),
      ...(choice ? { backboneChoice: choice } : {}),
      head: { kind: saved.kind, options: { ...saved.headOptions } },
      training: {
        data: path.resolve(options.data),
        val: options.val ? path.resolve(options.val) : 'split from the training data',
        counts: { train: saved.sets.train.labels.length, val: saved.sets.val.labels.length, test: saved.sets.test.labels.length },
        perClass: trainCounts,
        seed,
        history: saved.history,
        ...(saved.stoppedReason ? { stoppedReason: saved.stoppedReason } : {}),
        durationMs: { extract: extraction.durationMs, head: saved.durationMs },
        ...(saved.crossValidation ? { crossValidation: saved.crossValidation } : {}),
      },
      metrics,
      ...(comparison ? { transfer: comparison } : {}),
    } as ModelManifest;
    const skipped = [...all.skipped, ...(stage.val?.skipped ?? []), ...extraction.skipped];
    const reportMetrics = metrics.test ?? metrics.val;
    await writeDirAtomic(options.out, async (dir) => {
      await fs.writeFile(path.join(dir, MANIFEST_FILE), JSON.stringify(manifest, null, 2));
      await fs.mkdir(path.join(dir, 'head'));
      await saved.head.save(path.join(dir, 'head'));
      await used.writeBackbone(dir);
      await fs.writeFile(path.join(dir, 'card.md'), renderModelCardText(manifest, used.card));
      if (options.report !== false && reportMetrics) {
        await writeReport(dir, {
          title: `Training report: ${saved.kind} head on ${saved.id}`,
          metrics: reportMetrics,
          classes: all.classes,
          history: saved.history,
          facts: {
            data: manifest.training.data,
            'evaluated on': metrics.test ? `test split (${saved.sets.test.labels.length} ${unit})` : saved.validation?.method === 'cross-validation' && !metrics.test ? 'cross-validation (out-of-fold)' : `validation (${saved.sets.val.labels.length} ${unit})`,
            ...(comparison ? { transfer: comparison.summary } : {}),
            ...(choice ? { 'features chosen': choice.reason } : {}),
            ...saved.facts,
            backbone: used.description,
            head: saved.kind,
            [`${unit} extracted / from cache`]: `${extraction.extracted} / ${extraction.cached}`,
            ...used.facts(),
            'extraction time (s)': (extraction.durationMs / 1000).toFixed(1),
            'head training time (s)': (saved.durationMs / 1000).toFixed(1),
          },
          skipped,
          warnings,
        });
      }
    }, { marker: 'model' });
    const wroteReport = options.report !== false && reportMetrics !== undefined;
    return {
      modelDir: path.resolve(options.out),
      ...(wroteReport ? { reportPath: path.join(path.resolve(options.out), 'report.html') } : {}),
      manifest,
      metrics,
      ...(comparison ? { transfer: comparison } : {}),
      skipped,
      warnings,
      extraction: { extracted: extraction.extracted, cached: extraction.cached, durationMs: extraction.durationMs },
    };
  } finally {
    for (const f of fitted) f.head.dispose();
    for (const f of opened) await f.dispose();
    cache?.close();
  }
}

/** Text data with no backbone and no head named: train chooses among backbone, tf-idf and hybrid features. */
function chooseTextFeatures(stage: FeatureStage, options: TrainOptions): boolean {
  return stage.modality === 'text' && options.backbone === undefined && options.head === undefined;
}

async function accuracyOf(head: Head, set: FeatureSet, classes: string[]): Promise<number | undefined> {
  return set.labels.length > 0 ? computeMetrics(set.labels, await predictClasses(head, set), classes).accuracy : undefined;
}

/** The head the options ask for, trained on the backbone's features (early stopping on the validation part). */
async function fitTransferHead(
  featurizer: Featurizer,
  sets: FittedModel['sets'],
  job: { kind: HeadKind; headOptions: TrainHeadOptions; seed: number; options: TrainOptions },
): Promise<FittedModel> {
  const { kind, headOptions, seed, options } = job;
  const trained = await trainHead(sets.train, {
    ...headOptions,
    kind,
    seed,
    val: sets.val.labels.length > 0 ? sets.val : undefined,
    engine: featurizer.engine,
    signal: options.signal,
    onProgress: options.onProgress,
  });
  const classes = sets.train.classes;
  const predictions = async (set: FeatureSet) => (set.labels.length > 0 ? predictClasses(trained.head, set) : undefined);
  const valPredictions = await predictions(sets.val);
  const testPredictions = await predictions(sets.test);
  // The 'logistic' head fitted on train + val: its validation figure is the out-of-fold estimate.
  const crossValidated = crossValidationMetrics(trained, classes);
  const val = crossValidated ?? (valPredictions ? computeMetrics(sets.val.labels, valPredictions, classes) : undefined);
  const record = crossValidationRecord(trained).crossValidation;
  return {
    id: featurizer.card.id,
    featurizer,
    head: trained.head,
    kind,
    headOptions: { ...headOptions },
    sets,
    metrics: { ...(val ? { val } : {}), ...(testPredictions ? { test: computeMetrics(sets.test.labels, testPredictions, classes) } : {}) },
    ...(testPredictions ? { testPredictions } : {}),
    ...(val ? { validation: { accuracy: val.accuracy, method: crossValidated ? ('cross-validation' as const) : ('validation split' as const), n: val.n } } : {}),
    ...(record ? { crossValidation: record } : {}),
    facts: crossValidationFacts(trained, 'rows'),
    history: trained.history,
    ...(trained.stoppedReason ? { stoppedReason: trained.stoppedReason } : {}),
    durationMs: trained.durationMs,
  };
}

/** A warning when the figure printed rests on few rows: its 95% interval is wider than the gaps users act on. */
function smallTestWarnings(metrics: FittedModel['metrics'], unit: string): string[] {
  const m = metrics.test ?? metrics.val;
  if (!m) return [];
  const interval = { value: m.accuracy, n: m.n, ...m.accuracyInterval };
  if (!isSmallSample(interval)) return [];
  return [
    `The ${metrics.test ? 'test' : 'validation'} part has ${m.n} ${unit}: accuracy ${formatAccuracy(interval)} is a rough figure. ` +
      `Use 'headstart compare' (several seeds and training sizes) or cross-validation for numbers you can compare.`,
  ];
}
