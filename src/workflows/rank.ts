import path from 'node:path';
import { invalidChoice, invalidOption, markOutputFolder, rejectUnknownKeys, throwIfAborted } from '../core/index.js';
import { loadImageDataset, selectFeatureRows, splitDataset } from '../data/index.js';
import type { FeatureSet, ImageDataset, SkippedFile } from '../data/index.js';
import { argmaxRows, computeMetrics } from '../evaluate/index.js';
import { trainHead } from '../heads/index.js';
import { writeDiagnosticsReport } from '../report/index.js';
import type { BarChartSpec, DiagnosticsReportInput } from '../report/index.js';
import { kendallTau, scoreHScore, scoreLeep, scoreLogMe, scoreNce, softmaxRows, spearmanCorrelation } from '../select/index.js';
import { getModelCard, listBackbones, loadBackbone } from '../zoo/index.js';
import { checkDistributedExtraction, extractFeaturesDistributed } from './extract.js';
import type { DistributedExtractionOptions } from './extract.js';
import type { Backbone, ModelCard } from '../zoo/index.js';
import { openFeatureCache, prepareOutputFolder, resolveHome, WORKFLOW_OPTION_KEYS } from './shared-options.js';
import type { OutputFolderOptions, WorkflowOptions } from './shared-options.js';

/** The transferability scores `rankBackbones` computes; higher is better for each. */
export type TransferScore = 'logme' | 'hScore' | 'leep' | 'nce';
export const TRANSFER_SCORES: readonly TransferScore[] = ['logme', 'hScore', 'leep', 'nce'];

/** A backbone whose card lists a cut point of this name has a source classifier: LEEP and NCE use its softmax. */
export const SOURCE_LOGITS_CUT = 'logits';

export interface RankBackbonesOptions extends WorkflowOptions, OutputFolderOptions, DistributedExtractionOptions {
  /** Labelled target images: a folder with one sub-folder per class, or a manifest. */
  data: string;
  /** Zoo ids to score. @default every backbone in the zoo (bundled and registered) */
  backbones?: string[];
  /** The score the ranking follows. @default 'logme' */
  rankBy?: TransferScore;
  /** Also train a linear probe on each backbone's features and report its held-out accuracy. @default false */
  verify?: boolean;
  /** Share of each class held out to test the probe (with `verify`). @default 0.3 */
  testFraction?: number;
  /** Seeds the probe's split and training. @default 42 */
  seed?: number;
  /** Folder for report.html and results.json. @default 'headstart-reports/rank-<name of data>' */
  out?: string;
  /** Write report.html and results.json. @default true */
  report?: boolean;
}

/** One backbone's scores; `null` marks a score that does not apply (LEEP and NCE without a source classifier). */
export interface BackboneScores {
  backbone: string;
  /** 1 for the best by `rankBy`. */
  rank: number;
  cut: string;
  dim: number;
  scores: Record<TransferScore, number | null>;
  /** Time of each step: feature extraction (features, logits) and each score's computation on the features. */
  durationsMs: { extract: number; extractLogits: number | null } & Record<TransferScore, number | null> & { probe?: number };
  /** Test accuracy of a linear probe, with `verify`. */
  verifiedAccuracy?: number;
}

export interface RankVerification {
  testFraction: number;
  seed: number;
  trainCount: number;
  testCount: number;
  /** Rank correlation of each score with the verified accuracy across backbones (`null`: undefined, e.g. under 2 backbones). */
  correlations: Record<TransferScore, { spearman: number | null; kendall: number | null }>;
  /** The backbone with the highest verified accuracy. */
  bestByAccuracy: string;
  /** Whether the backbone ranked first by `rankBy` is also the most accurate one. */
  topPickIsBest: boolean;
}

export interface RankBackbonesResult {
  data: string;
  images: number;
  classes: string[];
  rankBy: TransferScore;
  /** Best first by `rankBy`; backbones where it does not apply come last. */
  ranking: BackboneScores[];
  verification?: RankVerification;
  reportPath?: string;
  resultsPath?: string;
  skipped: SkippedFile[];
  warnings: string[];
  durationMs: number;
}

