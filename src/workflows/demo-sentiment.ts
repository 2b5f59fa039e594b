import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRng, HeadstartError, invalidOption, markOutputFolder, rejectUnknownKeys, shuffleInPlace, writeFileAtomic } from '../core/index.js';
import { BagOfWords, loadTextDataset, selectFeatureRows, splitDataset } from '../data/index.js';
import type { FeatureSet, TextDataset, TextItem } from '../data/index.js';
import { createEngine } from '../engines/index.js';
import type { Engine, TrainableTop } from '../engines/index.js';
import { fineTune } from '../finetune/index.js';
import { probabilityAccuracy, trainHead } from '../heads/index.js';
import { loadTextBackbone, textFeatures, textRowId } from '../zoo/index.js';
import { DEFAULT_TEXT_BACKBONE, textSplitItems } from './feature-stage.js';
import { learningCurveReport, runLearningCurve, writeLearningCurveReport } from './learning-curve.js';
import type { CurvePoint, CurveRun } from './learning-curve.js';
import { TEXT_SCRATCH_DEFAULTS, trainScratchModel } from './pretrain.js';
import { fitTextSourceEncoding } from './text-source.js';
import { openFeatureCache, prepareOutputFolder, resolveHome, WORKFLOW_OPTION_KEYS } from './shared-options.js';
import type { OutputFolderOptions, WorkflowOptions } from './shared-options.js';

/**
 * How the k labelled product reviews per class are used:
 * - 'word vectors + head': a linear head on GloVe sentence vectors of the target sentences alone;
 * - 'source model frozen': the imdb-trained text CNN's pooled features, a new linear head;
 * - 'source model fine-tuned': the imdb-trained model, a new head trained and then every layer (fineTune);
 * - 'source model fine-tuned, own head': every layer from the imdb head on (the classes are the same), which keeps
 *   what zero-shot already gets right;
 * - 'scratch': bag-of-words logistic regression on the target sentences alone (the negative-transfer baseline);
 * - 'zero-shot': the imdb-trained model as it is, no target label at all (the same for every k).
 */
export type SentimentMethod = 'word vectors + head' | 'source model frozen' | 'source model fine-tuned' | 'source model fine-tuned, own head' | 'scratch' | 'zero-shot';
export const SENTIMENT_METHODS: readonly SentimentMethod[] = ['word vectors + head', 'source model frozen', 'source model fine-tuned', 'source model fine-tuned, own head', 'scratch', 'zero-shot'];

export interface SentimentOptions extends WorkflowOptions, OutputFolderOptions {
  /**
   * Folder of the UCI Sentiment Labelled Sentences (imdb_labelled.txt, amazon_cells_labelled.txt).
   * @default ../shared/data/sentiment-sentences beside the headstart folder, when it exists
   */
  dataDir?: string;
  /** Work folder: results.json (finished runs, for resuming), source.json and report.html. @default '<home>/demo-sentiment' */
  out?: string;
  /** Labelled amazon sentences per class, one curve point each; 'all' is the whole train part. @default [8, 32, 128, 'all'] */
  shots?: (number | 'all')[];
  /** One run per seed and point (the seed draws the k sentences and seeds the head). @default [1, 2, 3] */
  seeds?: number[];
  /** Amazon sentences per class in the fixed test part; the rest of each class is the train part k is drawn from. @default 250 */
  testPerClass?: number;
  /** Filters of each of the source model's convolutions ('text-cnn'). @default 64 */
  sourceWidth?: number;
  /** Maximum epochs of the source model (early stopping on an imdb validation part). @default 40 */
  sourceEpochs?: number;
  /** Unfrozen epochs of the fine-tuned runs. @default 6 */
  fineTuneEpochs?: number;
  /** The word vectors the sentence vectors come from, and the source model's embedding starts from. @default 'glove-wink-100d' */
  backbone?: string;
}

export type SentimentRun = CurveRun<SentimentMethod>;

/** The imdb-trained source model, measured on its own held-out imdb sentences against the baselines. */
export interface SentimentSource {
  counts: { train: number; val: number; test: number };
  /** Test accuracy on imdb of the source model (a text CNN), bag-of-words logistic regression, and a linear head on GloVe vectors. */
  testAccuracy: { model: number; bagOfWords: number; wordVectorsHead: number };
  /** 'passed': the source model beat bag-of-words logistic regression on the same split. */
  baselineCheck: 'passed' | 'failed';
  epochs: number;
}

