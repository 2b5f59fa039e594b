import { promises as fs } from 'node:fs';
import path from 'node:path';
import { HeadstartError, createRng, invalidChoice, invalidOption, rejectUnknownKeys, shuffleInPlace, throwIfAborted } from '../core/index.js';
import { CONTINUAL_DEFAULTS, CONTINUAL_STRATEGIES, createLearner } from '../continual/index.js';
import type { ContinualStrategy } from '../continual/index.js';
import { extractMfccStats, listAudioFolder, listImageFolder, writeMnistImages } from '../data/index.js';
import type { FeatureSet } from '../data/index.js';
import { createEngine } from '../engines/index.js';
import type { Engine } from '../engines/index.js';
import { argmaxRows } from '../evaluate/index.js';
import type { Head } from '../heads/index.js';
import { writeDiagnosticsReport } from '../report/index.js';
import type { ReportTable } from '../report/index.js';
import { extractFeatures, getModelCard, loadBackbone } from '../zoo/index.js';
import { openFeatureCache, resolveHome, WORKFLOW_OPTION_KEYS } from './shared-options.js';
import type { WorkflowOptions } from './shared-options.js';

/**
 * Class-incremental protocols (new classes arrive step by step) and one domain-incremental one (a new speaker
 * arrives, same classes). 'flowers-one-class': two flower classes, then one at a time; 'flowers-two-classes': two at
 * a time; 'split-mnist': five steps of two digits, features of the synthetic-digits source model; 'fsdd-digits':
 * spoken digits in five steps of two (MFCC statistics); 'fsdd-new-speaker': five speakers, then a sixth.
 */
export type ContinualProtocol = 'flowers-one-class' | 'flowers-two-classes' | 'split-mnist' | 'fsdd-digits' | 'fsdd-new-speaker';
export const CONTINUAL_PROTOCOLS: readonly ContinualProtocol[] = ['flowers-one-class', 'flowers-two-classes', 'split-mnist', 'fsdd-digits', 'fsdd-new-speaker'];

export interface BenchmarkContinualOptions extends WorkflowOptions {
  /** Flower photos, one sub-folder per class. Required by the flowers protocols. */
  flowers?: string;
  /** FSDD recordings, `{digit}_{speaker}_{index}.wav` in one folder. Required by the fsdd protocols. */
  fsdd?: string;
  /** @default every protocol whose data is given (split-mnist needs none: the mnist package ships it) */
  protocols?: ContinualProtocol[];
  /** @default every strategy */
  strategies?: ContinualStrategy[];
  /** Class orders (speaker choices for fsdd-new-speaker) per protocol, each a seeded shuffle. @default 3 */
  orders?: number;
  /** replay: features kept per class. @default 20 */
  memory?: number;
  /** Image backbone of the flowers protocols. @default 'mobilenet-v1-imagenet' */
  flowersBackbone?: string;
  /** Zoo id of the digits backbone of split-mnist: the synthetic-digits source model `headstart demo sim2real` builds. @default 'sim2real-digits' */
  mnistBackbone?: string;
  /** Folder for results.json, report.html and the MNIST images. @default '<home>/benchmark-continual' */
  out?: string;
}

/** One strategy over one class order: accuracy after each step on each step's test data, and its costs. */
export interface ContinualRun {
  protocol: ContinualProtocol;
  order: number;
  strategy: ContinualStrategy;
  /** accuracy[t][j]: after step t, on the test data of step j (j <= t). */
  accuracy: number[][];
  /** After step t, on the test data of every step so far. */
  seenAccuracy: number[];
  /** Milliseconds of each update, features already extracted. */
  updateMs: number[];
  /** Bytes of the learner's state after the last step. */
  memoryBytes: number;
}

/** One strategy on one protocol, over its class orders. */
export interface ContinualSummary {
  protocol: ContinualProtocol;
  strategy: ContinualStrategy;
  finalAccuracy: { mean: number; min: number; max: number };
  /** Mean over steps of the accuracy on everything seen so far (Rebuffi et al., iCaRL). */
  averageIncrementalAccuracy: number;
  /** Mean over earlier steps of the best accuracy reached on them minus the final one (Chaudhry et al. 2018). */
  forgetting: number;
  /** Mean over earlier steps of the final accuracy on them minus the accuracy right after learning them (Lopez-Paz & Ranzato 2017). */
  backwardTransfer: number;
  /** joint's final accuracy minus this one (same orders); absent when joint did not run. */
  gapToJoint?: number;
  meanUpdateMs: number;
  memoryBytes: number;
}

