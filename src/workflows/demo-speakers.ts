import { promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRng, HeadstartError, invalidOption, markOutputFolder, rejectUnknownKeys, shuffleInPlace, writeFileAtomic } from '../core/index.js';
import { listAudioFolder, selectFeatureRows, splitDataset } from '../data/index.js';
import type { AudioDataset, AudioItem, FeatureSet } from '../data/index.js';
import { createEngine } from '../engines/index.js';
import type { TrainableTop } from '../engines/index.js';
import { fineTune } from '../finetune/index.js';
import { probabilityAccuracy, trainHead } from '../heads/index.js';
import { checkSpeechPrerequisites, synthSpeech, DIGIT_WORDS } from '../synth/index.js';
import { logMelRows } from './audio-source.js';
import { loadSourceModel, readSourceModelInfo, saveSourceModel } from '../zoo/index.js';
import { learningCurveReport, runLearningCurve, writeLearningCurveReport } from './learning-curve.js';
import type { CurvePoint, CurveRun } from './learning-curve.js';
import { trainScratchModel } from './pretrain.js';
import { prepareOutputFolder, resolveHome, WORKFLOW_OPTION_KEYS } from './shared-options.js';
import type { OutputFolderOptions, WorkflowOptions } from './shared-options.js';

/**
 * How the k labelled clips per digit of the target speaker are used: 'frozen + head' trains a new linear head on
 * the source CNN's pooled features, 'fine-tuned' trains the whole source CNN further (head first), 'scratch' trains
 * the same CNN from random weights, and 'zero-shot' uses the source CNN as it is, without the target's labels.
 */
export type SpeakersMethod = 'frozen + head' | 'fine-tuned' | 'scratch' | 'zero-shot';
export const SPEAKERS_METHODS: readonly SpeakersMethod[] = ['frozen + head', 'fine-tuned', 'scratch', 'zero-shot'];

/** The Free Spoken Digit Dataset's recordings beside the repository (../shared/data/fsdd/recordings). */
export const SPEAKERS_DATA_DIR = fileURLToPath(new URL('../../../shared/data/fsdd/recordings', import.meta.url));

export interface SpeakersOptions extends WorkflowOptions, OutputFolderOptions {
  /** FSDD recordings: `{digit}_{speaker}_{index}.wav` files in one folder. @default SPEAKERS_DATA_DIR */
  data?: string;
  /** Work folder: cached source models and synthetic speech, results.json and report.html. @default '<home>/demo-speakers' */
  out?: string;
  /** Labelled clips per digit of the held-out speaker, one learning-curve point each. @default [1, 3, 5, 10] */
  shots?: number[];
  /** One run per seed for every point. @default [1, 2, 3] */
  seeds?: number[];
  /** Speakers held out in turn. @default every speaker in `data` */
  speakers?: string[];
  /** Also run synthetic espeak speech as the source for every held-out speaker (needs espeak-ng). @default true */
  synthetic?: boolean;
  /** Takes 0 to testTakes - 1 of each digit are the held-out speaker's test clips; the labelled clips come from the rest. @default 10 */
  testTakes?: number;
  /** Maximum epochs of each source CNN. @default 6 */
  sourceEpochs?: number;
  /** Channels of the CNN's first block. @default 8 */
  width?: number;
  /** Synthetic clips per digit and espeak voice. @default 5 */
  synthPerWord?: number;
}

export type SpeakersRun = CurveRun<SpeakersMethod>;

/** The mean over held-out speakers of each method's mean accuracy over seeds. */
export interface SpeakersMean {
  source: 'other speakers' | 'synthetic';
  shots: number;
  method: SpeakersMethod;
  mean: number;
  min: number;
  max: number;
  speakers: number;
}

export interface SpeakersResult {
  speakers: string[];
  /** Each source CNN: its group and its accuracy on its own validation clips. */
  sources: { group: string; clips: number; valAccuracy: number; reused: boolean }[];
  runs: SpeakersRun[];
  /** Mean, min and max over seeds per group x shots x method. */
  summary: CurvePoint<SpeakersMethod>[];
  meanOverSpeakers: SpeakersMean[];
  /** Plain findings: where transfer helps on average, then per group. */
  verdict: string[];
  resumedRuns: number;
  reportPath: string;
  resultsPath: string;
  durationMs: number;
}