export interface SentimentResult {
  source: SentimentSource;
  /** Amazon sentences per class in the train part (k = 'all') and in the fixed test part. */
  target: { trainPerClass: number; testPerClass: number };
  /** Share of words the backbone did not know, per domain. */
  oovRate: { imdb: number; amazon: number };
  /** Share of the amazon test sentences' words outside the source model's vocabulary (fitted on imdb): they reach it as one unknown token. */
  unknownToSource: number;
  runs: SentimentRun[];
  summary: CurvePoint<SentimentMethod>[];
  /** The learning curve's findings, then whether reusing the movie-review model helped at each k. */
  verdict: string[];
  resumedRuns: number;
  reportPath: string;
  resultsPath: string;
  durationMs: number;
}

export const SENTIMENT_DEFAULTS = {
  shots: [8, 32, 128, 'all'] as (number | 'all')[],
  seeds: [1, 2, 3],
  testPerClass: 250,
  sourceWidth: TEXT_SCRATCH_DEFAULTS.width,
  sourceEpochs: TEXT_SCRATCH_DEFAULTS.epochs,
  fineTuneEpochs: 6,
  backbone: DEFAULT_TEXT_BACKBONE,
};

/** Where the shared sentiment sentences sit beside a headstart checkout (src/workflows or dist/workflows is two levels down). */
const SHARED_SENTIMENT_DIR = fileURLToPath(new URL('../../../shared/data/sentiment-sentences', import.meta.url));
const SOURCE_FILE = 'imdb_labelled.txt';
const TARGET_FILE = 'amazon_cells_labelled.txt';
/** Seeds of the fixed parts: the imdb split and the source model, and the amazon train/test split. */
const SOURCE_SEED = 42;
const TARGET_SPLIT_SEED = 0;
const SOURCE_SPLIT = { val: 0.1, test: 0.2 };
const KNOWN_OPTIONS = [...WORKFLOW_OPTION_KEYS, 'dataDir', 'out', 'force', ...Object.keys(SENTIMENT_DEFAULTS)];
const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

function resolveDataDir(dataDir: string | undefined): string {
  const dir = dataDir ?? SHARED_SENTIMENT_DIR;
  const missing = [SOURCE_FILE, TARGET_FILE].filter((f) => !existsSync(path.join(dir, f)));
  if (missing.length > 0) {
    throw new HeadstartError(
      'HS_FILE_NOT_FOUND',
      `${dataDir === undefined ? 'No dataDir given, and the default folder' : 'dataDir'} ${dir} has no ${missing.join(' or ')}. ` +
        'Pass dataDir (--data-dir) pointing at the UCI Sentiment Labelled Sentences folder (imdb_labelled.txt, amazon_cells_labelled.txt).',
    );
  }
  return dir;
}


/** k sentences of every class from the train part, drawn by `seed`. */
function drawShots(train: TextItem[], classes: string[], k: number, seed: number): TextItem[] {
  return classes.flatMap((c) => shuffleInPlace(train.filter((i) => i.label === c), createRng(seed)).slice(0, k));
}

/** Bag-of-words logistic regression: vocabulary from the training sentences only, a linear head on 0/1 word rows. */
async function bagOfWordsAccuracy(train: TextItem[], test: TextItem[], classes: string[], o: { engine: Engine; seed: number; val?: TextItem[] }): Promise<number> {
  const bow = BagOfWords.fit(train.map((i) => i.text));
  const asSet = (items: TextItem[]) => bow.features(items.map((i) => ({ text: i.text, label: i.label, id: textRowId(i) })), classes);
  const testSet = asSet(test);
  const { head } = await trainHead(asSet(train), { kind: 'linear', seed: o.seed, engine: o.engine, ...(o.val ? { val: asSet(o.val) } : {}) });
  try {
    return probabilityAccuracy(await head.predict(testSet.values, testSet.labels.length), testSet.labels, testSet.classes.length);
  } finally {
    head.dispose();
  }
}

/**
 * Movie reviews to product reviews, as a learning curve: a source model trained on imdb sentences (a text CNN over an
 * imdb vocabulary, its embedding started from GloVe, checked against bag-of-words logistic regression on imdb, as
 * `pretrain` trains one), reused on amazon sentences with k
 * labelled sentences per class (frozen with a new head, fine-tuned, or as it is: zero-shot), against word vectors
 * with a head and bag-of-words logistic regression on the target data alone. Several seeds per point, one fixed
 * amazon test part. Resumable: finished runs are kept in results.json.
 */
