import { promises as fs } from 'node:fs';
import path from 'node:path';
import { createRng, invalidOption, markOutputFolder, rejectUnknownKeys, shuffleInPlace } from '../core/index.js';
import { MNIST_CREDIT, decodeImageSet, loadImageDataset, writeManifest, writeMnistImages } from '../data/index.js';
import type { FeatureSet, ImageDataset } from '../data/index.js';
import { createEngine } from '../engines/index.js';
import type { TrainableTop } from '../engines/index.js';
import { synthDigits } from '../synth/index.js';
import { getModelCard, loadSourceModel } from '../zoo/index.js';
import type { SourceTraining } from '../zoo/index.js';
import { fineTune } from '../finetune/index.js';
import { probabilityAccuracy } from '../heads/index.js';
import { evaluateModel } from './evaluate-model.js';
import { learningCurveReport, runLearningCurve, writeLearningCurveReport } from './learning-curve.js';
import type { CurvePoint, CurveRun } from './learning-curve.js';
import { SCRATCH_DEFAULTS, pretrain, scratchEpochsFor, scratchInputSpec, trainScratchModel } from './pretrain.js';
import { prepareOutputFolder, resolveHome, WORKFLOW_OPTION_KEYS } from './shared-options.js';
import type { OutputFolderOptions, WorkflowOptions } from './shared-options.js';
import { train } from './train.js';

/**
 * How the k labelled real digits per class are used: 'frozen + head' trains a new head on the source model's
 * features, 'fine-tuned' also trains its top blocks (train --strategy finetune: a new head first), 'fine-tuned, own
 * head' fine-tunes the whole source model starting from its own classifier, 'scratch' trains the same architecture
 * from random weights, and 'zero-shot' uses none of them: the source model classifies the real digits as it is.
 */
export type Sim2RealMethod = 'frozen + head' | 'fine-tuned' | 'fine-tuned, own head' | 'scratch' | 'zero-shot';
export const SIM2REAL_METHODS: readonly Sim2RealMethod[] = ['frozen + head', 'fine-tuned', 'fine-tuned, own head', 'scratch', 'zero-shot'];

export interface Sim2RealOptions extends WorkflowOptions, OutputFolderOptions {
  /** Work folder: the generated data, the per-run models, results.json and report.html. @default '<home>/demo-sim2real' */
  out?: string;
  /** Synthetic source digits per class. @default 500 */
  sourcePerClass?: number;
  /** Labelled real digits per class, one learning-curve point each. @default [1, 5, 10, 50] */
  shots?: number[];
  /** One run per seed for every point; the spread over seeds is reported. @default [1, 2, 3] */
  seeds?: number[];
  /** Real test digits per class, the same for every run. @default 100 */
  testPerClass?: number;
  /** Blocks the fine-tuned runs train (of the source model's 3). @default 2 */
  unfreeze?: number;
  /** Maximum epochs of the source model. @default 15 */
  sourceEpochs?: number;
}

export type Sim2RealRun = CurveRun<Sim2RealMethod>;

export interface Sim2RealResult {
  /** The zoo id of the synthetic-digit source model and how it measured against its baselines. */
  source: { id: string; testAccuracy: SourceTraining['testAccuracy']; baselineCheck: string };
  runs: Sim2RealRun[];
  /** Mean, min and max accuracy over seeds for every shots x method. */
  summary: CurvePoint<Sim2RealMethod>[];
  verdict: string[];
  /** Runs taken from an earlier, interrupted call instead of being computed again. */
  resumedRuns: number;
  reportPath: string;
  resultsPath: string;
  durationMs: number;
}

export const SIM2REAL_DEFAULTS = { sourcePerClass: 500, shots: [1, 5, 10, 50], seeds: [1, 2, 3], testPerClass: 100, unfreeze: 2, sourceEpochs: 15 };
const KNOWN_OPTIONS = [...WORKFLOW_OPTION_KEYS, 'out', 'force', ...Object.keys(SIM2REAL_DEFAULTS)];
const SOURCE_ID = 'sim2real-digits';
const SYNTH_SEED = 42;

async function readJson<T>(file: string): Promise<T | undefined> {
  return fs.readFile(file, 'utf8').then((text) => JSON.parse(text) as T, () => undefined);
}