export const SPEAKERS_DEFAULTS = { shots: [1, 3, 5, 10], seeds: [1, 2, 3], synthetic: true, testTakes: 10, sourceEpochs: 6, width: 8, synthPerWord: 5 };
const KNOWN_OPTIONS = [...WORKFLOW_OPTION_KEYS, 'data', 'out', 'force', 'speakers', ...Object.keys(SPEAKERS_DEFAULTS)];
const FSDD_PATTERN = '{label}_{speaker}_{index}.wav';
const SOURCE_SEED = 42;
const SOURCE_TRAINING = { learningRate: 0.0015, batchSize: 32, patience: 3 };
/** Sample passes a target run makes over its k x 10 clips (epochs = this / clips, within the bounds below). */
const SCRATCH_PASSES = 1500;
const FINE_TUNE_PASSES = 600;
const SYNTHETIC_PREFIX = 'synthetic → ';

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const clamp = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, x));


/**
 * Leave-one-speaker-out on the Free Spoken Digit Dataset, the seed's accents-and-speakers example: for each speaker,
 * a small CNN on log-mels learns the digits from the other five (and, separately, from synthetic espeak speech only),
 * then the held-out speaker is learnt from k labelled clips per digit four ways (frozen + head, fine-tuned, from
 * scratch, zero-shot), over several seeds, on that speaker's fixed test clips. Source models and synthetic speech are
 * cached in the work folder; finished runs are kept in results.json and skipped when called again.
 */
