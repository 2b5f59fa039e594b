import { promises as fs } from 'node:fs';
import path from 'node:path';
import { HeadstartError, invalidOption, markOutputFolder, sha256, writeDirAtomic } from '../core/index.js';
import { resolveAugmentOptions, selectFeatureRows } from '../data/index.js';
import type { AugmentOptions, FeatureSet, ImageDataset, SkippedFile } from '../data/index.js';
import { createEngine } from '../engines/index.js';
import type { BatchNormMode, Engine, ModelFiles, Pooling, TopSpec, TrainableTop } from '../engines/index.js';
import { argmaxRows, computeMetrics } from '../evaluate/index.js';
import type { ClassificationMetrics } from '../evaluate/index.js';
import { augmentedActivations, FINE_TUNE_DEFAULTS, fineTune, onnxTop, splitAtBlocks, wrapTopHead } from '../finetune/index.js';
import type { FineTuneSchedule, TopSplit } from '../finetune/index.js';
import { trainHead } from '../heads/index.js';
import type { EpochRecord, TrainHeadOptions } from '../heads/index.js';
import { writeReport } from '../report/index.js';
import { backboneAsOnnx, copyBackboneFolder, extractFeatures, getModelCard, installBackbone, loadBackbone } from '../zoo/index.js';
import type { Backbone, ExtractFeaturesResult, InstalledBackbone, ModelCard } from '../zoo/index.js';
import { renderModelCardText } from './model-card-text.js';
import { MODEL_FORMAT_VERSION } from './model-manifest.js';
import type { ModelManifest } from './model-manifest.js';
import { openFeatureCache, resolveHome } from './shared-options.js';
import type { WorkflowOptions } from './shared-options.js';
import { MANIFEST_FILE } from './transfer-model.js';

/** The train options that only fine-tuning reads (see TrainOptions). */
export interface FineTuneTrainOptions {
  unfreeze?: number | string;
  resume?: boolean;
  augment?: boolean | AugmentOptions;
  schedule?: FineTuneSchedule;
  fineTuneEpochs?: number;
  fineTuneLearningRate?: number;
  lrMult?: number;
  l2sp?: number;
  batchNorm?: BatchNormMode;
}

export const FINE_TUNE_TRAIN_KEYS = ['unfreeze', 'resume', 'augment', 'schedule', 'fineTuneEpochs', 'fineTuneLearningRate', 'lrMult', 'l2sp', 'batchNorm'];

/** Blocks unfrozen when `unfreeze` is not given. */
export const DEFAULT_UNFREEZE = 2;
/** The checkpoint folder inside the output folder; removed once the run completes. */
export const CHECKPOINT_FOLDER = 'checkpoint';

/** What train() hands over: the data already listed and split, and the head options the user set. */
export interface FineTuneJob {
  options: WorkflowOptions & FineTuneTrainOptions & { data: string; out: string; val?: string; backbone: string; cut?: string; pooling?: 'avg' | 'max' | 'flatten'; report?: boolean };
  all: ImageDataset;
  parts: { train: ImageDataset; val: ImageDataset; test: ImageDataset };
  trainCounts: Record<string, number>;
  headOptions: Omit<TrainHeadOptions, 'kind' | 'val' | 'engine' | 'callbacks' | 'signal' | 'onProgress'>;
  seed: number;
  warnings: string[];
}

export interface FineTuneTrainResult {
  manifest: ModelManifest;
  metrics: { val?: ClassificationMetrics; test?: ClassificationMetrics };
  skipped: SkippedFile[];
  extraction: { extracted: number; cached: number; durationMs: number };
  wroteReport: boolean;
}

async function metricsOf(predict: (x: Float32Array, n: number) => Promise<Float32Array>, set: FeatureSet): Promise<ClassificationMetrics | undefined> {
  if (set.labels.length === 0) return undefined;
  return computeMetrics(set.labels, argmaxRows(await predict(set.values, set.labels.length), set.classes.length), set.classes);
}

/** Feature extraction on the same split: the frozen backbone at the cut and a linear head, as strategy 'features' trains it. */
async function featureExtractionBaseline(job: FineTuneJob, engine: Engine, cut: string, pooling: 'avg' | 'max' | 'flatten', items: FeatureSet[]) {
  const { options } = job;
  const backbone = await loadBackbone(options.backbone, { cut, pooling, engine, home: resolveHome(options) });
  const cache = openFeatureCache(options);
  try {
    const combined = { classes: job.all.classes, items: items.flatMap((s) => s.files.map((f, i) => ({ path: f, label: job.all.classes[s.labels[i] ?? 0] as string }))) };
    const { features } = await extractFeatures(backbone, combined, { cache, signal: options.signal });
    const [train, val, test] = items.map((s) => selectFeatureRows(features, s.files)) as [FeatureSet, FeatureSet, FeatureSet];
    const trained = await trainHead(train, { ...job.headOptions, kind: 'linear', seed: job.seed, val: val.labels.length > 0 ? val : undefined, engine: backbone.engine });
    try {
      const predict = (x: Float32Array, n: number) => trained.head.predict(x, n);
      return { val: await metricsOf(predict, val), test: await metricsOf(predict, test) };
    } finally {
      trained.head.dispose();
    }
  } finally {
    cache?.close();
    backbone.dispose();
  }
}