export interface BenchmarkContinualResult {
  protocols: { protocol: ContinualProtocol; description: string; steps: string[][]; trainRows: number; testRows: number; featureDim: number; featureSource: string }[];
  summary: ContinualSummary[];
  runs: ContinualRun[];
  reportPath: string;
  resultsPath: string;
  durationMs: number;
}

export const BENCHMARK_CONTINUAL_DEFAULTS = { orders: 3, memory: CONTINUAL_DEFAULTS.memory, flowersBackbone: 'mobilenet-v1-imagenet', mnistBackbone: 'sim2real-digits' };
const KNOWN_OPTIONS = [...WORKFLOW_OPTION_KEYS, 'flowers', 'fsdd', 'protocols', 'strategies', 'out', ...Object.keys(BENCHMARK_CONTINUAL_DEFAULTS)];

/** The data of one protocol: features of every example, which rows train and test, and the steps. */
interface ProtocolData {
  features: FeatureSet;
  train: number[];
  test: number[];
  /** Per order: the rows each step adds for training and tests on. */
  orders: { name: string[]; trainRows: number[]; testRows: number[] }[][];
  description: string;
  featureSource: string;
}

/** Features of `rows` as a set with the same class list. */
function subset(features: FeatureSet, rows: number[]): FeatureSet {
  const { dim } = features;
  const values = new Float32Array(rows.length * dim);
  rows.forEach((r, j) => values.set(features.values.subarray(r * dim, (r + 1) * dim), j * dim));
  return { values, dim, labels: Int32Array.from(rows, (r) => features.labels[r] ?? -1), classes: features.classes, files: rows.map((r) => features.files[r] ?? '') };
}

/** Per class, a seeded shuffle: the first `trainFraction` of its rows train, the rest test. */
function splitPerClass(features: FeatureSet, trainFraction: number, seed: number): { train: number[]; test: number[] } {
  const train: number[] = [];
  const test: number[] = [];
  features.classes.forEach((_, c) => {
    const rows = shuffleInPlace(Array.from(features.labels, (l, i) => (l === c ? i : -1)).filter((i) => i >= 0), createRng(seed + c));
    const cut = Math.round(rows.length * trainFraction);
    train.push(...rows.slice(0, cut));
    test.push(...rows.slice(cut));
  });
  return { train, test };
}

/** Class-incremental steps: the classes in a seeded order (order 0: sorted), cut into groups of the given sizes. */
function classSteps(features: FeatureSet, train: number[], test: number[], sizes: number[], orders: number): ProtocolData['orders'] {
  return Array.from({ length: orders }, (_, o) => {
    const classes = o === 0 ? [...features.classes] : shuffleInPlace([...features.classes], createRng(1000 + o));
    let start = 0;
    return sizes.map((size) => {
      const group = classes.slice(start, (start += size));
      const inGroup = (r: number) => group.includes(features.classes[features.labels[r] ?? -1] ?? '');
      return { name: group, trainRows: train.filter(inGroup), testRows: test.filter(inGroup) };
    });
  });
}

async function imageFeatures(folder: string, backboneId: string, options: BenchmarkContinualOptions): Promise<{ features: FeatureSet; source: string }> {
  const dataset = await listImageFolder(folder);
  const backbone = await loadBackbone(backboneId, { home: resolveHome(options), ...(options.engine ? { engine: options.engine } : {}), ...(options.onProgress ? { onProgress: options.onProgress } : {}) });
  const cache = openFeatureCache(options);
  try {
    const { features } = await extractFeatures(backbone, dataset, { cache, signal: options.signal, onProgress: options.onProgress });
    return { features, source: `${backbone.card.id} cut at ${backbone.cut} (${backbone.pooling} pooling, ${features.dim}-d)` };
  } finally {
    cache?.close();
    backbone.dispose();
  }
}

async function fsddFeatures(folder: string, options: BenchmarkContinualOptions): Promise<{ features: FeatureSet; speakers: string[] }> {
  const dataset = await listAudioFolder(folder, { labelFrom: { pattern: '{label}_{speaker}_{index}.wav' } });
  const { features } = await extractMfccStats(dataset, { signal: options.signal, onProgress: options.onProgress });
  const speakerOf = new Map(dataset.items.map((i) => [i.path, i.groups.speaker ?? '']));
  return { features, speakers: features.files.map((f) => speakerOf.get(f) ?? '') };
}

/** FSDD's own test split: recordings 0 to 4 of every speaker and digit; the rest train. */
function fsddSplit(features: FeatureSet): { train: number[]; test: number[] } {
  const index = (r: number) => Number(/_(\d+)\.wav$/.exec(features.files[r] ?? '')?.[1] ?? -1);
  const all = Array.from(features.labels, (_, i) => i);
  return { train: all.filter((r) => index(r) >= 5), test: all.filter((r) => index(r) < 5) };
}