export async function demoSpeakers(options: SpeakersOptions = {}): Promise<SpeakersResult> {
  rejectUnknownKeys('demoSpeakers', options, KNOWN_OPTIONS);
  const o = { ...SPEAKERS_DEFAULTS, ...Object.fromEntries(Object.entries(options).filter(([k, v]) => k in SPEAKERS_DEFAULTS && v !== undefined)) };
  if (o.shots.length === 0 || !o.shots.every((k) => Number.isInteger(k) && k > 0)) throw invalidOption(`Expected shots to be positive integers. Received: ${JSON.stringify(o.shots)}.`);
  if (o.seeds.length === 0 || !o.seeds.every(Number.isInteger)) throw invalidOption(`Expected seeds to be integers. Received: ${JSON.stringify(o.seeds)}.`);
  for (const key of ['testTakes', 'sourceEpochs', 'width', 'synthPerWord'] as const) {
    if (!Number.isInteger(o[key]) || o[key] < 1) throw invalidOption(`Expected ${key} to be a positive integer. Received: ${String(o[key])}.`);
  }
  const started = performance.now();
  const data = options.data ?? SPEAKERS_DATA_DIR;
  if (!(await fs.stat(data).catch(() => undefined))) {
    throw new HeadstartError('HS_FILE_NOT_FOUND', `FSDD recordings not found at ${data}. Pass data (--data): the Free Spoken Digit Dataset's recordings folder of {digit}_{speaker}_{index}.wav files.`);
  }
  const work = await prepareOutputFolder(options.out ?? path.join(resolveHome(options), 'demo-speakers'), 'work-folder', [data], options.force);
  await markOutputFolder(work, 'work-folder');
  // espeak-ng is needed only at the end, after the speaker sources trained: check it now rather than fail then.
  if (o.synthetic && !(await syntheticSpeechIsCurrent(path.join(work, 'synthetic-speech'), o.synthPerWord))) {
    await checkSpeechPrerequisites().catch((err: unknown) => {
      if (!(err instanceof HeadstartError)) throw err;
      throw new HeadstartError(err.code, `${err.message} Or leave out the synthetic source: synthetic: false (--no-synthetic).`, { cause: err });
    });
  }
  const progress = { signal: options.signal, onProgress: options.onProgress };
  const fsdd = await listAudioFolder(data, { labelFrom: { pattern: FSDD_PATTERN }, onBadFile: options.onBadFile ?? 'skip' });
  const allSpeakers = [...new Set(fsdd.items.map((i) => i.groups['speaker'] ?? ''))].sort();
  const speakers = options.speakers ?? allSpeakers;
  const unknown = speakers.filter((s) => !allSpeakers.includes(s));
  if (speakers.length === 0 || unknown.length > 0) throw invalidOption(`Expected speakers from ${allSpeakers.join(', ')}. Received: ${JSON.stringify(speakers)}.`);
  const maxShots = Math.max(...o.shots);
  const take = (i: AudioItem) => Number(i.groups['index']);
  const real = await logMelRows(fsdd, { onBadFile: options.onBadFile ?? 'skip', ...progress });
  const rowsOf = (items: AudioItem[]) => selectFeatureRows(real.set, items.map((i) => i.path));
  const speakerItems = (s: string) => fsdd.items.filter((i) => i.groups['speaker'] === s);
  const testSets = new Map(speakers.map((s) => [s, rowsOf(speakerItems(s).filter((i) => take(i) < o.testTakes))]));
  /** k labelled clips per digit for a seed, drawn from the held-out speaker's takes after the test ones. */
  const targetTrain = (speaker: string, shots: number, seed: number) => {
    const pool = speakerItems(speaker).filter((i) => take(i) >= o.testTakes);
    const picked = fsdd.classes.flatMap((c) => {
      const items = pool.filter((i) => i.label === c);
      if (items.length < maxShots) throw invalidOption(`Speaker ${speaker} has ${items.length} training takes of '${c}' after the ${o.testTakes} test takes; shots ask for ${maxShots}. Lower shots or testTakes.`);
      return shuffleInPlace([...items], createRng(seed)).slice(0, shots);
    });
    return rowsOf(picked);
  };

  const ownsEngine = options.engine === undefined;
  const engine = options.engine ?? createEngine();
  const sourceConfig = { spec: real.spec, width: o.width, epochs: o.sourceEpochs, seed: SOURCE_SEED, ...SOURCE_TRAINING };
  const sources: SpeakersResult['sources'] = [];
  /** Trains (or reuses from disk) the CNN of one source and returns its folder. */
  const sourceModel = async (name: string, describe: () => Promise<{ train: FeatureSet; val: FeatureSet }>, group: string) => {
    const dir = path.join(work, 'sources', name);
    const config = { ...sourceConfig, source: name };
    const info = await readSourceModelInfo<{ config: unknown; clips: number; valAccuracy: number }>(dir);
    if (info && JSON.stringify(info.config) === JSON.stringify(config)) {
      if (!sources.some((s) => s.group === group)) sources.push({ group, clips: info.clips, valAccuracy: info.valAccuracy, reused: true });
      return dir;
    }
    const { train, val } = await describe();
    options.onProgress?.({ stage: 'done', message: `training source CNN '${name}' on ${train.labels.length} clips` });
    const model = await trainScratchModel({ train, val }, { engine, arch: 'small-cnn', inputShape: real.inputShape, width: o.width, epochs: o.sourceEpochs, seed: SOURCE_SEED, ...SOURCE_TRAINING, ...progress });
    try {
      const valAccuracy = probabilityAccuracy(await model.top.predict(val.values, val.labels.length), val.labels, val.classes.length);
      await saveSourceModel(dir, model.top, { config, clips: train.labels.length + val.labels.length, valAccuracy, features: real.spec, inputShape: real.inputShape, standardize: 'per clip' });
      sources.push({ group, clips: train.labels.length + val.labels.length, valAccuracy, reused: false });
    } finally {
      model.top.dispose();
    }
    return dir;
  };
  // Source = the other speakers: their takes 0-4 validate (early stopping), the rest train.
  const speakerSource = (heldOut: string) =>
    sourceModel(`without-${heldOut}`, async () => {
      const others = fsdd.items.filter((i) => i.groups['speaker'] !== heldOut);
      return { train: rowsOf(others.filter((i) => take(i) >= 5)), val: rowsOf(others.filter((i) => take(i) < 5)) };
    }, heldOut);
  let syntheticRows: { train: FeatureSet; val: FeatureSet } | undefined;
  const syntheticSource = (group: string) =>
    sourceModel('synthetic', async () => (syntheticRows ??= await syntheticSpeech(path.join(work, 'synthetic-speech'), o.synthPerWord, progress)), group);

  // Per group: the source CNN loaded once for features and zero-shot, and the test features.
  let loaded: { group: string; top: TrainableTop; dir: string; testFeatures: FeatureSet; zeroShot: number } | undefined;
  const scratchAccuracy = new Map<string, number>();
  try {
    const groups = [...speakers, ...(o.synthetic ? speakers.map((s) => `${SYNTHETIC_PREFIX}${s}`) : [])];
    const config = { ...o, speakers, data: path.resolve(data), source: sourceConfig };
    const curve = await runLearningCurve({
      dir: work,
      config,
      groups,
      shots: o.shots,
      seeds: o.seeds,
      methods: SPEAKERS_METHODS,
      baseline: 'scratch',
      ...progress,
      run: async ({ group, shots, seed, method }) => {
        const speaker = group.startsWith(SYNTHETIC_PREFIX) ? group.slice(SYNTHETIC_PREFIX.length) : group;
        const test = testSets.get(speaker) as FeatureSet;
        const train = targetTrain(speaker, shots, seed);
        const n = train.labels.length;
        if (method === 'scratch') {
          // The same for both sources of a speaker: computed once per call.
          const key = `${speaker}/${shots}/${seed}`;
          const known = scratchAccuracy.get(key);
          if (known !== undefined) return known;
          const epochs = clamp(Math.ceil(SCRATCH_PASSES / n), 15, 150);
          const model = await trainScratchModel({ train }, { engine, arch: 'small-cnn', inputShape: real.inputShape, width: o.width, epochs, batchSize: 16, learningRate: SOURCE_TRAINING.learningRate, seed, signal: options.signal });
          try {
            const accuracy = probabilityAccuracy(await model.top.predict(test.values, test.labels.length), test.labels, test.classes.length);
            scratchAccuracy.set(key, accuracy);
            return accuracy;
          } finally {
            model.top.dispose();
          }
        }
        if (loaded?.group !== group) {
          loaded?.top.dispose();
          loaded = undefined;
          const dir = group === speaker ? await speakerSource(speaker) : await syntheticSource(group);
          const top = await loadSourceModel(dir, engine);
          const testFeatures = { ...test, values: await top.features(test.values, test.labels.length), dim: top.featureDim };
          loaded = { group, top, dir, testFeatures, zeroShot: probabilityAccuracy(await top.predict(test.values, test.labels.length), test.labels, test.classes.length) };
        }
        if (method === 'zero-shot') return loaded.zeroShot;
        if (method === 'frozen + head') {
          const features = { ...train, values: await loaded.top.features(train.values, n), dim: loaded.top.featureDim };
          const { head } = await trainHead(features, { kind: 'linear', seed, engine });
          try {
            return probabilityAccuracy(await head.predict(loaded.testFeatures.values, test.labels.length), test.labels, test.classes.length);
          } finally {
            head.dispose();
          }
        }
        const top = await loadSourceModel(loaded.dir, engine);
        try {
          const epochs = clamp(Math.ceil(FINE_TUNE_PASSES / n), 5, 60);
          await fineTune(top, { train }, { epochs, learningRate: 0.001, lrMult: 10, batchSize: 16, seed, engine, signal: options.signal });
          return probabilityAccuracy(await top.predict(test.values, test.labels.length), test.labels, test.classes.length);
        } finally {
          top.dispose();
        }
      },
    });
    const meanOverSpeakers = meanOverGroups(curve.summary, speakers, o.shots, o.synthetic);
    const findings = transferFindings(meanOverSpeakers);
    const verdict = [...findings, ...curve.verdict];
    const sourceTable = {
      title: 'Source CNNs: accuracy on their own validation clips',
      header: ['source (group)', 'clips', 'validation accuracy', 'read from the cache'],
      rows: sources.map((s) => [s.group, s.clips, pct(s.valAccuracy), s.reused ? 'yes' : 'no']),
    };
    const meanTables = (['other speakers', 'synthetic'] as const).filter((src) => meanOverSpeakers.some((m) => m.source === src)).map((src) => ({
      title: `Mean over ${speakers.length} held-out speaker(s), source = ${src}: mean (min–max over speakers)`,
      header: ['labelled clips per digit', ...SPEAKERS_METHODS],
      rows: o.shots.map((k) => [k, ...SPEAKERS_METHODS.map((m) => {
        const p = meanOverSpeakers.find((x) => x.source === src && x.shots === k && x.method === m);
        return p ? `${pct(p.mean)} (${pct(p.min)}–${pct(p.max)})` : null;
      })]),
    }));
    const reportPath = await writeLearningCurveReport(
      work,
      learningCurveReport({ ...curve, verdict }, SPEAKERS_METHODS, {
        title: 'Speakers: leave-one-speaker-out on spoken digits (FSDD), and synthetic speech to real speakers',
        subtitle: `Each held-out speaker's ${o.testTakes * 10} test clips; k labelled clips per digit from the other takes; ${o.seeds.length} seed(s) per point.`,
        tables: [...meanTables, sourceTable],
        facts: {
          data: path.resolve(data),
          'held-out speakers': speakers.join(', '),
          'model input': `${real.inputShape.join(' x ')} log-mel (${real.spec.clipSeconds} s, hop ${real.spec.hop}, ${real.spec.nMels} mels), standardised per clip`,
          'source CNN': `small-cnn width ${o.width}, at most ${o.sourceEpochs} epochs`,
          'runs resumed from an earlier call': curve.resumedRuns,
        },
      }),
      { config, sources, runs: curve.runs, summary: curve.summary, meanOverSpeakers, verdict },
    );
    return {
      speakers,
      sources,
      runs: curve.runs,
      summary: curve.summary,
      meanOverSpeakers,
      verdict,
      resumedRuns: curve.resumedRuns,
      reportPath,
      resultsPath: curve.resultsPath,
      durationMs: performance.now() - started,
    };
  } finally {
    loaded?.top.dispose();
    if (ownsEngine) await engine.dispose();
  }
}