export const RANK_BACKBONES_DEFAULTS = { rankBy: 'logme' as TransferScore, verify: false, testFraction: 0.3, seed: 42, report: true };

const KNOWN_OPTIONS = [...WORKFLOW_OPTION_KEYS, 'data', 'backbones', 'rankBy', 'verify', 'testFraction', 'seed', 'out', 'force', 'report', 'distribute'];

/** Display names of the scores. */
export const TRANSFER_SCORE_NAMES: Record<TransferScore, string> = { logme: 'LogME', hScore: 'H-score', leep: 'LEEP', nce: 'NCE' };

function timed<T>(work: () => T): { value: T; ms: number } {
  const started = performance.now();
  const value = work();
  return { value, ms: performance.now() - started };
}

/** Default output folder of a diagnostics job on a dataset. */
export function defaultReportDir(kind: string, data: string): string {
  return path.join('headstart-reports', `${kind}-${path.basename(path.resolve(data))}`);
}

function checkOptions(options: RankBackbonesOptions): void {
  rejectUnknownKeys('rankBackbones', options, KNOWN_OPTIONS);
  checkDistributedExtraction(options);
  if (!options.data) throw invalidOption('rankBackbones needs data: a labelled image folder or a manifest.');
  if (options.rankBy !== undefined && !TRANSFER_SCORES.includes(options.rankBy)) throw invalidChoice('rankBy', options.rankBy, TRANSFER_SCORES);
  if (options.backbones !== undefined) {
    if (!Array.isArray(options.backbones) || options.backbones.length === 0 || !options.backbones.every((b) => typeof b === 'string' && b !== '')) {
      throw invalidOption(`Expected backbones to be a non-empty list of zoo ids. Received: ${JSON.stringify(options.backbones)}.`);
    }
    const repeated = options.backbones.find((b, i) => options.backbones?.indexOf(b) !== i);
    if (repeated) throw invalidOption(`Backbone '${repeated}' is listed twice in backbones.`);
  }
  const f = options.testFraction;
  if (f !== undefined && !(typeof f === 'number' && f > 0 && f < 1)) throw invalidOption(`Expected testFraction to be a number between 0 and 1. Received: ${String(f)}.`);
  if (options.seed !== undefined && !Number.isInteger(options.seed)) throw invalidOption(`Expected seed to be an integer. Received: ${String(options.seed)}.`);
}

async function probeAccuracy(features: FeatureSet, parts: { train: ImageDataset; test: ImageDataset }, backbone: Backbone, seed: number, signal?: AbortSignal): Promise<number> {
  const train = selectFeatureRows(features, parts.train.items.map((i) => i.path));
  const test = selectFeatureRows(features, parts.test.items.map((i) => i.path));
  const { head } = await trainHead(train, { kind: 'linear', seed, engine: backbone.engine, signal });
  try {
    const predicted = argmaxRows(await head.predict(test.values, test.labels.length), test.classes.length);
    return computeMetrics(test.labels, predicted, test.classes).accuracy;
  } finally {
    head.dispose();
  }
}

/** Best first by `score`; rows where it is `null` keep their order at the end. */
function orderBy(rows: Omit<BackboneScores, 'rank'>[], score: TransferScore): BackboneScores[] {
  const value = (r: Omit<BackboneScores, 'rank'>) => r.scores[score] ?? -Infinity;
  return [...rows].sort((a, b) => value(b) - value(a)).map((r, i) => ({ ...r, rank: i + 1 }));
}

