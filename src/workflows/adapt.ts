import { promises as fs } from 'node:fs';
import path from 'node:path';
import { HeadstartError, invalidChoice, invalidOption, markOutputFolder, rejectUnknownKeys } from '../core/index.js';
import { adaptFeatures, ADAPT_FEATURES_DEFAULTS, ADAPT_METHOD_CHOICES } from '../adapt/index.js';
import type { AdaptFeaturesOptions, AdaptFeaturesResult, AdaptGuard, AdaptMethodChoice, DomainScores, ShiftMeasures } from '../adapt/index.js';
import { isImageFileName, loadImageDataset } from '../data/index.js';
import type { ImageDataset, SkippedFile } from '../data/index.js';
import type { Pooling } from '../engines/index.js';
import { computeMetrics } from '../evaluate/index.js';
import type { ClassificationMetrics } from '../evaluate/index.js';
import { writeDiagnosticsReport } from '../report/index.js';
import type { DiagnosticsReportInput } from '../report/index.js';
import { defaultReportDir } from './rank.js';
import { withDomainFeatures } from './domain-features.js';
import { prepareOutputFolder, WORKFLOW_OPTION_KEYS } from './shared-options.js';
import type { OutputFolderOptions, WorkflowOptions } from './shared-options.js';

type MethodOptions = Omit<AdaptFeaturesOptions, 'method' | 'engine' | 'signal' | 'onProgress'>;

export interface AdaptDomainsOptions extends WorkflowOptions, MethodOptions, OutputFolderOptions {
  /** Labelled source images: a folder with one sub-folder per class, or a manifest. */
  source: string;
  /**
   * Target images: a folder of images (unlabelled), or one sub-folder per class / a manifest (labelled: the labels
   * only score, unless `targetLabelsForValidation`).
   */
  target: string;
  /** A method, or 'auto': every method through the guard; of those that pass, the one that brought the domains closest (else source-only). @default 'auto' */
  method?: AdaptMethodChoice;
  /** Zoo id of the backbone. @default 'mobilenet-v1-imagenet' (train's default) */
  backbone?: string;
  /** @default the backbone card's defaultCut */
  cut?: string;
  /** @default the backbone card's defaultPooling */
  pooling?: Pooling;
  /** Folder for report.html and results.json. @default 'headstart-reports/adapt-<name of target>' */
  out?: string;
  /** Write report.html and results.json. @default true */
  report?: boolean;
}

export interface AdaptDomainsResult extends Omit<AdaptFeaturesResult, 'target'> {
  source: string;
  target: string;
  backbone: { id: string; cut: string; pooling: Pooling; dim: number };
  /** Metrics on the scored target images (labels used for scoring only), when the target has labels. */
  targetMetrics?: { sourceOnly: ClassificationMetrics; adapted: ClassificationMetrics };
  reportPath?: string;
  resultsPath?: string;
  skipped: SkippedFile[];
}

const KNOWN_OPTIONS = [
  ...WORKFLOW_OPTION_KEYS,
  ...Object.keys(ADAPT_FEATURES_DEFAULTS),
  'alignmentWeight', 'guard', 'source', 'target', 'method', 'backbone', 'cut', 'pooling', 'out', 'force', 'report',
];

/** A labelled dataset, or a plain folder of images read as unlabelled (label ''). */
async function loadTargetImages(target: string, onBadFile: 'skip' | 'error'): Promise<ImageDataset> {
  const stat = await fs.stat(target).catch(() => undefined);
  if (stat?.isDirectory()) {
    const entries = await fs.readdir(target, { withFileTypes: true });
    if (!entries.some((e) => e.isDirectory())) {
      const items = entries.filter((e) => e.isFile() && isImageFileName(e.name)).map((e) => ({ path: path.join(path.resolve(target), e.name), label: '' }));
      if (items.length === 0) throw new HeadstartError('HS_DATASET_EMPTY', `No images in ${target}. Pass a folder of images (unlabelled) or one sub-folder per class.`);
      return { source: path.resolve(target), classes: [], items: items.sort((a, b) => a.path.localeCompare(b.path)), skipped: [] };
    }
  }
  return loadImageDataset(target, { onBadFile, allowSingleClass: true });
}

const pct = (x: number | null | undefined) => (x === null || x === undefined ? null : `${(x * 100).toFixed(1)}%`);