/**
 * Where the top's layers come from: a Keras backbone's own layers from the boundary to the cut; for an ONNX (or
 * converted TFLite) backbone, its graph from the boundary to the pooled cut rebuilt as Layers, fed the ONNX trunk's
 * NCHW activations.
 */
async function topModel(files: ModelFiles, split: TopSplit, cut: string, pooling: Pooling): Promise<Pick<TopSpec, 'model' | 'input' | 'output' | 'groups' | 'inputLayout'>> {
  if (files.format === 'tfjs-layers') return { model: files, input: split.boundary, output: cut, groups: split.groups };
  const { model, features } = await backboneAsOnnx(files, cut, pooling);
  return { ...onnxTop(model, split, features, files.path), inputLayout: 'nchw' };
}

/** What building a top needs: the backbone, where to split it, and the run's shared options. */
export interface PrepareTopOptions extends WorkflowOptions {
  backbone: string;
  cut?: string;
  pooling?: Pooling;
  unfreeze?: number | string;
  batchNorm?: BatchNormMode;
}

/** A backbone split for fine-tuning: the trunk loaded at the boundary, its activations of every image, the top. */
export interface PreparedTop {
  installed: InstalledBackbone;
  card: ModelCard;
  cut: string;
  pooling: Pooling;
  unfreeze: number | string;
  split: TopSplit;
  engine: Engine;
  trunk: Backbone;
  top: TrainableTop;
  /** Boundary activations (flattened, in the trunk's layout) of the train, val and test images. */
  sets: { train: FeatureSet; val: FeatureSet; test: FeatureSet };
  extraction: ExtractFeaturesResult;
  /** Disposes the top, the trunk and (when it made it) the engine. */
  dispose(): Promise<void>;
}

/**
 * Splits the backbone at the freeze boundary of `unfreeze`, runs the frozen trunk (onnxruntime; a Keras backbone
 * through its ONNX twin) once over every image of `parts` with the feature cache, and builds the trainable top and a
 * new linear head in tfjs: the part shared by fine-tuning and the learning-rate finder.
 */
export async function prepareTop(options: PrepareTopOptions, classes: string[], parts: { train: ImageDataset; val: ImageDataset; test: ImageDataset }, seed: number): Promise<PreparedTop> {
  const home = resolveHome(options);
  const installed = await installBackbone(options.backbone, { home, onProgress: options.onProgress });
  const card = await getModelCard(options.backbone, { home }).catch(() => installed.card);
  const blocks = card.blocks ?? installed.card.blocks;
  if (!blocks || installed.files.format === 'tfjs-graph') {
    throw invalidOption(
      `Backbone '${options.backbone}' cannot be fine-tuned yet: ${blocks ? "it is a TF.js graph model, whose top headstart cannot rebuild as trainable layers" : 'its card lists no blocks'}. ` +
        "Fine-tune a backbone whose card lists blocks, such as 'mobilenet-v2-imagenet' or 'mobilenet-v2', or use --strategy features.",
    );
  }
  const cut = options.cut ?? card.defaultCut;
  const pooling = options.pooling ?? card.defaultPooling;
  const unfreeze = options.unfreeze ?? DEFAULT_UNFREEZE;
  const ownsEngine = options.engine === undefined;
  const engine = options.engine ?? createEngine();
  const cache = openFeatureCache(options);
  let trunk: Backbone | undefined;
  try {
    const layers = (await engine.listLayers(installed.files)).map((l) => l.name);
    const split = splitAtBlocks(layers, blocks, cut, unfreeze);
    trunk = await loadBackbone(installed, { cut: split.boundary, pooling: 'flatten', engine, onProgress: options.onProgress });
    const combined = { classes, items: [...parts.train.items, ...parts.val.items, ...parts.test.items] };
    const extraction = await extractFeatures(trunk, combined, { cache, onBadFile: options.onBadFile ?? 'skip', signal: options.signal, onProgress: options.onProgress });
    const subset = (ds: ImageDataset): FeatureSet => selectFeatureRows(extraction.features, ds.items.map((it) => it.path));
    const top = await trunk.engine.createTop({
      ...(await topModel(installed.files, split, cut, pooling)),
      pooling,
      head: { classes: classes.length, hidden: [], dropout: 0, l2: 0, seed },
      batchNorm: options.batchNorm ?? FINE_TUNE_DEFAULTS.batchNorm,
    });
    const loadedTrunk = trunk;
    return {
      installed, card, cut, pooling, unfreeze, split, engine, trunk, top, extraction,
      sets: { train: subset(parts.train), val: subset(parts.val), test: subset(parts.test) },
      async dispose() {
        top.dispose();
        loadedTrunk.dispose();
        if (ownsEngine) await engine.dispose();
      },
    };
  } catch (err) {
    trunk?.dispose();
    if (ownsEngine) await engine.dispose();
    throw err;
  } finally {
    cache?.close();
  }
}