export async function demoSentiment(options: SentimentOptions = {}): Promise<SentimentResult> {
  rejectUnknownKeys('demoSentiment', options, KNOWN_OPTIONS);
  const o = { ...SENTIMENT_DEFAULTS, ...Object.fromEntries(Object.entries(options).filter(([k, v]) => k in SENTIMENT_DEFAULTS && v !== undefined)) };
  if (o.shots.length === 0 || !o.shots.every((k) => k === 'all' || (Number.isInteger(k) && k > 0))) {
    throw invalidOption(`Expected shots to be positive integers or 'all'. Received: ${JSON.stringify(o.shots)}.`);
  }
  if (o.seeds.length === 0 || !o.seeds.every(Number.isInteger)) throw invalidOption(`Expected seeds to be integers. Received: ${JSON.stringify(o.seeds)}.`);
  for (const key of ['testPerClass', 'sourceWidth', 'sourceEpochs', 'fineTuneEpochs'] as const) {
    if (!Number.isInteger(o[key]) || o[key] < 1) throw invalidOption(`Expected ${key} to be a positive integer. Received: ${String(o[key])}.`);
  }
  const started = performance.now();
  const dataDir = resolveDataDir(options.dataDir);
  const home = resolveHome(options);
  const work = await prepareOutputFolder(options.out ?? path.join(home, 'demo-sentiment'), 'work-folder', [dataDir], options.force);
  await markOutputFolder(work, 'work-folder');
  const ownsEngine = options.engine === undefined;
  const engine = options.engine ?? createEngine();
  const cache = openFeatureCache(options);
  const backbone = await loadTextBackbone(o.backbone, { home, ...(options.onProgress ? { onProgress: options.onProgress } : {}) });
  let source: { top: TrainableTop; weights: Float32Array[] } | undefined;
  try {
    const imdb = await loadTextDataset(path.join(dataDir, SOURCE_FILE));
    const amazon = await loadTextDataset(path.join(dataDir, TARGET_FILE));
    const classes = imdb.classes;
    if (JSON.stringify(amazon.classes) !== JSON.stringify(classes)) {
      throw new HeadstartError('HS_DATASET_INVALID', `${TARGET_FILE} has classes ${amazon.classes.join(', ')}, ${SOURCE_FILE} has ${classes.join(', ')}: the demo needs the same labels in both.`);
    }
    const embed = async (ds: TextDataset) => textFeatures(ds, backbone, { cache, signal: options.signal, onProgress: options.onProgress });
    const [imdbVectors, amazonVectors] = [await embed(imdb), await embed(amazon)];
    const byId = new Map([...imdb.items, ...amazon.items].map((i) => [textRowId(i), i]));
    const itemsOf = (ids: { path: string }[]) => ids.map((i) => byId.get(i.path) as TextItem);
    const vectorsOf = (set: FeatureSet, items: TextItem[]) => selectFeatureRows(set, items.map(textRowId));

    // Fixed parts: imdb split for the source model; amazon split into a train part (k is drawn from it) and a test part.
    const imdbParts = splitDataset(textSplitItems(imdb), { fractions: SOURCE_SPLIT, seed: SOURCE_SEED });
    const [imdbTrain, imdbVal, imdbTest] = [imdbParts.train, imdbParts.val, imdbParts.test].map((p) => itemsOf(p.items)) as [TextItem[], TextItem[], TextItem[]];
    const smallestClass = Math.min(...classes.map((c) => amazon.items.filter((i) => i.label === c).length));
    const trainPerClass = smallestClass - o.testPerClass;
    if (trainPerClass < 1) throw invalidOption(`Expected testPerClass below ${smallestClass} (the smallest amazon class), leaving train sentences. Received: ${o.testPerClass}.`);
    const shots = [...new Set(o.shots.map((k) => (k === 'all' ? trainPerClass : k)))];
    const tooMany = shots.filter((k) => k > trainPerClass);
    if (tooMany.length > 0) throw invalidOption(`shots ${tooMany.join(', ')} exceed the ${trainPerClass} train sentences per class (testPerClass ${o.testPerClass}); use 'all' for the whole train part.`);
    const amazonParts = splitDataset(textSplitItems(amazon), { perClass: { train: trainPerClass, test: o.testPerClass }, seed: TARGET_SPLIT_SEED });
    const amazonTrain = itemsOf(amazonParts.train.items);
    const amazonTest = itemsOf(amazonParts.test.items);
    const testVectors = vectorsOf(amazonVectors.features, amazonTest);
    // The source model reads token ids of a vocabulary fitted on its imdb training sentences; amazon's other words
    // reach it as the unknown token.
    const encoding = await fitTextSourceEncoding(imdbTrain.map((i) => i.text), { wordVectors: backbone, home });
    const idsOf = (items: TextItem[]) => encoding.tokens.features(items.map((i) => ({ text: i.text, label: i.label, id: textRowId(i) })), classes);
    const testIds = idsOf(amazonTest);
    const unknownToSource = encoding.tokens.unknownRate(amazonTest.map((i) => i.text));

    const sourceTraining = { ...TEXT_SCRATCH_DEFAULTS, width: o.sourceWidth, epochs: o.sourceEpochs, seed: SOURCE_SEED };
    const config = { ...o, shots, dataDir, trainPerClass, sourceTraining, targetSplitSeed: TARGET_SPLIT_SEED };
    const sourceFile = path.join(work, 'source.json');
    const stored = await fs.readFile(sourceFile, 'utf8').then((t) => JSON.parse(t) as { config: unknown; source: SentimentSource }, () => undefined);
    let sourceSummary = stored && JSON.stringify(stored.config) === JSON.stringify(config) ? stored.source : undefined;

    /** The imdb model, trained on first use in this call; its weights are restored after every fine-tuned run. */
    const sourceModel = async () => {
      if (source) return source;
      const trained = await trainScratchModel(
        { train: idsOf(imdbTrain), val: idsOf(imdbVal) },
        { ...sourceTraining, inputShape: [encoding.tokens.maxLength], embedding: encoding.embedding, engine, signal: options.signal, onProgress: options.onProgress },
      );
      source = { top: trained.top, weights: trained.top.getWeights() };
      if (!sourceSummary) {
        const imdbTestIds = idsOf(imdbTest);
        const model = probabilityAccuracy(await trained.top.predict(imdbTestIds.values, imdbTestIds.labels.length), imdbTestIds.labels, classes.length);
        const bagOfWords = await bagOfWordsAccuracy(imdbTrain, imdbTest, classes, { engine, seed: SOURCE_SEED, val: imdbVal });
        const imdbTestVectors = vectorsOf(imdbVectors.features, imdbTest);
        const { head } = await trainHead(vectorsOf(imdbVectors.features, imdbTrain), { kind: 'linear', seed: SOURCE_SEED, engine, val: vectorsOf(imdbVectors.features, imdbVal) });
        const wordVectorsHead = probabilityAccuracy(await head.predict(imdbTestVectors.values, imdbTestVectors.labels.length), imdbTestVectors.labels, imdbTestVectors.classes.length);
        head.dispose();
        sourceSummary = {
          counts: { train: imdbTrain.length, val: imdbVal.length, test: imdbTest.length },
          testAccuracy: { model, bagOfWords, wordVectorsHead },
          baselineCheck: model > bagOfWords ? 'passed' : 'failed',
          epochs: trained.training.headHistory.length + trained.training.history.length,
        };
        await fs.mkdir(work, { recursive: true });
        await writeFileAtomic(sourceFile, `${JSON.stringify({ config, source: sourceSummary }, null, 2)}\n`);
      }
      return source;
    };
    const hidden = async (top: TrainableTop, set: FeatureSet): Promise<FeatureSet> => ({ ...set, values: await top.features(set.values, set.labels.length), dim: top.featureDim });
    let testHidden: FeatureSet | undefined;

    const curve = await runLearningCurve({
      dir: work,
      config,
      shots,
      seeds: o.seeds,
      methods: SENTIMENT_METHODS,
      baseline: 'scratch',
      signal: options.signal,
      onProgress: options.onProgress,
      run: async ({ shots: k, seed, method }) => {
        const items = drawShots(amazonTrain, classes, k, seed);
        const trainVectors = vectorsOf(amazonVectors.features, items);
        if (method === 'scratch') return bagOfWordsAccuracy(items, amazonTest, classes, { engine, seed });
        if (method === 'word vectors + head') {
          const { head } = await trainHead(trainVectors, { kind: 'linear', seed, engine });
          try {
            return probabilityAccuracy(await head.predict(testVectors.values, testVectors.labels.length), testVectors.labels, testVectors.classes.length);
          } finally {
            head.dispose();
          }
        }
        const { top, weights } = await sourceModel();
        if (method === 'zero-shot') return probabilityAccuracy(await top.predict(testIds.values, testIds.labels.length), testIds.labels, classes.length);
        const trainIds = idsOf(items);
        if (method === 'source model frozen') {
          testHidden ??= await hidden(top, testIds);
          const { head } = await trainHead(await hidden(top, trainIds), { kind: 'linear', seed, engine });
          try {
            return probabilityAccuracy(await head.predict(testHidden.values, testHidden.labels.length), testHidden.labels, testHidden.classes.length);
          } finally {
            head.dispose();
          }
        }
        try {
          const headStart = method === 'source model fine-tuned, own head' ? 'keep' : 'train';
          await fineTune(top, { train: trainIds }, { epochs: o.fineTuneEpochs, headStart, seed, engine, signal: options.signal });
          return probabilityAccuracy(await top.predict(testIds.values, testIds.labels.length), testIds.labels, classes.length);
        } finally {
          top.setWeights(weights);
        }
      },
    });
    if (!sourceSummary) await sourceModel();
    const summaryOfSource = sourceSummary as unknown as SentimentSource;

    // Did reusing the movie-review model help? The best source-reusing method against the target-only ones, per k.
    const mean = (k: number, m: SentimentMethod) => curve.summary.find((s) => s.shots === k && s.method === m)?.mean ?? NaN;
    const reuse: SentimentMethod[] = ['source model frozen', 'source model fine-tuned', 'source model fine-tuned, own head', 'zero-shot'];
    const targetOnly: SentimentMethod[] = ['word vectors + head', 'scratch'];
    const transfer = shots.map((k) => {
      const bestReuse = reuse.reduce((a, b) => (mean(k, b) > mean(k, a) ? b : a));
      const bestTarget = targetOnly.reduce((a, b) => (mean(k, b) > mean(k, a) ? b : a));
      const diff = mean(k, bestReuse) - mean(k, bestTarget);
      return `k=${k}: reusing the imdb model ${diff > 0 ? 'helped' : 'did not help'}: ${bestReuse} ${pct(mean(k, bestReuse))} vs ${bestTarget} ${pct(mean(k, bestTarget))} (${diff >= 0 ? '+' : ''}${(diff * 100).toFixed(1)} points)`;
    });
    const verdict = [...curve.verdict, ...transfer];
    const oovRate = { imdb: imdbVectors.oovRate, amazon: amazonVectors.oovRate };
    const s = summaryOfSource.testAccuracy;
    const reportPath = await writeLearningCurveReport(
      work,
      learningCurveReport({ ...curve, verdict }, SENTIMENT_METHODS, {
        title: 'Movie reviews to product reviews: sentiment transfer',
        subtitle:
          `Source: ${summaryOfSource.counts.train} imdb sentences; target: k amazon sentences per class (k = ${trainPerClass} is all of the train part), ` +
          `accuracy on ${amazonTest.length} fixed amazon test sentences, ${o.seeds.length} seed(s) per point.`,
        tables: [
          {
            title: `Source model against its baselines (imdb test part, ${summaryOfSource.counts.test} sentences)`,
            header: ['source model (text CNN)', 'bag-of-words logistic regression', 'linear head on GloVe vectors', 'baseline check'],
            rows: [[pct(s.model), pct(s.bagOfWords), pct(s.wordVectorsHead), summaryOfSource.baselineCheck]],
          },
        ],
        facts: {
          data: dataDir,
          'text backbone': `${backbone.card.id} (${backbone.pooling} pooling, ${backbone.dim}-d)`,
          'words unknown to the backbone': `imdb ${pct(oovRate.imdb)}, amazon ${pct(oovRate.amazon)}`,
          'source model': `text-cnn, ${o.sourceWidth} filters of 3, 4 and 5 tokens over a ${encoding.embedding.rows} x ${encoding.embedding.dim} embedding ` +
            `started from ${backbone.card.id} (${encoding.input.wordsWithVectors} words had a vector), dropout ${sourceTraining.dropout}, Adam ${sourceTraining.learningRate}, ` +
            `${summaryOfSource.epochs} epochs (early stopping, patience ${sourceTraining.patience}), seed ${SOURCE_SEED}`,
          'amazon test words unknown to the source model': pct(unknownToSource),
          'fine-tuned runs': `a new head on the frozen model (or the imdb head kept), then ${o.fineTuneEpochs} epochs with every layer training (fineTune defaults)`,
          'runs resumed from an earlier call': curve.resumedRuns,
        },
      }),
      { config, source: summaryOfSource, oovRate, unknownToSource, runs: curve.runs, summary: curve.summary, verdict },
    );
    return {
      source: summaryOfSource,
      target: { trainPerClass, testPerClass: o.testPerClass },
      oovRate,
      unknownToSource,
      runs: curve.runs,
      summary: curve.summary,
      verdict,
      resumedRuns: curve.resumedRuns,
      reportPath,
      resultsPath: curve.resultsPath,
      durationMs: performance.now() - started,
    };
  } finally {
    source?.top.dispose();
    await backbone.dispose();
    cache?.close();
    if (ownsEngine) await engine.dispose();
  }
}