/** Fixed real test digits, and k training digits per class for a seed drawn from the rest. */
function realParts(mnist: ImageDataset, testPerClass: number) {
  const byClass = mnist.classes.map((c) => shuffleInPlace(mnist.items.filter((i) => i.label === c), createRng(0)));
  const test = byClass.flatMap((items) => items.slice(0, testPerClass));
  const pool = byClass.map((items) => items.slice(testPerClass));
  const trainFor = (shots: number, seed: number) => pool.flatMap((items) => shuffleInPlace([...items], createRng(seed)).slice(0, shots));
  return { test, trainFor };
}

/**
 * The develop-a-model approach end to end, simulated to real: renders synthetic digits, trains and publishes a
 * source model on them, then learns real handwritten MNIST digits from k labelled examples per class three ways
 * (the source model frozen with a new head, fine-tuned, and the same network from scratch), over several seeds, on
 * one fixed real test set. Resumable: finished runs are kept in results.json and skipped when called again.
 */
export async function demoSim2Real(options: Sim2RealOptions = {}): Promise<Sim2RealResult> {
  rejectUnknownKeys('demoSim2Real', options, KNOWN_OPTIONS);
  const o = { ...SIM2REAL_DEFAULTS, ...Object.fromEntries(Object.entries(options).filter(([k, v]) => k in SIM2REAL_DEFAULTS && v !== undefined)) };
  if (o.shots.length === 0 || !o.shots.every((k) => Number.isInteger(k) && k > 0)) throw invalidOption(`Expected shots to be positive integers. Received: ${JSON.stringify(o.shots)}.`);
  if (o.seeds.length === 0 || !o.seeds.every(Number.isInteger)) throw invalidOption(`Expected seeds to be integers. Received: ${JSON.stringify(o.seeds)}.`);
  const started = performance.now();
  const home = resolveHome(options);
  const work = await prepareOutputFolder(options.out ?? path.join(home, 'demo-sim2real'), 'work-folder', [], options.force);
  await markOutputFolder(work, 'work-folder');
  const common = { home, signal: options.signal, onProgress: options.onProgress };
  const ownsEngine = options.engine === undefined;
  const engine = options.engine ?? createEngine();
  try {
    // 1. A simulated source domain with plenty of labels, generated again only when its settings changed.
    const synthetic = path.join(work, 'synthetic-digits');
    const synthRecord = await readJson<{ seed: number; perClass: number }>(path.join(synthetic, 'SYNTH.json'));
    if (synthRecord?.seed !== SYNTH_SEED || synthRecord.perClass !== o.sourcePerClass) {
      await synthDigits({ out: synthetic, perClass: o.sourcePerClass, seed: SYNTH_SEED, signal: options.signal, onProgress: options.onProgress });
    }
    // 2. The source model, checked against naive baselines and published to the zoo (kept when it is up to date).
    const card = await getModelCard(SOURCE_ID, { home }).catch(() => undefined);
    let source = card?.sourceTraining;
    // pretrain keeps the whole source model (network and head) here, for zero-shot and fine-tuning from its own head.
    const sourceModelDir = path.join(home, 'pretrain', SOURCE_ID, 'model');
    if (source?.data !== synthetic || source.epochs > o.sourceEpochs || !(await fs.stat(path.join(sourceModelDir, 'source.json')).catch(() => undefined))) {
      const trained = await pretrain({ ...common, engine, data: synthetic, out: SOURCE_ID, epochs: o.sourceEpochs, force: true });
      source = (await getModelCard(SOURCE_ID, { home })).sourceTraining;
      if (!source) throw new Error(`pretrain published ${trained.id} without its source-training record`);
    }
    // 3. The real target domain: MNIST, a fixed test set, and k labelled digits per class per seed.
    const real = path.join(work, 'mnist');
    if (!(await fs.stat(path.join(real, 'SOURCE.txt')).catch(() => undefined))) await writeMnistImages({ out: real, signal: options.signal, onProgress: options.onProgress });
    const parts = realParts(await loadImageDataset(real), o.testPerClass);
    const testManifest = await writeManifest(path.join(work, 'real-test.jsonl'), parts.test);
    const classes = (await loadImageDataset(real)).classes;
    const scratchSpec = scratchInputSpec(SCRATCH_DEFAULTS.size);
    let testPixels: FeatureSet | undefined;
    let zeroShot: Promise<number> | undefined;

    const config = { ...o, source: SOURCE_ID };
    const curve = await runLearningCurve({
      dir: work,
      config,
      shots: o.shots,
      seeds: o.seeds,
      methods: SIM2REAL_METHODS,
      baseline: 'scratch',
      signal: options.signal,
      onProgress: options.onProgress,
      run: async ({ shots, seed, method }) => {
        const items = parts.trainFor(shots, seed);
        const runDir = path.join(work, 'runs', `k${shots}-seed${seed}`);
        const test = (testPixels ??= (await decodeImageSet({ items: parts.test, classes }, scratchSpec, { signal: options.signal })).set);
        const scoreOnTest = async (model: TrainableTop) => probabilityAccuracy(await model.predict(test.values, test.labels.length), test.labels, classes.length);
        if (method === 'zero-shot') {
          // The same for every k and seed: computed once, repeated so every point of the curve has it.
          zeroShot ??= (async () => {
            const model = await loadSourceModel(sourceModelDir, engine);
            try {
              return await scoreOnTest(model);
            } finally {
              model.dispose();
            }
          })();
          return zeroShot;
        }
        if (method === 'scratch' || method === 'fine-tuned, own head') {
          // Both read pixels: a CNN from random weights, or the whole source model fine-tuned from its own head.
          const { set: trainPixels } = await decodeImageSet({ items, classes }, scratchSpec, { signal: options.signal });
          const model = method === 'scratch'
            ? (await trainScratchModel({ train: trainPixels }, { engine, seed, epochs: scratchEpochsFor(trainPixels.labels.length), signal: options.signal })).top
            : await loadSourceModel(sourceModelDir, engine);
          try {
            if (method === 'fine-tuned, own head') await fineTune(model, { train: trainPixels }, { headStart: 'keep', seed, engine, signal: options.signal });
            return await scoreOnTest(model);
          } finally {
            model.dispose();
          }
        }
        const modelDir = path.join(runDir, method === 'fine-tuned' ? 'fine-tuned' : 'frozen');
        await train({
          ...common,
          engine,
          data: await writeManifest(path.join(runDir, 'train.jsonl'), items),
          out: modelDir,
          backbone: SOURCE_ID,
          perClass: { train: shots },
          seed,
          report: false,
          ...(method === 'fine-tuned' ? { strategy: 'finetune' as const, unfreeze: o.unfreeze } : {}),
        });
        return (await evaluateModel({ ...common, engine, model: modelDir, data: testManifest, reportDir: path.join(modelDir, 'real-test') })).metrics.accuracy;
      },
    });
    const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
    const sourceSummary = { id: SOURCE_ID, testAccuracy: source.testAccuracy, baselineCheck: source.baselineCheck };
    const reportPath = await writeLearningCurveReport(
      work,
      learningCurveReport(curve, SIM2REAL_METHODS, {
        title: 'Simulated to real: synthetic digits to handwritten MNIST',
        subtitle: `Source model ${SOURCE_ID} trained on ${o.sourcePerClass * 10} rendered digits; accuracy on ${parts.test.length} real digits, ${o.seeds.length} seed(s) per point.`,
        tables: [
          {
            title: 'Source model against its baselines (synthetic test split)',
            header: ['source model', 'majority class', 'softmax regression on pixels', 'baseline check'],
            rows: [[pct(source.testAccuracy.model), pct(source.testAccuracy.majorityClass), pct(source.testAccuracy.softmaxRegression), source.baselineCheck]],
          },
        ],
        facts: {
          'synthetic source data': synthetic,
          'real target data': MNIST_CREDIT,
          'unfrozen blocks (fine-tuned runs)': o.unfreeze,
          'runs resumed from an earlier call': curve.resumedRuns,
        },
      }),
      { config, source: sourceSummary, runs: curve.runs, summary: curve.summary, verdict: curve.verdict },
    );
    return {
      source: sourceSummary,
      runs: curve.runs,
      summary: curve.summary,
      verdict: curve.verdict,
      resumedRuns: curve.resumedRuns,
      reportPath,
      resultsPath: curve.resultsPath,
      durationMs: performance.now() - started,
    };
  } finally {
    if (ownsEngine) await engine.dispose();
  }
}
