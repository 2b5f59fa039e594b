import path from 'node:path';
import { createRng, invalidChoice, invalidOption, markOutputFolder, rejectUnknownKeys, shuffleInPlace } from '../core/index.js';
import { decodeImageSet, loadImageDataset, selectFeatureRows, writeManifest } from '../data/index.js';
import type { FeatureSet, LabeledItem, SkippedFile } from '../data/index.js';
import { createEngine } from '../engines/index.js';
import { probabilityAccuracy, trainHead } from '../heads/index.js';
import { extractFeatures, getModelCard, loadBackbone } from '../zoo/index.js';
import type { Backbone } from '../zoo/index.js';
import { evaluateModel } from './evaluate-model.js';
import { learningCurveReport, runLearningCurve, writeLearningCurveReport } from './learning-curve.js';
import type { CurvePoint, CurveRun } from './learning-curve.js';
import { scratchEpochsFor, scratchInputSpec, trainScratchModel } from './pretrain.js';
import { openFeatureCache, prepareOutputFolder, resolveHome, WORKFLOW_OPTION_KEYS } from './shared-options.js';
import type { OutputFolderOptions, WorkflowOptions } from './shared-options.js';
import { TRAIN_DEFAULTS, train } from './train.js';

/**
 * 'frozen + head': a linear head on the frozen backbone's features; 'fine-tuned': the head, then the backbone's top
 * blocks (train --strategy finetune); 'scratch': a small CNN trained from random weights on the same examples.
 */
export type CompareStrategy = 'frozen + head' | 'fine-tuned' | 'scratch';
export const COMPARE_STRATEGIES: readonly CompareStrategy[] = ['frozen + head', 'fine-tuned', 'scratch'];

export interface CompareOptions extends WorkflowOptions, OutputFolderOptions {
  /** Labelled images: a folder with one sub-folder per class, or a manifest. */
  data: string;
  /** @default TRAIN_DEFAULTS.backbone */
  backbone?: string;
  /** Labelled examples per class, one curve point each; 0 means all of the training pool. @default [1, 2, 5, 10, 20, 0] */
  shots?: number[];
  /** @default [1, 2, 3] */
  seeds?: number[];
  /** Share of each class held out as the fixed test set. @default 0.25 */
  testFraction?: number;
  /** @default 'frozen + head' and 'scratch', plus 'fine-tuned' when the backbone's card lists blocks */
  strategies?: CompareStrategy[];
  /** Input side of the from-scratch CNN. @default 32 */
  scratchSize?: number;
  /** Folder for results.json (kept across calls: a killed compare resumes), report.html and the run models. @default 'headstart-reports/compare-<name of data>' */
  out?: string;
}

export interface CompareResult {
  data: string;
  backbone: string;
  classes: string[];
  testImages: number;
  runs: CurveRun<CompareStrategy>[];
  summary: CurvePoint<CompareStrategy>[];
  /** Per point: the best strategy, negative transfer (below scratch on every seed) and overfitting. */
  verdict: string[];
  resumedRuns: number;
  reportPath: string;
  resultsPath: string;
  skipped: SkippedFile[];
  durationMs: number;
}

export const COMPARE_DEFAULTS = { shots: [1, 2, 5, 10, 20, 0], seeds: [1, 2, 3], testFraction: 0.25, scratchSize: 32 };
const KNOWN_OPTIONS = [...WORKFLOW_OPTION_KEYS, ...Object.keys(COMPARE_DEFAULTS), 'data', 'backbone', 'strategies', 'out', 'force'];



/**
 * The experiment every transfer claim needs, on the user's own data: learning curves of test accuracy against
 * labelled examples per class for transfer (frozen features, fine-tuning) and for training from scratch, several
 * seeds each, with the time each run took. Flags negative transfer and overfitting. Resumable.
 */