/** Synthetic digits from espeak-ng (generated once per setting into `dir`), as log-mel rows with 10% held out to validate. */
/** Whether the synthetic speech in `dir` was generated with these settings (else it is generated again). */
async function syntheticSpeechIsCurrent(dir: string, perWord: number): Promise<boolean> {
  const previous = await fs.readFile(path.join(dir, '..', 'synthetic-speech.json'), 'utf8').then((t) => t, () => '');
  return previous.trim() === JSON.stringify({ perWord, seed: SOURCE_SEED });
}

async function syntheticSpeech(dir: string, perWord: number, progress: { signal?: AbortSignal; onProgress?: WorkflowOptions['onProgress'] }) {
  const record = path.join(dir, '..', 'synthetic-speech.json');
  const settings = { perWord, seed: SOURCE_SEED };
  if (!(await syntheticSpeechIsCurrent(dir, perWord))) {
    await synthSpeech({ out: dir, labels: DIGIT_WORDS.map((_, i) => String(i)), perWord, seed: SOURCE_SEED, ...progress });
    await writeFileAtomic(record, `${JSON.stringify(settings)}\n`);
  }
  const listed: AudioDataset = await listAudioFolder(dir);
  const rows = await logMelRows(listed, progress);
  const parts = splitDataset(listed, { fractions: { val: 0.1, test: 0 }, seed: SOURCE_SEED });
  return { train: selectFeatureRows(rows.set, parts.train.items.map((i) => i.path)), val: selectFeatureRows(rows.set, parts.val.items.map((i) => i.path)) };
}