function reportOf(result: AdaptDomainsResult): DiagnosticsReportInput {
  const row = (name: string, s: DomainScores) => [name, pct(s.sourceValAccuracy), pct(s.targetAccuracy)];
  const shiftRow = (name: string, m: ShiftMeasures | null | undefined) =>
    m ? [name, m.mmd2.toPrecision(4), m.mmdPValue.toFixed(3), pct(m.domainClassifierAccuracy), m.proxyADistance.toFixed(3)] : [name, null, null, null, null];
  const gain = result.adapted.targetAccuracy !== null && result.sourceOnly.targetAccuracy !== null ? result.adapted.targetAccuracy - result.sourceOnly.targetAccuracy : null;
  const methodName = result.method === 'auto' ? `auto (chose ${result.chosen})` : result.method;
  const verdict = [
    gain === null
      ? 'The target has no labels to score with: judge the adaptation by source validation accuracy and the guard below.'
      : `${methodName} ${gain > 0.005 ? 'raised' : gain < -0.005 ? 'lowered' : 'did not change'} target accuracy: ${pct(result.sourceOnly.targetAccuracy)} source-only, ${pct(result.adapted.targetAccuracy)} adapted (${result.counts.targetScored} labelled target images, scoring only).`,
    ...(result.auto ? [result.auto.reason] : []),
    ...(result.guard && result.guard.flags.length > 0 ? [`The guard flagged ${result.chosen}: ${result.guard.reasons.join(' ')}`] : []),
    result.selection,
  ];
  const guardRow = (name: string, g: AdaptGuard, passed: boolean, targetAccuracy: number | null) => [
    name,
    `${pct(g.sourceValAccuracy.sourceOnly)} → ${pct(g.sourceValAccuracy.adapted)}`,
    `${g.mmd2.before.toPrecision(3)} → ${g.mmd2.after === null ? 'unchanged' : g.mmd2.after.toPrecision(3)}`,
    `${g.targetEntropy.sourceOnly.toFixed(3)} → ${g.targetEntropy.adapted.toFixed(3)}`,
    `${g.classBalance.sourceOnly.toFixed(2)} → ${g.classBalance.adapted.toFixed(2)}`,
    passed ? 'passed' : `flagged: ${g.flags.join(', ')}`,
    pct(targetAccuracy),
  ];
  const guardRows = result.auto
    ? result.auto.candidates.map((c) => guardRow(c.method, c.guard, c.passed, c.targetAccuracy))
    : result.guard
      ? [guardRow(result.chosen, result.guard, result.guard.flags.length === 0, result.adapted.targetAccuracy)]
      : [];
  return {
    title: `Domain adaptation (${methodName}): ${path.basename(result.source)} → ${path.basename(result.target)}`,
    subtitle: `${result.counts.sourceTrain + result.counts.sourceVal} source and ${result.counts.target} target images in the feature space of ${result.backbone.id} (${result.backbone.cut}, ${result.backbone.dim}-d). Method: ${result.paper}.`,
    verdict,
    verdictLevel: (gain !== null && gain < -0.005) || (result.guard?.flags.length ?? 0) > 0 ? 'moderate' : 'info',
    tables: [
      {
        title: 'Accuracy',
        header: ['model', 'source validation', 'target (scoring only)'],
        rows: [
          row('source only', result.sourceOnly),
          ...(result.sameNetworkSourceOnly ? [row('same network, no adaptation', result.sameNetworkSourceOnly)] : []),
          row(`adapted (${methodName})`, result.adapted),
        ],
        note: `Source validation: ${result.counts.sourceVal} held-out source images. Target: ${result.counts.targetScored} labelled target images, never used for training${result.counts.targetValidation > 0 ? `; ${result.counts.targetValidation} others picked epochs/thresholds (targetLabelsForValidation)` : ' or selection'}.`,
      },
      ...(guardRows.length > 0
        ? [{
            title: 'Guard (no target labels): source-only → adapted',
            header: ['method', 'source validation', 'MMD² between domains', 'target prediction entropy', 'target class balance', 'guard', 'target (scoring only)'],
            rows: guardRows,
            note: 'A method is flagged when it loses source accuracy beyond the tolerance, moves the domains further apart, or collapses its target predictions onto fewer classes. The last column uses target labels and only scores.',
          }]
        : []),
      ...(result.shift
        ? [{
            title: 'Shift in the features the classifier reads',
            header: ['features', 'MMD²', 'MMD p-value', 'domain classifier accuracy', 'proxy A-distance'],
            rows: [shiftRow('before (backbone features)', result.shift.before), shiftRow('after adaptation', result.shift.after)],
            note: result.shift.after ? 'A fresh linear domain classifier on held-out rows; 50% means the domains cannot be told apart.' : 'No features moved (pseudo-label or source-only), so there is no "after".',
          }]
        : []),
    ],
    facts: { source: result.source, target: result.target, method: methodName, backbone: `${result.backbone.id} cut at ${result.backbone.cut} (${result.backbone.pooling} pooling)`, 'total time (s)': (result.durationMs / 1000).toFixed(1) },
    skipped: result.skipped,
    warnings: result.warnings,
  };
}