function verificationOf(ranking: BackboneScores[], settings: Omit<RankVerification, 'correlations' | 'bestByAccuracy' | 'topPickIsBest'>): RankVerification {
  const correlations = {} as RankVerification['correlations'];
  for (const score of TRANSFER_SCORES) {
    const rows = ranking.filter((r) => r.scores[score] !== null && r.verifiedAccuracy !== undefined);
    const a = rows.map((r) => r.scores[score] as number);
    const b = rows.map((r) => r.verifiedAccuracy as number);
    correlations[score] = { spearman: spearmanCorrelation(a, b), kendall: kendallTau(a, b) };
  }
  const best = [...ranking].sort((x, y) => (y.verifiedAccuracy ?? 0) - (x.verifiedAccuracy ?? 0))[0] as BackboneScores;
  const bestAccuracy = best.verifiedAccuracy ?? 0;
  // A tie for the best accuracy counts: the top pick is then as good as any.
  const topPickIsBest = (ranking[0]?.verifiedAccuracy ?? -1) >= bestAccuracy;
  return { ...settings, correlations, bestByAccuracy: best.backbone, topPickIsBest };
}

const fixed = (x: number | null, digits = 4): string | null => (x === null ? null : x.toFixed(digits));
const seconds = (ms: number | null): string | null => (ms === null ? null : (ms / 1000).toFixed(2));

function reportOf(result: RankBackbonesResult): DiagnosticsReportInput {
  const { ranking, verification } = result;
  const verified = verification !== undefined;
  const header = ['#', 'backbone', 'cut', 'dim', ...TRANSFER_SCORES.map((s) => TRANSFER_SCORE_NAMES[s]), ...(verified ? ['verified accuracy'] : [])];
  const scoreRows = ranking.map((r) => [
    r.rank, r.backbone, r.cut, r.dim,
    ...TRANSFER_SCORES.map((s) => fixed(r.scores[s])),
    ...(verified ? [r.verifiedAccuracy === undefined ? null : `${(r.verifiedAccuracy * 100).toFixed(1)}%`] : []),
  ]);
  const timeRows = ranking.map((r) => [
    r.backbone, seconds(r.durationsMs.extract), seconds(r.durationsMs.extractLogits),
    ...TRANSFER_SCORES.map((s) => seconds(r.durationsMs[s])),
    ...(verified ? [seconds(r.durationsMs.probe ?? null)] : []),
  ]);
  const tables: DiagnosticsReportInput['tables'] = [
    {
      title: `Scores (ranked by ${TRANSFER_SCORE_NAMES[result.rankBy]})`,
      header,
      rows: scoreRows,
      note:
        'Higher is better for every score. LogME: log maximum evidence per image of a Bayesian linear model (You et al. 2021). ' +
        'H-score: tr(cov(f)^-1 cov(E[f|y])) with a Ledoit-Wolf shrunk covariance (Bao et al. 2019). LEEP and NCE need the ' +
        "source model's own classifier (a 'logits' cut point); — means not applicable.",
    },
    { title: 'Time (seconds)', header: ['backbone', 'extract features', 'extract logits', ...TRANSFER_SCORES.map((s) => TRANSFER_SCORE_NAMES[s]), ...(verified ? ['linear probe'] : [])], rows: timeRows },
  ];
  if (verification) {
    tables.push({
      title: 'How well each score ranked the backbones',
      header: ['score', 'Spearman', 'Kendall tau-b'],
      rows: TRANSFER_SCORES.map((s) => [TRANSFER_SCORE_NAMES[s], fixed(verification.correlations[s].spearman, 3), fixed(verification.correlations[s].kendall, 3)]),
      note: `Rank correlation between each score and the linear probe's test accuracy across backbones (— when undefined, e.g. fewer than two backbones with the score). Probe: linear head on ${verification.trainCount} images, tested on ${verification.testCount} (seed ${verification.seed}).`,
    });
  }
  const charts: BarChartSpec[] = TRANSFER_SCORES.filter((s) => ranking.some((r) => r.scores[s] !== null)).map((s) => ({
    title: TRANSFER_SCORE_NAMES[s],
    valueLabel: TRANSFER_SCORE_NAMES[s],
    bars: ranking.map((r) => ({ label: r.backbone, value: r.scores[s], highlight: r.rank === 1 })),
  }));
  if (verification) {
    charts.push({
      title: 'Verified accuracy (linear probe)',
      valueLabel: 'test accuracy',
      bars: ranking.map((r) => ({ label: r.backbone, value: r.verifiedAccuracy ?? null, highlight: r.backbone === verification.bestByAccuracy })),
      percent: true,
    });
  }
  const top = ranking[0] as BackboneScores;
  const verdict = [`${TRANSFER_SCORE_NAMES[result.rankBy]} ranks ${top.backbone} first of ${ranking.length} backbone${ranking.length === 1 ? '' : 's'}.`];
  if (verification) {
    verdict.push(
      verification.topPickIsBest
        ? `The linear probe agrees: ${top.backbone} has the highest verified accuracy.`
        : `The linear probe disagrees: ${verification.bestByAccuracy} has the highest verified accuracy; ${top.backbone} was ranked first.`,
    );
  }
  return {
    title: `Backbone ranking on ${path.basename(result.data)}`,
    subtitle: `${result.images} labelled images · ${result.classes.length} classes · ${ranking.length} backbones`,
    verdict,
    tables,
    charts: [{ title: 'Scores by backbone', charts, note: 'Score charts highlight the backbone ranked first; the probe chart highlights the most accurate one.' }],
    facts: { data: result.data, 'ranked by': TRANSFER_SCORE_NAMES[result.rankBy], 'total time (s)': (result.durationMs / 1000).toFixed(1) },
    skipped: result.skipped,
    warnings: result.warnings,
  };
}