function meanOverGroups(summary: CurvePoint<SpeakersMethod>[], speakers: string[], shots: number[], synthetic: boolean): SpeakersMean[] {
  const sources = [['other speakers', ''], ...(synthetic ? [['synthetic', SYNTHETIC_PREFIX]] : [])] as [SpeakersMean['source'], string][];
  return sources.flatMap(([source, prefix]) =>
    shots.flatMap((k) =>
      SPEAKERS_METHODS.flatMap((method) => {
        const means = speakers.flatMap((s) => summary.filter((p) => p.group === `${prefix}${s}` && p.shots === k && p.method === method && p.runs > 0).map((p) => p.mean));
        if (means.length === 0) return [];
        return [{ source, shots: k, method, mean: means.reduce((a, b) => a + b, 0) / means.length, min: Math.min(...means), max: Math.max(...means), speakers: means.length }];
      }),
    ),
  );
}

/** Where transfer helps on average: the best transfer method against training from scratch, per source and k. */
function transferFindings(means: SpeakersMean[]): string[] {
  const points = [...new Set(means.map((m) => `${m.source}|${m.shots}`))];
  return points.map((key) => {
    const [source, k] = key.split('|') as [SpeakersMean['source'], string];
    const at = means.filter((m) => m.source === source && String(m.shots) === k);
    const scratch = at.find((m) => m.method === 'scratch');
    const best = at.filter((m) => m.method !== 'scratch').sort((a, b) => b.mean - a.mean)[0];
    if (!scratch || !best) return `${source}, k=${k}: incomplete`;
    const diff = (best.mean - scratch.mean) * 100;
    const word = diff > 2 ? 'transfer helps' : diff < -2 ? 'transfer hurts' : 'transfer makes no clear difference';
    return `Source ${source}, k=${k} (mean over speakers): ${word}: best transfer method ${best.method} ${pct(best.mean)} against scratch ${pct(scratch.mean)} (${diff >= 0 ? '+' : ''}${diff.toFixed(1)} points).`;
  });
}