/**
 * Domain adaptation in one call: extracts features of the labelled source images and the (unlabelled or labelled)
 * target images with one backbone, trains a source-only head and the chosen method ({@link adaptFeatures}), and
 * reports source validation accuracy, target accuracy of both (when the target has labels, which only score), and the
 * shift before and after. Writes report.html and results.json to `out`.
 */
export async function adaptDomains(options: AdaptDomainsOptions): Promise<AdaptDomainsResult> {
  rejectUnknownKeys('adaptDomains', options, KNOWN_OPTIONS);
  if (!options.source) throw invalidOption('adaptDomains needs source: the labelled images a model is trained on.');
  if (!options.target) throw invalidOption('adaptDomains needs target: the images to adapt to (labelled or not).');
  const method = options.method ?? ADAPT_FEATURES_DEFAULTS.method;
  if (!ADAPT_METHOD_CHOICES.includes(method)) throw invalidChoice('method', method, ADAPT_METHOD_CHOICES);
  const reportDir = options.report === false ? undefined : await prepareOutputFolder(options.out ?? defaultReportDir('adapt', options.target), 'report', [options.source, options.target], options.force);
  const onBadFile = options.onBadFile ?? 'skip';
  const source = await loadImageDataset(options.source, { onBadFile });
  const target = await loadTargetImages(options.target, onBadFile);
  const unknown = target.classes.filter((c) => !source.classes.includes(c));
  if (unknown.length > 0) {
    throw new HeadstartError('HS_UNKNOWN_LABEL', `Target ${options.target} has classes not in the source ${options.source}: ${unknown.join(', ')}. Source classes: ${source.classes.join(', ')}.`);
  }
  // Target labels index the source classes; unlabelled images become -1.
  const targetItems = { classes: source.classes, items: target.items, skipped: target.skipped };
  return withDomainFeatures(options, source, targetItems, async ({ backbone, backboneRecord, source: sourceFeatures, target: targetFeatures, skipped }) => {
    const methodOptions: Record<string, unknown> = {};
    for (const key of [...Object.keys(ADAPT_FEATURES_DEFAULTS), 'alignmentWeight', 'guard']) {
      const value = (options as unknown as Record<string, unknown>)[key];
      if (value !== undefined) methodOptions[key] = value;
    }
    const adapted = await adaptFeatures(sourceFeatures.features, targetFeatures.features, {
      ...(methodOptions as MethodOptions),
      method,
      engine: backbone.engine,
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    });
    const { target: predictions, ...rest } = adapted;
    const scored = predictions.labels.flatMap((l, r) => (l >= 0 ? [r] : []));
    const result: AdaptDomainsResult = {
      ...rest,
      source: path.resolve(options.source),
      target: path.resolve(options.target),
      backbone: backboneRecord,
      skipped,
    };
    if (scored.length > 0) {
      const truth = Int32Array.from(scored, (r) => predictions.labels[r]!);
      result.targetMetrics = {
        sourceOnly: computeMetrics(truth, Int32Array.from(scored, (r) => predictions.sourceOnly[r]!), source.classes),
        adapted: computeMetrics(truth, Int32Array.from(scored, (r) => predictions.adapted[r]!), source.classes),
      };
    }
    if (reportDir) {
      const written = await writeDiagnosticsReport(reportDir, reportOf(result), result);
      await markOutputFolder(reportDir, 'report');
      result.reportPath = written.htmlPath;
      result.resultsPath = written.jsonPath;
    }
    return result;
  });
}
