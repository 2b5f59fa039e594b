import { promises as fs } from 'node:fs';
import path from 'node:path';
import { HeadstartError, invalidChoice, invalidOption, rejectUnknownKeys, writeDirAtomic } from '../core/index.js';
import { selectFeatureRows, splitDataset } from '../data/index.js';
import type { ImageDataset, PerClassCounts, SkippedFile, SplitFractions } from '../data/index.js';
import type { Pooling } from '../engines/index.js';
import { argmaxRows, computeMetrics } from '../evaluate/index.js';
import type { ClassificationMetrics } from '../evaluate/index.js';
import { TRAIN_HEAD_DEFAULTS, trainHead } from '../heads/index.js';
import type { Head, HeadKind, TrainHeadOptions } from '../heads/index.js';
import { writeReport } from '../report/index.js';
import type { TextPooling } from '../zoo/index.js';
import type { FeatureSet } from '../data/index.js';
import { DEFAULT_TEXT_BACKBONE, checkModalityOptions, imageFeatureStage, textFeatureStage, trainingModality } from './feature-stage.js';
import type { FeatureStage, Featurizer } from './feature-stage.js';
import { renderModelCardText } from './model-card-text.js';
import { MODEL_FORMAT_VERSION } from './model-manifest.js';
import type { ModelManifest } from './model-manifest.js';
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
  /** Folder to write the model directory to (replaced atomically if it exists). */
  out: string;
  /** Separate validation data. Without it, validation and test parts are split off `data`. */
  val?: string;
  /** Zoo id of the backbone (a text backbone's id or folder for text data). @default 'mobilenet-v1-imagenet'; text: 'glove-wink-100d' */
  backbone?: string;
  /** Image backbones only. @default the backbone card's defaultCut */
  cut?: string;
  /** Image backbones: 'avg', 'max' or 'flatten'; text backbones: 'mean' or 'sif'. @default the backbone card's defaultPooling */
  pooling?: Pooling | TextPooling;
  /** Text datasets: the column (CSV, TSV) or key (JSONL) holding the text. @default 'text' */
  textColumn?: string;
  /** Text datasets: the column or key holding the label. @default 'label' */
  labelColumn?: string;
  /** @default 'linear' */
  head?: HeadKind;
  /** Fractions split off `data` when `val` is not given. @default { val: 0.15, test: 0.15 } */
  split?: SplitFractions;
  /** Split by counts per class instead of fractions (e.g. { train: 50, test: 30 }). */
  perClass?: PerClassCounts;
  /** Seeds the split and the head. @default 42 */
  seed?: number;
  /** Write report.html and metrics.json into the model directory. @default true */
  report?: boolean;
}

export interface TrainResult {
  modelDir: string;
  /** The HTML report in the model directory, unless `report: false`. */
  reportPath?: string;
  manifest: ModelManifest;
  metrics: { val?: ClassificationMetrics; test?: ClassificationMetrics };
  skipped: SkippedFile[];
  warnings: string[];
  extraction: { extracted: number; cached: number; durationMs: number };
}

/** Defaults of the train-specific options (head options: TRAIN_HEAD_DEFAULTS). */
export const TRAIN_DEFAULTS = {
  /** The best-measuring bundled backbone on flowers (see its card). */
  backbone: 'mobilenet-v1-imagenet',
  /** The bundled text backbone: GloVe word vectors, mean-pooled. */
  textBackbone: DEFAULT_TEXT_BACKBONE,
  /**
   * The backbone strategy 'finetune' trains by default: the Coral MobileNetV2 (untouched ImageNet weights; its top
   * rebuilt as Layers). On flowers (30/10/20 per class, seed 1) it scores 0.83 fine-tuned against 0.70 for the Keras
   * mobilenet-v2, whose top blocks nsfwjs retrained for another task.
   */
  fineTuneBackbone: 'mobilenet-v2-imagenet',
  head: 'linear' as HeadKind,
  split: { val: 0.15, test: 0.15 },
  seed: TRAIN_HEAD_DEFAULTS.seed,
};

const KNOWN_OPTIONS = [
  ...WORKFLOW_OPTION_KEYS,
  ...Object.keys(TRAIN_HEAD_DEFAULTS).filter((k) => k !== 'kind'),
  'data', 'out', 'val', 'backbone', 'cut', 'pooling', 'head', 'split', 'perClass', 'report', 'strategy', 'textColumn', 'labelColumn', ...FINE_TUNE_TRAIN_KEYS,
  'distribute',
];

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
  const strategy = options.strategy ?? 'features';
  if (!TRAIN_STRATEGIES.includes(strategy)) throw invalidChoice('strategy', strategy, TRAIN_STRATEGIES);
  const fineTuneOnly = FINE_TUNE_TRAIN_KEYS.filter((k) => (options as unknown as Record<string, unknown>)[k] !== undefined);
  if (strategy === 'features' && fineTuneOnly.length > 0) {
    throw invalidOption(`${fineTuneOnly.join(', ')} ${fineTuneOnly.length > 1 ? 'apply' : 'applies'} to fine-tuning only: pass strategy 'finetune' (--strategy finetune), or drop ${fineTuneOnly.length > 1 ? 'them' : 'it'}.`);
  }
  if (strategy === 'finetune' && options.head !== undefined && options.head !== 'linear') {
    throw invalidOption(`Fine-tuning trains a linear head; head '${options.head}' works with strategy 'features' only.`);
  }
  const seed = options.seed ?? TRAIN_DEFAULTS.seed;
  const kind = options.head ?? TRAIN_DEFAULTS.head;
  const onBadFile = options.onBadFile ?? 'skip';
  const modality = await trainingModality(options.data, options.textColumn);
  checkModalityOptions(modality, options);
  checkDistributedExtraction(options);
  if (options.distribute !== undefined && (modality === 'text' || strategy === 'finetune')) {
    throw invalidOption(`distribute spreads image feature extraction (strategy 'features'); ${modality === 'text' ? `${options.data} is a text dataset` : "strategy 'finetune' runs its own trunk"}. Drop distribute (--workers, --queue).`);
  }
  const stage = modality === 'text' ? await textFeatureStage(options, onBadFile) : await imageFeatureStage(options, onBadFile, TRAIN_DEFAULTS.backbone);
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