async function loadProtocol(protocol: ContinualProtocol, o: ResolvedOptions, work: string): Promise<ProtocolData> {
  if (protocol === 'flowers-one-class' || protocol === 'flowers-two-classes') {
    if (!o.flowers) throw invalidOption(`Protocol '${protocol}' needs flowers: a folder of flower photos, one sub-folder per class.`);
    const { features, source } = await imageFeatures(o.flowers, o.flowersBackbone, o);
    // 50 train / 30 test of the shared flowers' 80 photos per class.
    const { train, test } = splitPerClass(features, 5 / 8, 1);
    const sizes = protocol === 'flowers-one-class' ? [2, ...Array.from({ length: features.classes.length - 2 }, () => 1)] : Array.from({ length: Math.ceil(features.classes.length / 2) }, (_, i) => Math.min(2, features.classes.length - 2 * i));
    return { features, train, test, orders: classSteps(features, train, test, sizes, o.orders), featureSource: source, description: `${features.classes.length} flower classes (${train.length} train / ${test.length} test photos), ${sizes.join(' + ')} classes per step` };
  }
  if (protocol === 'split-mnist') {
    await getModelCard(o.mnistBackbone, { home: resolveHome(o) }).catch((err: unknown) => {
      throw new HeadstartError('HS_MODEL_NOT_FOUND', `split-mnist reads digits through the zoo backbone '${o.mnistBackbone}', which is not installed. 'headstart demo sim2real' builds sim2real-digits (once); or pass another digits backbone.`, { cause: err });
    });
    const mnist = path.join(work, 'mnist');
    if (!(await fs.stat(path.join(mnist, 'SOURCE.txt')).catch(() => undefined))) await writeMnistImages({ out: mnist, perClass: 300, seed: 42, signal: o.signal, onProgress: o.onProgress });
    const { features, source } = await imageFeatures(mnist, o.mnistBackbone, o);
    const { train, test } = splitPerClass(features, 2 / 3, 1);
    return { features, train, test, orders: classSteps(features, train, test, [2, 2, 2, 2, 2], o.orders), featureSource: source, description: `10 MNIST digits from the mnist package (${train.length} train / ${test.length} test), 2 digits per step` };
  }
  if (!o.fsdd) throw invalidOption(`Protocol '${protocol}' needs fsdd: the FSDD recordings folder ({digit}_{speaker}_{index}.wav).`);
  const { features, speakers } = await fsddFeatures(o.fsdd, o);
  const { train, test } = fsddSplit(features);
  const source = `MFCC statistics (${features.dim}-d)`;
  if (protocol === 'fsdd-digits') {
    return { features, train, test, orders: classSteps(features, train, test, [2, 2, 2, 2, 2], o.orders), featureSource: source, description: 'FSDD spoken digits (recordings 0-4 of each speaker and digit test, the rest train), 2 digits per step' };
  }
  const all = [...new Set(speakers)].sort();
  const orders = Array.from({ length: Math.min(o.orders, all.length) }, (_, i) => {
    const fresh = all[all.length - 1 - i] ?? '';
    const old = all.filter((s) => s !== fresh);
    const of = (group: string[]) => (r: number) => group.includes(speakers[r] ?? '');
    return [old, [fresh]].map((group) => ({ name: group, trainRows: train.filter(of(group)), testRows: test.filter(of(group)) }));
  });
  return { features, train, test, orders, featureSource: source, description: `FSDD, all 10 digits: ${all.length - 1} speakers first, then a new one (a different speaker per order)` };
}

/** Share of `rows` whose predicted class name (among the learner's) is the row's class name. */
async function accuracyOn(head: Head, learnerClasses: readonly string[], features: FeatureSet, rows: number[]): Promise<number> {
  if (rows.length === 0) return NaN;
  const set = subset(features, rows);
  const predicted = argmaxRows(await head.predict(set.values, rows.length), learnerClasses.length);
  let correct = 0;
  predicted.forEach((p, i) => {
    if (learnerClasses[p] === features.classes[set.labels[i] ?? -1]) correct++;
  });
  return correct / rows.length;
}

