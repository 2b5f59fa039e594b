import { promises as fs } from 'node:fs';
import path from 'node:path';
import { HeadstartError, invalidOption, rejectUnknownKeys, writeDirAtomic } from '../core/index.js';
import { loadImageDataset, selectFeatureRows, splitDataset } from '../data/index.js';
import type { ImageDataset, PerClassCounts, SkippedFile, SplitFractions } from '../data/index.js';
import { argmaxRows, computeMetrics } from '../evaluate/index.js';
import type { ClassificationMetrics } from '../evaluate/index.js';
import { TRAIN_HEAD_DEFAULTS, trainHead } from '../heads/index.js';
import type { Head, HeadKind, TrainHeadOptions } from '../heads/index.js';
import { writeReport } from '../report/index.js';
import { copyBackboneFolder, extractFeatures, loadBackbone } from '../zoo/index.js';
import type { Backbone } from '../zoo/index.js';
import type { FeatureSet } from '../data/index.js';
import { renderModelCardText } from './model-card-text.js';
import { MODEL_FORMAT_VERSION } from './model-manifest.js';
import type { ModelManifest } from './model-manifest.js';
import { openFeatureCache, resolveHome, WORKFLOW_OPTION_KEYS } from './shared-options.js';
import type { WorkflowOptions } from './shared-options.js';
import { MANIFEST_FILE } from './transfer-model.js';

type HeadOptions = Omit<TrainHeadOptions, 'kind' | 'val' | 'engine' | 'callbacks' | 'signal' | 'onProgress'>;

export interface TrainOptions extends WorkflowOptions, HeadOptions {
  /** Image folder (one sub-folder per class) or CSV/JSONL manifest. */
  data: string;
  /** Folder to write the model directory to (replaced atomically if it exists). */
  out: string;
  /** Separate validation data. Without it, validation and test parts are split off `data`. */
  val?: string;
  /** Zoo id of the backbone. @default 'mobilenet-v1-imagenet' */
  backbone?: string;
  /** @default the backbone card's defaultCut */
  cut?: string;
  /** @default the backbone card's defaultPooling */
  pooling?: 'avg' | 'max' | 'flatten';
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
  head: 'linear' as HeadKind,
  split: { val: 0.15, test: 0.15 },
  seed: TRAIN_HEAD_DEFAULTS.seed,
};

const KNOWN_OPTIONS = [
  ...WORKFLOW_OPTION_KEYS,
  ...Object.keys(TRAIN_HEAD_DEFAULTS).filter((k) => k !== 'kind'),
  'data', 'out', 'val', 'backbone', 'cut', 'pooling', 'head', 'split', 'perClass', 'report',
];

async function predictClasses(head: Head, set: FeatureSet): Promise<Int32Array> {
  return argmaxRows(await head.predict(set.values, set.labels.length), set.classes.length);
}

/** One call from a folder of images to a saved, evaluated transfer-learning model. */
export async function train(options: TrainOptions): Promise<TrainResult> {
  rejectUnknownKeys('train', options, KNOWN_OPTIONS);
  if (!options.data) throw invalidOption('train needs data: an image folder or a manifest.');
  if (!options.out) throw invalidOption('train needs out: the folder to write the model to.');
  if (options.split && options.perClass) throw invalidOption('Pass either split (fractions) or perClass (counts), not both.');
  if (options.val && (options.split || options.perClass)) {
    throw invalidOption('With val (a separate validation set) the training data is not split: drop split and perClass, or drop val.');
  }
  const seed = options.seed ?? TRAIN_DEFAULTS.seed;
  const kind = options.head ?? TRAIN_DEFAULTS.head;
  const onBadFile = options.onBadFile ?? 'skip';
  const warnings: string[] = [];

  const all = await loadImageDataset(options.data, { onBadFile });
  let parts: { train: ImageDataset; val: ImageDataset; test: ImageDataset };
  if (options.val) {
    const val = await loadImageDataset(options.val, { onBadFile, allowSingleClass: true });
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
  if (smallest < 5) warnings.push(`Only ${smallest} training images in the smallest class: expect unstable results; 20 or more per class is a safer start.`);

  const cache = openFeatureCache(options);
  let backbone: Backbone | undefined;
  let head: Head | undefined;
  try {
    backbone = await loadBackbone(options.backbone ?? TRAIN_DEFAULTS.backbone, {
      cut: options.cut,
      pooling: options.pooling,
      engine: options.engine,
      home: resolveHome(options),
      onProgress: options.onProgress,
    });
    const extractOptions = { cache, onBadFile, signal: options.signal, onProgress: options.onProgress };
    // One pass over every part, so progress counts all images once.
    const combined = { classes: all.classes, items: [...parts.train.items, ...parts.val.items, ...parts.test.items] };
    const extraction = await extractFeatures(backbone, combined, extractOptions);
    const subset = (ds: ImageDataset): FeatureSet => selectFeatureRows(extraction.features, ds.items.map((it) => it.path));
    const trainSet = subset(parts.train);
    const valSet = subset(parts.val);
    const testSet = subset(parts.test);

    const headOptions: TrainHeadOptions = {};
    for (const key of Object.keys(TRAIN_HEAD_DEFAULTS) as (keyof typeof TRAIN_HEAD_DEFAULTS)[]) {
      if (key !== 'kind' && options[key] !== undefined) Object.assign(headOptions, { [key]: options[key] });
    }
    const trained = await trainHead(trainSet, {
      ...headOptions,
      kind,
      seed,
      val: valSet.labels.length > 0 ? valSet : undefined,
      engine: backbone.engine,
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
      backbone: {
        id: backbone.card.id,
        weightsSha256: backbone.weightsSha256,
        cut: backbone.cut,
        pooling: backbone.pooling,
        location: backbone.card.origin === 'bundled' ? 'zoo' : 'included',
      },
      input: backbone.input,
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
    const skipped = [...all.skipped, ...extraction.skipped];
    const reportMetrics = metrics.test ?? metrics.val;
    const usedBackbone = backbone;
    await writeDirAtomic(options.out, async (dir) => {
      await fs.writeFile(path.join(dir, MANIFEST_FILE), JSON.stringify(manifest, null, 2));
      await fs.mkdir(path.join(dir, 'head'));
      await trained.head.save(path.join(dir, 'head'));
      if (manifest.backbone.location === 'included') await copyBackboneFolder(usedBackbone.installed, path.join(dir, 'backbone'));
      await fs.writeFile(path.join(dir, 'card.md'), renderModelCardText(manifest, usedBackbone.card));
      if (options.report !== false && reportMetrics) {
        await writeReport(dir, {
          title: `Training report: ${kind} head on ${usedBackbone.card.id}`,
          metrics: reportMetrics,
          classes: all.classes,
          history: trained.history,
          facts: {
            data: manifest.training.data,
            'evaluated on': metrics.test ? `test split (${testSet.labels.length} images)` : `validation (${valSet.labels.length} images)`,
            backbone: `${usedBackbone.card.id} cut at ${usedBackbone.cut} (${usedBackbone.pooling} pooling, ${usedBackbone.extractor.dim}-d)`,
            head: kind,
            'images extracted / from cache': `${extraction.extracted} / ${extraction.cached}`,
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
    backbone?.dispose();
    cache?.close();
  }
}