/**
 * strategy 'finetune': splits the backbone at the freeze boundary; the frozen trunk runs in the engine (onnxruntime
 * for Keras backbones, through their ONNX twin) once per image, or once per epoch with augmentation, its activations
 * cached; the top blocks and the head train in tfjs. Writes the model directory with the top inside head/top.
 */
export async function trainFineTuned(job: FineTuneJob): Promise<FineTuneTrainResult> {
  const { options, all, parts, seed, warnings } = job;
  const augment = options.augment ? resolveAugmentOptions(options.augment === true ? {} : options.augment) : undefined;
  const checkpointDir = path.join(options.out, CHECKPOINT_FOLDER);
  // The checkpoint lives in --out before the model does: the marker lets a resumed or repeated run reuse the folder.
  await markOutputFolder(options.out, 'model');
  const prepared = await prepareTop(options, all.classes, parts, seed);
  const { installed, card, cut, pooling, unfreeze, split, engine, trunk, top, extraction } = prepared;
  const { train: trainSet, val: valSet, test: testSet } = prepared.sets;
  try {
    const splitKey = sha256(JSON.stringify([parts.train.items, parts.val.items].map((p) => p.map((i) => i.path))));
    const tuned = await fineTune(
      top,
      {
        train: trainSet,
        ...(valSet.labels.length > 0 ? { val: valSet } : {}),
        ...(augment ? { augmentedTrain: (epoch: number) => augmentedActivations(trunk, trainSet, epoch, { augment, seed, signal: options.signal }) } : {}),
      },
      {
        ...(options.schedule ? { schedule: options.schedule } : {}),
        ...(options.fineTuneEpochs ? { epochs: options.fineTuneEpochs } : {}),
        ...(options.fineTuneLearningRate ? { learningRate: options.fineTuneLearningRate } : {}),
        ...(options.lrMult ? { lrMult: options.lrMult } : {}),
        ...(options.l2sp !== undefined ? { l2sp: options.l2sp } : {}),
        ...(options.batchNorm ? { batchNorm: options.batchNorm } : {}),
        ...(job.headOptions.labelSmoothing !== undefined ? { labelSmoothing: job.headOptions.labelSmoothing } : {}),
        head: job.headOptions,
        seed,
        checkpointDir,
        resume: options.resume ?? false,
        resumeKey: { data: path.resolve(options.data), backbone: options.backbone, weights: installed.weightsSha256, cut, pooling, boundary: split.boundary, augment: augment ?? false, split: splitKey },
        engine,
        signal: options.signal,
        onProgress: options.onProgress,
      },
    );
    const predict = (x: Float32Array, n: number) => top.predict(x, n);
    const metrics = { val: await metricsOf(predict, valSet), test: await metricsOf(predict, testSet) };
    const baseline = tuned.interrupted ? undefined : await featureExtractionBaseline(job, engine, cut, pooling, [trainSet, valSet, testSet]);

    // One history for the curves: the head phase's epochs, then the unfrozen ones after them.
    const offset = tuned.headHistory.length;
    const history: EpochRecord[] = [...tuned.headHistory, ...tuned.history.map((r) => ({ ...r, epoch: r.epoch + offset }))];
    const phases = [
      { name: 'head (frozen network)', firstEpoch: 1, lastEpoch: offset },
      ...tuned.phases.filter((p) => p.firstEpoch <= tuned.history.length).map((p) => ({ name: p.name, firstEpoch: p.firstEpoch + offset, lastEpoch: Math.min(p.lastEpoch, tuned.history.length) + offset, learningRates: p.learningRates })),
    ];
    const manifest: ModelManifest = {
      formatVersion: MODEL_FORMAT_VERSION,
      createdAt: new Date().toISOString(),
      labels: all.classes,
      backbone: { id: card.id, weightsSha256: installed.weightsSha256, cut: split.boundary, pooling: 'flatten', location: card.origin === 'bundled' ? 'zoo' : 'included' },
      input: trunk.input,
      head: { kind: 'linear', options: { ...job.headOptions } },
      training: {
        data: path.resolve(options.data),
        val: options.val ? path.resolve(options.val) : 'split from the training data',
        counts: { train: trainSet.labels.length, val: valSet.labels.length, test: testSet.labels.length },
        perClass: job.trainCounts,
        seed,
        history,
        ...(tuned.stoppedReason ? { stoppedReason: tuned.stoppedReason } : {}),
        durationMs: { extract: extraction.durationMs, head: tuned.durationMs },
      },
      metrics,
      fineTune: {
        cut,
        pooling,
        boundary: split.boundary,
        unfreeze,
        groups: split.groups.map((g) => g.name),
        schedule: options.schedule ?? FINE_TUNE_DEFAULTS.schedule,
        batchNorm: options.batchNorm ?? FINE_TUNE_DEFAULTS.batchNorm,
        augment: augment ?? false,
        phases,
        bestEpoch: tuned.bestEpoch + offset,
        ...(baseline ? { featureExtraction: baseline } : {}),
      },
    };
    const skipped = [...all.skipped, ...extraction.skipped];
    const reportMetrics = metrics.test ?? metrics.val;
    const wroteReport = options.report !== false && reportMetrics !== undefined;
    const head = wrapTopHead(top);
    const baseFacts = baseline ? comparisonFacts(baseline, metrics) : {};
    await writeDirAtomic(options.out, async (dir) => {
      await fs.writeFile(path.join(dir, MANIFEST_FILE), JSON.stringify(manifest, null, 2));
      await head.save(path.join(dir, 'head'));
      // An interrupted run keeps its checkpoint beside the best model so far, so --resume can continue it.
      if (tuned.interrupted) await fs.cp(checkpointDir, path.join(dir, CHECKPOINT_FOLDER), { recursive: true });
      if (manifest.backbone.location === 'included') await copyBackboneFolder(installed, path.join(dir, 'backbone'));
      await fs.writeFile(path.join(dir, 'card.md'), renderModelCardText(manifest, card));
      if (wroteReport && reportMetrics) {
        await writeReport(dir, {
          title: `Fine-tuning report: top ${split.groups.length} block group(s) of ${card.id}`,
          metrics: reportMetrics,
          classes: all.classes,
          history,
          phases,
          facts: {
            data: manifest.training.data,
            'evaluated on': metrics.test ? `test split (${testSet.labels.length} images)` : `validation (${valSet.labels.length} images)`,
            backbone: `${card.id}: frozen trunk up to ${split.boundary} (${trunk.engine.name}), trained top ${split.groups.map((g) => g.name).join(', ')} up to ${cut} (${pooling} pooling), linear head`,
            schedule: `${manifest.fineTune?.schedule}; BatchNorm ${manifest.fineTune?.batchNorm}; augmentation ${augment ? 'on' : 'off'}`,
            'best epoch': `${manifest.fineTune?.bestEpoch} (${tuned.bestEpoch === 0 ? 'the head phase: unfreezing did not lower the validation loss' : `unfrozen epoch ${tuned.bestEpoch}`})`,
            ...baseFacts,
            'trunk time (s)': (extraction.durationMs / 1000).toFixed(1),
            'fine-tuning time (s)': (tuned.durationMs / 1000).toFixed(1),
          },
          skipped,
          warnings,
        });
      }
    }, { marker: 'model' });
    if (!tuned.interrupted) await fs.rm(checkpointDir, { recursive: true, force: true });
    if (tuned.interrupted) {
      throw new HeadstartError(
        'HS_ABORTED',
        `Fine-tuning was stopped: ${tuned.stoppedReason}. The best model so far is in ${path.resolve(options.out)}; continue the run with resume (--resume).`,
      );
    }
    return { manifest, metrics, skipped, extraction: { extracted: extraction.extracted, cached: extraction.cached, durationMs: extraction.durationMs }, wroteReport };
  } finally {
    await prepared.dispose();
  }
}

function comparisonFacts(
  baseline: { val?: ClassificationMetrics; test?: ClassificationMetrics },
  tuned: { val?: ClassificationMetrics; test?: ClassificationMetrics },
): Record<string, string> {
  const pct = (m?: ClassificationMetrics) => (m ? `${(m.accuracy * 100).toFixed(1)}% (${Math.round(m.accuracy * m.n)} of ${m.n})` : 'n/a');
  const part = tuned.test ? 'test' : 'val';
  return {
    [`feature extraction, ${part} accuracy`]: pct(baseline[part]),
    [`fine-tuned, ${part} accuracy`]: pct(tuned[part]),
  };
}