async function runStrategy(data: ProtocolData, order: number, strategy: ContinualStrategy, o: ResolvedOptions, engine: Engine, protocol: ContinualProtocol): Promise<ContinualRun> {
  const steps = data.orders[order] ?? [];
  const learner = createLearner(strategy, data.features.dim, { memory: o.memory });
  const accuracy: number[][] = [];
  const seenAccuracy: number[] = [];
  const updateMs: number[] = [];
  for (const [t, step] of steps.entries()) {
    throwIfAborted(o.signal);
    const started = performance.now();
    const head = await learner.learn(subset(data.features, step.trainRows), { engine, ...(o.signal ? { signal: o.signal } : {}) });
    updateMs.push(performance.now() - started);
    try {
      accuracy.push(await Promise.all(steps.slice(0, t + 1).map((s) => accuracyOn(head, learner.classes, data.features, s.testRows))));
      seenAccuracy.push(await accuracyOn(head, learner.classes, data.features, steps.slice(0, t + 1).flatMap((s) => s.testRows)));
    } finally {
      head.dispose();
    }
  }
  return { protocol, order, strategy, accuracy, seenAccuracy, updateMs, memoryBytes: learner.memory().bytes };
}

const mean = (xs: number[]) => (xs.length === 0 ? NaN : xs.reduce((a, b) => a + b, 0) / xs.length);

/** The continual-learning metrics of one run. */
function runMetrics(run: ContinualRun): { final: number; incremental: number; forgetting: number; bwt: number } {
  const last = run.accuracy.length - 1;
  const earlier = Array.from({ length: last }, (_, j) => j);
  return {
    final: run.seenAccuracy[last] ?? NaN,
    incremental: mean(run.seenAccuracy),
    forgetting: mean(earlier.map((j) => Math.max(...run.accuracy.slice(j, last).map((row) => row[j] ?? NaN)) - (run.accuracy[last]?.[j] ?? NaN))),
    bwt: mean(earlier.map((j) => (run.accuracy[last]?.[j] ?? NaN) - (run.accuracy[j]?.[j] ?? NaN))),
  };
}

function summarize(runs: ContinualRun[], protocol: ContinualProtocol, strategies: readonly ContinualStrategy[]): ContinualSummary[] {
  const finalOf = (s: ContinualStrategy) => runs.filter((r) => r.protocol === protocol && r.strategy === s).map((r) => runMetrics(r).final);
  const joint = finalOf('joint');
  return strategies.map((strategy) => {
    const mine = runs.filter((r) => r.protocol === protocol && r.strategy === strategy);
    const metrics = mine.map(runMetrics);
    const finals = metrics.map((m) => m.final);
    return {
      protocol,
      strategy,
      finalAccuracy: { mean: mean(finals), min: Math.min(...finals), max: Math.max(...finals) },
      averageIncrementalAccuracy: mean(metrics.map((m) => m.incremental)),
      forgetting: mean(metrics.map((m) => m.forgetting)),
      backwardTransfer: mean(metrics.map((m) => m.bwt)),
      ...(joint.length === finals.length ? { gapToJoint: mean(joint) - mean(finals) } : {}),
      meanUpdateMs: mean(mine.flatMap((r) => r.updateMs)),
      memoryBytes: Math.max(...mine.map((r) => r.memoryBytes)),
    };
  });
}

type ResolvedOptions = BenchmarkContinualOptions & typeof BENCHMARK_CONTINUAL_DEFAULTS;

const pct = (x: number) => (Number.isFinite(x) ? `${(x * 100).toFixed(1)}%` : '—');
const points = (x: number) => (Number.isFinite(x) ? `${(x * 100).toFixed(1)}` : '—');

/** The summary as rows: strategy, final (min-max), average incremental, forgetting, BWT, gap to joint, update ms, memory. */
export function continualTableRows(summary: ContinualSummary[]): string[][] {
  return summary.map((s) => [
    s.strategy,
    `${pct(s.finalAccuracy.mean)} (${pct(s.finalAccuracy.min)}-${pct(s.finalAccuracy.max)})`,
    pct(s.averageIncrementalAccuracy),
    points(s.forgetting),
    points(s.backwardTransfer),
    s.gapToJoint === undefined ? '—' : points(s.gapToJoint),
    s.meanUpdateMs.toFixed(s.meanUpdateMs < 10 ? 1 : 0),
    `${(s.memoryBytes / 1024).toFixed(0)} KiB`,
  ]);
}
export const CONTINUAL_TABLE_HEADER = ['strategy', 'final accuracy (min-max)', 'avg incremental', 'forgetting (pts)', 'BWT (pts)', 'gap to joint (pts)', 'update ms', 'memory'];

/**
 * Measures the continual-learning strategies on class-incremental protocols (and a domain-incremental one): each
 * strategy learns the steps in order, on frozen features, and is tested after every step on everything seen so far.
 */