/** Strategy 'features', for every modality: features of each part, a head on them, metrics, the model directory. */
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
  let featurizer: Featurizer | undefined;
  let head: Head | undefined;
  try {
    featurizer = await stage.open(cache);
    // One pass over every part, so progress counts all items once.
    const combined = { classes: all.classes, items: [...parts.train.items, ...parts.val.items, ...parts.test.items] };
    const extraction = await featurizer.featurize(combined);
    warnings.push(...featurizer.warnings());
    const subset = (ds: ImageDataset): FeatureSet => selectFeatureRows(extraction.features, ds.items.map((it) => it.path));
    const trainSet = subset(parts.train);
    const valSet = subset(parts.val);
    const testSet = subset(parts.test);

    const trained = await trainHead(trainSet, {
      ...headOptions,
      kind,
      seed,
      val: valSet.labels.length > 0 ? valSet : undefined,
      engine: featurizer.engine,
      signal: options.signal,
      onProgress: options.onProgress,
    });
    head = trained.head;
    const evaluate = async (set: FeatureSet) =>
      set.labels.length > 0 ? computeMetrics(set.labels, await predictClasses(trained.head, set), all.classes) : undefined;
    const metrics = { val: await evaluate(valSet), test: await evaluate(testSet) };

    // Judged on the final head (after early stopping restored its best weights), not on the last epoch.
    const trainAccuracy = (await evaluate(trainSet))?.accuracy;
    const heldOut = metrics.val ?? metrics.test;
    if (trainAccuracy !== undefined && heldOut && trainAccuracy - heldOut.accuracy > 0.2) {
      warnings.push(
        `Overfitting: training accuracy ${(trainAccuracy * 100).toFixed(0)}% vs ${metrics.val ? 'validation' : 'test'} ${(heldOut.accuracy * 100).toFixed(0)}%. ` +
          `Try more data or a stronger weight decay${kind === 'linear' ? '' : ', or the linear head'}.`,
      );
    }

    const manifest: ModelManifest = {
      formatVersion: MODEL_FORMAT_VERSION,
      createdAt: new Date().toISOString(),
      labels: all.classes,
      ...featurizer.manifestFields(),
      head: { kind, options: { ...headOptions } },
      training: {
        data: path.resolve(options.data),
        val: options.val ? path.resolve(options.val) : 'split from the training data',
        counts: { train: trainSet.labels.length, val: valSet.labels.length, test: testSet.labels.length },
        perClass: trainCounts,
        seed,
        history: trained.history,
        ...(trained.stoppedReason ? { stoppedReason: trained.stoppedReason } : {}),
        durationMs: { extract: extraction.durationMs, head: trained.durationMs },
      },
      metrics,
    };
    const skipped = [...all.skipped, ...(stage.val?.skipped ?? []), ...extraction.skipped];
    const reportMetrics = metrics.test ?? metrics.val;
    const used = featurizer;
    await writeDirAtomic(options.out, async (dir) => {
      await fs.writeFile(path.join(dir, MANIFEST_FILE), JSON.stringify(manifest, null, 2));
      await fs.mkdir(path.join(dir, 'head'));
      await trained.head.save(path.join(dir, 'head'));
      await used.writeBackbone(dir);
      await fs.writeFile(path.join(dir, 'card.md'), renderModelCardText(manifest, used.card));
      if (options.report !== false && reportMetrics) {
        await writeReport(dir, {
          title: `Training report: ${kind} head on ${used.card.id}`,
          metrics: reportMetrics,
          classes: all.classes,
          history: trained.history,
          facts: {
            data: manifest.training.data,
            'evaluated on': metrics.test ? `test split (${testSet.labels.length} ${unit})` : `validation (${valSet.labels.length} ${unit})`,
            backbone: used.description,
            head: kind,
            [`${unit} extracted / from cache`]: `${extraction.extracted} / ${extraction.cached}`,
            ...used.facts(),
            'extraction time (s)': (extraction.durationMs / 1000).toFixed(1),
            'head training time (s)': (trained.durationMs / 1000).toFixed(1),
          },
          skipped,
          warnings,
        });
      }
    });
    const wroteReport = options.report !== false && reportMetrics !== undefined;
    return {
      modelDir: path.resolve(options.out),
      ...(wroteReport ? { reportPath: path.join(path.resolve(options.out), 'report.html') } : {}),
      manifest,
      metrics,
      skipped,
      warnings,
      extraction: { extracted: extraction.extracted, cached: extraction.cached, durationMs: extraction.durationMs },
    };
  } finally {
    head?.dispose();
    await featurizer?.dispose();
    cache?.close();
  }
}