export async function compareStrategies(options: CompareOptions): Promise<CompareResult> {
  rejectUnknownKeys('compareStrategies', options, KNOWN_OPTIONS);
  if (!options.data) throw invalidOption('compare needs data: an image folder or a manifest.');
  const o = { ...COMPARE_DEFAULTS, ...Object.fromEntries(Object.entries(options).filter(([k, v]) => k in COMPARE_DEFAULTS && v !== undefined)) };
  if (!(o.testFraction > 0 && o.testFraction < 1)) throw invalidOption(`Expected testFraction between 0 and 1. Received: ${String(o.testFraction)}.`);
  if (o.shots.length === 0 || !o.shots.every((k) => Number.isInteger(k) && k >= 0)) throw invalidOption(`Expected shots to be integers of at least 0 (0: all). Received: ${JSON.stringify(o.shots)}.`);
  const started = performance.now();
  const home = resolveHome(options);
  const backboneId = options.backbone ?? TRAIN_DEFAULTS.backbone;
  const card = await getModelCard(backboneId, { home });
  const strategies = options.strategies ?? COMPARE_STRATEGIES.filter((s) => s !== 'fine-tuned' || card.blocks !== undefined);
  for (const s of strategies) if (!COMPARE_STRATEGIES.includes(s)) throw invalidChoice('strategies', s, COMPARE_STRATEGIES);
  const out = await prepareOutputFolder(options.out ?? path.join('headstart-reports', `compare-${path.basename(path.resolve(options.data))}`), 'work-folder', [options.data], options.force);
  await markOutputFolder(out, 'work-folder');
  const dataset = await loadImageDataset(options.data, { onBadFile: options.onBadFile ?? 'skip' });

  // A fixed test set per class; every run draws its k examples per class from the rest (the pool).
  const byClass = dataset.classes.map((c) => shuffleInPlace(dataset.items.filter((i) => i.label === c), createRng(0)));
  const test = byClass.flatMap((items) => items.slice(0, Math.max(1, Math.round(items.length * o.testFraction))));
  const pool = byClass.map((items) => items.slice(Math.max(1, Math.round(items.length * o.testFraction))));
  const all = Math.min(...pool.map((p) => p.length));
  const shots = [...new Set(o.shots.map((k) => (k === 0 || k > all ? all : k)))].sort((a, b) => a - b);
  const trainFor = (k: number, seed: number) => pool.flatMap((items) => shuffleInPlace([...items], createRng(seed)).slice(0, k));

  const ownsEngine = options.engine === undefined;
  const engine = options.engine ?? createEngine();
  const cache = openFeatureCache(options);
  const common = { home, engine, signal: options.signal, onProgress: options.onProgress };
  let backbone: Backbone | undefined;
  const skipped: SkippedFile[] = [...dataset.skipped];
  try {
    backbone = await loadBackbone(backboneId, { home, engine, onProgress: options.onProgress });
    const extraction = await extractFeatures(backbone, { classes: dataset.classes, items: [...test, ...pool.flat()] }, { cache, signal: options.signal, onProgress: options.onProgress });
    skipped.push(...extraction.skipped);
    const good = new Set(extraction.features.files);
    const usable = (items: LabeledItem[]) => items.filter((i) => good.has(i.path));
    const testFeatures = selectFeatureRows(extraction.features, usable(test).map((i) => i.path));
    const testManifest = await writeManifest(path.join(out, 'test.jsonl'), usable(test));
    let pixels: FeatureSet | undefined;
    const pixelRows = async (items: LabeledItem[]) => {
      pixels ??= (await decodeImageSet({ classes: dataset.classes, items: usable([...test, ...pool.flat()]) }, scratchInputSpec(o.scratchSize), { signal: options.signal })).set;
      return selectFeatureRows(pixels, usable(items).map((i) => i.path));
    };

    const config = { data: path.resolve(options.data), backbone: backboneId, weights: backbone.weightsSha256, cut: backbone.cut, shots, seeds: o.seeds, testFraction: o.testFraction, scratchSize: o.scratchSize, strategies };
    const curve = await runLearningCurve({
      dir: out,
      config,
      shots,
      seeds: o.seeds,
      methods: strategies,
      baseline: 'scratch',
      signal: options.signal,
      onProgress: options.onProgress,
      run: async ({ shots: k, seed, method }) => {
        const items = usable(trainFor(k, seed));
        if (method === 'frozen + head') {
          const trainSet = selectFeatureRows(extraction.features, items.map((i) => i.path));
          const { head } = await trainHead(trainSet, { kind: 'linear', seed, engine });
          try {
            return {
              accuracy: probabilityAccuracy(await head.predict(testFeatures.values, testFeatures.labels.length), testFeatures.labels, testFeatures.classes.length),
              trainAccuracy: probabilityAccuracy(await head.predict(trainSet.values, trainSet.labels.length), trainSet.labels, trainSet.classes.length),
              trainRows: trainSet.labels.length,
              testRows: testFeatures.labels.length,
            };
          } finally {
            head.dispose();
          }
        }
        if (method === 'scratch') {
          const [trainSet, testSet] = [await pixelRows(items), await pixelRows(test)];
          const model = await trainScratchModel({ train: trainSet }, { engine, seed, size: o.scratchSize, epochs: scratchEpochsFor(trainSet.labels.length), signal: options.signal });
          try {
            return {
              accuracy: probabilityAccuracy(await model.top.predict(testSet.values, testSet.labels.length), testSet.labels, testSet.classes.length),
              trainAccuracy: probabilityAccuracy(await model.top.predict(trainSet.values, trainSet.labels.length), trainSet.labels, trainSet.classes.length),
              trainRows: trainSet.labels.length,
              testRows: testSet.labels.length,
            };
          } finally {
            model.top.dispose();
          }
        }
        const modelDir = path.join(out, 'runs', `k${k}-seed${seed}-fine-tuned`);
        const trainManifest = await writeManifest(path.join(out, 'runs', `k${k}-seed${seed}.jsonl`), items);
        await train({ ...common, data: trainManifest, out: modelDir, backbone: backboneId, strategy: 'finetune', perClass: { train: k }, seed, report: false });
        const score = async (data: string, name: string) => (await evaluateModel({ ...common, model: modelDir, data, reportDir: path.join(modelDir, name) })).metrics.accuracy;
        return { accuracy: await score(testManifest, 'test'), trainAccuracy: await score(trainManifest, 'train'), trainRows: items.length, testRows: usable(test).length };
      },
    });
    const reportPath = await writeLearningCurveReport(
      out,
      learningCurveReport(curve, strategies, {
        title: `Transfer or scratch? ${path.basename(path.resolve(options.data))} with ${backboneId}`,
        subtitle: `Test accuracy on ${testFeatures.labels.length} fixed held-out images against labelled examples per class, ${o.seeds.length} seed(s) per point.`,
        facts: {
          data: path.resolve(options.data),
          backbone: `${backboneId} cut at ${backbone.cut} (${backbone.pooling} pooling)`,
          'from scratch': `small CNN on ${o.scratchSize}x${o.scratchSize} pixels`,
          'runs resumed from an earlier call': curve.resumedRuns,
        },
      }),
      { config, runs: curve.runs, summary: curve.summary, verdict: curve.verdict },
    );
    return {
      data: path.resolve(options.data),
      backbone: backboneId,
      classes: dataset.classes,
      testImages: testFeatures.labels.length,
      runs: curve.runs,
      summary: curve.summary,
      verdict: curve.verdict,
      resumedRuns: curve.resumedRuns,
      reportPath,
      resultsPath: curve.resultsPath,
      skipped,
      durationMs: performance.now() - started,
    };
  } finally {
    backbone?.dispose();
    cache?.close();
    if (ownsEngine) await engine.dispose();
  }
}