export async function benchmarkContinual(options: BenchmarkContinualOptions = {}): Promise<BenchmarkContinualResult> {
  rejectUnknownKeys('benchmarkContinual', options, KNOWN_OPTIONS);
  const o: ResolvedOptions = { ...BENCHMARK_CONTINUAL_DEFAULTS, ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) };
  const protocols = o.protocols ?? CONTINUAL_PROTOCOLS.filter((p) => (p.startsWith('flowers') ? o.flowers : p.startsWith('fsdd') ? o.fsdd : true));
  for (const p of protocols) if (!CONTINUAL_PROTOCOLS.includes(p)) throw invalidChoice('protocol', p, CONTINUAL_PROTOCOLS);
  const strategies = o.strategies ?? CONTINUAL_STRATEGIES;
  for (const s of strategies) if (!CONTINUAL_STRATEGIES.includes(s)) throw invalidChoice('strategy', s, CONTINUAL_STRATEGIES);
  if (!Number.isInteger(o.orders) || o.orders < 1) throw invalidOption(`Expected orders to be a positive integer. Received: ${String(o.orders)}.`);
  if (!Number.isInteger(o.memory) || o.memory < 1) throw invalidOption(`Expected memory to be a positive integer. Received: ${String(o.memory)}.`);
  const started = performance.now();
  const work = path.resolve(o.out ?? path.join(resolveHome(o), 'benchmark-continual'));
  await fs.mkdir(work, { recursive: true });
  const ownsEngine = o.engine === undefined;
  const engine = o.engine ?? createEngine();
  const runs: ContinualRun[] = [];
  const described: BenchmarkContinualResult['protocols'] = [];
  try {
    for (const protocol of protocols) {
      const data = await loadProtocol(protocol, o, work);
      described.push({
        protocol,
        description: data.description,
        steps: (data.orders[0] ?? []).map((s) => s.name),
        trainRows: data.train.length,
        testRows: data.test.length,
        featureDim: data.features.dim,
        featureSource: data.featureSource,
      });
      for (let order = 0; order < data.orders.length; order++) {
        for (const strategy of strategies) {
          runs.push(await runStrategy(data, order, strategy, o, engine, protocol));
          o.onProgress?.({ stage: 'done', message: `${protocol}, order ${order + 1}/${data.orders.length}: ${strategy} done` });
        }
      }
    }
  } finally {
    if (ownsEngine) await engine.dispose();
  }
  const summary = protocols.flatMap((p) => summarize(runs, p, strategies));
  const tables: ReportTable[] = described.map((d) => ({
    title: `${d.protocol}: ${d.description}`,
    header: CONTINUAL_TABLE_HEADER,
    rows: continualTableRows(summary.filter((s) => s.protocol === d.protocol)),
    note: `Features: ${d.featureSource}. Steps of the first order: ${d.steps.map((s) => s.join('+')).join(' | ')}. Mean over ${o.orders} orders; accuracy on the test data of every step so far.`,
  }));
  const verdict = described.map((d) => {
    const rows = summary.filter((s) => s.protocol === d.protocol && s.strategy !== 'joint');
    const best = rows.reduce<ContinualSummary | undefined>((a, b) => (a === undefined || b.finalAccuracy.mean > a.finalAccuracy.mean ? b : a), undefined);
    const naive = rows.find((s) => s.strategy === 'naive');
    return `${d.protocol}: best ${best?.strategy ?? '—'} at ${pct(best?.finalAccuracy.mean ?? NaN)}${best?.gapToJoint === undefined ? '' : `, ${points(best.gapToJoint)} points below joint`}` +
      (naive ? `; naive forgets ${points(naive.forgetting)} points on average and ends at ${pct(naive.finalAccuracy.mean)}.` : '.');
  });
  const results = { config: { protocols, strategies, orders: o.orders, memory: o.memory, flowersBackbone: o.flowersBackbone, mnistBackbone: o.mnistBackbone }, protocols: described, summary, runs };
  const written = await writeDiagnosticsReport(work, {
    title: 'Continual learning: class-incremental benchmark',
    subtitle: 'Each strategy learns the steps in order on frozen features; after each step it is tested on the test data of every step so far.',
    verdict,
    tables,
    facts: {
      strategies: strategies.join(', '),
      'replay memory (features per class)': o.memory,
      'class orders per protocol': o.orders,
      'joint': 'keeps every feature and retrains: the upper bound, memory grows with the data',
      'update time': 'per step, features already extracted',
    },
  }, results);
  return { protocols: described, summary, runs, reportPath: written.htmlPath, resultsPath: written.jsonPath, durationMs: performance.now() - started };
}