/**
 * Scores candidate backbones on labelled target data without fine-tuning: LogME and H-score on each backbone's
 * features, LEEP and NCE on its source classifier's softmax where it has one (a 'logits' cut point). Scores use
 * every labelled image. With `verify`, also trains a linear probe per backbone on a seeded stratified split and
 * reports how well each score's ranking matched the probe's test accuracy. Features come from the feature cache
 * when present.
 */
export async function rankBackbones(options: RankBackbonesOptions): Promise<RankBackbonesResult> {
  checkOptions(options);
  const started = performance.now();
  const o = { ...RANK_BACKBONES_DEFAULTS, ...options };
  const onBadFile = options.onBadFile ?? 'skip';
  const home = resolveHome(options);
  // Cards first: an unknown id, or a score no backbone supports, fails before any image is read.
  const cards: ModelCard[] = options.backbones
    ? await Promise.all(options.backbones.map((id) => getModelCard(id, { home })))
    : await listBackbones({ home });
  const ids = cards.map((c) => c.id);
  const hasClassifier = (card: ModelCard) => card.cutPoints.some((c) => c.layer === SOURCE_LOGITS_CUT);
  if ((o.rankBy === 'leep' || o.rankBy === 'nce') && !cards.some(hasClassifier)) {
    throw invalidOption(
      `None of the backbones (${ids.join(', ')}) has its own classifier (a '${SOURCE_LOGITS_CUT}' cut point), so ${TRANSFER_SCORE_NAMES[o.rankBy]} does not apply. ` +
        `Rank by 'logme' or 'hScore', or include a backbone with a classifier such as mobilenet-v2-imagenet.`,
    );
  }
  const reportDir = o.report ? await prepareOutputFolder(options.out ?? defaultReportDir('rank', options.data), 'report', [options.data], options.force) : undefined;
  const dataset = await loadImageDataset(options.data, { onBadFile });
  const parts = o.verify ? splitDataset(dataset, { fractions: { val: 0, test: o.testFraction }, seed: o.seed }) : undefined;
  const warnings: string[] = [];
  const skipped: SkippedFile[] = [...dataset.skipped];
  const rows: Omit<BackboneScores, 'rank'>[] = [];
  const cache = openFeatureCache(options);
  try {
    for (const id of ids) {
      throwIfAborted(options.signal);
      const backbone = await loadBackbone(id, { engine: options.engine, home, onProgress: options.onProgress });
      try {
        const extractOptions = { cache, onBadFile, signal: options.signal, onProgress: options.onProgress, distribute: options.distribute, home };
        const extraction = await extractFeaturesDistributed(backbone, dataset, extractOptions);
        if (rows.length === 0) skipped.push(...extraction.skipped);
        const features = extraction.features;
        const logme = timed(() => scoreLogMe(features));
        const hScore = timed(() => scoreHScore(features));
        let leep: { value: number; ms: number } | undefined;
        let nce: { value: number; ms: number } | undefined;
        let extractLogits: number | null = null;
        if (hasClassifier(backbone.card)) {
          const classifier = await loadBackbone(id, { cut: SOURCE_LOGITS_CUT, engine: backbone.engine, home });
          try {
            const logits = await extractFeaturesDistributed(classifier, dataset, extractOptions);
            extractLogits = logits.durationMs;
            const probabilities = softmaxRows(logits.features);
            leep = timed(() => scoreLeep(probabilities));
            nce = timed(() => scoreNce(probabilities));
          } finally {
            classifier.dispose();
          }
        }
        let verifiedAccuracy: number | undefined;
        let probeMs: number | undefined;
        if (parts) {
          const probeStarted = performance.now();
          verifiedAccuracy = await probeAccuracy(features, parts, backbone, o.seed, options.signal);
          probeMs = performance.now() - probeStarted;
        }
        rows.push({
          backbone: id,
          cut: backbone.cut,
          dim: features.dim,
          scores: { logme: logme.value, hScore: hScore.value, leep: leep?.value ?? null, nce: nce?.value ?? null },
          durationsMs: {
            extract: extraction.durationMs,
            extractLogits,
            logme: logme.ms,
            hScore: hScore.ms,
            leep: leep?.ms ?? null,
            nce: nce?.ms ?? null,
            ...(probeMs === undefined ? {} : { probe: probeMs }),
          },
          ...(verifiedAccuracy === undefined ? {} : { verifiedAccuracy }),
        });
        const accuracyText = verifiedAccuracy === undefined ? '' : `, probe accuracy ${(verifiedAccuracy * 100).toFixed(1)}%`;
        options.onProgress?.({ stage: 'done', message: `scored ${id} (${rows.length}/${ids.length}): LogME ${logme.value.toFixed(4)}${accuracyText}` });
      } finally {
        backbone.dispose();
      }
    }
  } finally {
    cache?.close();
  }

  const ranking = orderBy(rows, o.rankBy);
  if (o.rankBy === 'leep' || o.rankBy === 'nce') {
    const missing = ranking.filter((r) => r.scores[o.rankBy] === null).map((r) => r.backbone);
    if (missing.length > 0) warnings.push(`${TRANSFER_SCORE_NAMES[o.rankBy]} does not apply to ${missing.join(', ')} (no source classifier); they are listed last.`);
  }
  const smallest = Math.min(...dataset.classes.map((c) => dataset.items.filter((i) => i.label === c).length));
  if (smallest < 10) warnings.push(`Only ${smallest} images in the smallest class: scores from so few images are noisy.`);
  const result: RankBackbonesResult = {
    data: path.resolve(options.data),
    images: dataset.items.length,
    classes: dataset.classes,
    rankBy: o.rankBy,
    ranking,
    ...(parts
      ? {
          verification: verificationOf(ranking, { testFraction: o.testFraction, seed: o.seed, trainCount: parts.train.items.length, testCount: parts.test.items.length }),
        }
      : {}),
    skipped,
    warnings,
    durationMs: 0,
  };
  result.durationMs = performance.now() - started;
  if (reportDir) {
    const written = await writeDiagnosticsReport(reportDir, reportOf(result), result);
    await markOutputFolder(reportDir, 'report');
    result.reportPath = written.htmlPath;
    result.resultsPath = written.jsonPath;
  }
  return result;
}
