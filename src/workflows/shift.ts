import path from 'node:path';
import { invalidOption, markOutputFolder, rejectUnknownKeys } from '../core/index.js';
import { diagnoseShift, DIAGNOSE_SHIFT_DEFAULTS, SHIFT_THRESHOLDS } from '../adapt/index.js';
import type { ClassShift, MmdResult, ProxyADistanceResult, ShiftLevel } from '../adapt/index.js';
import { loadImageDataset } from '../data/index.js';
import type { SkippedFile } from '../data/index.js';
import type { Pooling } from '../engines/index.js';
import { writeDiagnosticsReport } from '../report/index.js';
import type { DiagnosticsReportInput } from '../report/index.js';
import { defaultReportDir } from './rank.js';
import { withDomainFeatures } from './domain-features.js';
import { prepareOutputFolder, WORKFLOW_OPTION_KEYS } from './shared-options.js';
import type { OutputFolderOptions, WorkflowOptions } from './shared-options.js';

export interface MeasureShiftOptions extends WorkflowOptions, OutputFolderOptions {
  /** The data a model was (or would be) trained on: labelled image folder or manifest. */
  source: string;
  /** The data it will meet: labelled image folder or manifest (a single class is fine). */
  target: string;
  /** Zoo id of the backbone whose feature space is compared. @default 'mobilenet-v1-imagenet' (train's default) */
  backbone?: string;
  /** @default the backbone card's defaultCut */
  cut?: string;
  /** @default the backbone card's defaultPooling */
  pooling?: Pooling;
  /** Permutations of the MMD test. @default 500 */
  permutations?: number;
  /** Images per side at most, a seeded random subset beyond that. @default 500 */
  maxSamples?: number;
  /** Seeds subsampling, permutations and the domain classifier. @default 0 */
  seed?: number;
  /** Folder for report.html and results.json. @default 'headstart-reports/shift-<name of target>' */
  out?: string;
  /** Write report.html and results.json. @default true */
  report?: boolean;
}

export interface MeasureShiftResult {
  source: string;
  target: string;
  backbone: { id: string; cut: string; pooling: Pooling; dim: number };
  images: { source: number; target: number };
  level: ShiftLevel;
  verdict: string[];
  mmd: MmdResult;
  domainClassifier: ProxyADistanceResult;
  perClass: ClassShift[];
  thresholds: typeof SHIFT_THRESHOLDS;
  reportPath?: string;
  resultsPath?: string;
  skipped: SkippedFile[];
  warnings: string[];
  durationMs: number;
}

const KNOWN_OPTIONS = [...WORKFLOW_OPTION_KEYS, 'source', 'target', 'backbone', 'cut', 'pooling', 'permutations', 'maxSamples', 'seed', 'out', 'force', 'report'];

function reportOf(result: MeasureShiftResult): DiagnosticsReportInput {
  const { mmd, domainClassifier: domain } = result;
  const p = (x: number) => (x < 0.001 ? x.toExponential(1) : x.toFixed(3));
  return {
    title: `Dataset shift: ${path.basename(result.source)} → ${path.basename(result.target)}`,
    subtitle: `${result.images.source} source and ${result.images.target} target images in the feature space of ${result.backbone.id} (${result.backbone.cut}, ${result.backbone.dim}-d)`,
    verdict: result.verdict,
    verdictLevel: result.level,
    tables: [
      {
        title: 'Measures',
        header: ['measure', 'value', 'meaning'],
        rows: [
          ['MMD² (unbiased, RBF kernel)', mmd.mmd2.toPrecision(4), `kernel width ${mmd.bandwidth.toPrecision(4)} (median distance); ${mmd.sourceCount} + ${mmd.targetCount} images`],
          ['MMD permutation p-value', p(mmd.pValue), `${mmd.permutations} permutations; below ${result.thresholds.significance} the two sets differ significantly`],
          ['domain classifier accuracy', `${((1 - domain.domainError) * 100).toFixed(1)}%`, `linear head on ${domain.trainPerSide} + ${domain.trainPerSide} images, tested on ${domain.testPerSide} + ${domain.testPerSide}; 50% is chance`],
          ['proxy A-distance', domain.proxyADistance.toFixed(3), `2 (1 - 2 error): below ${result.thresholds.smallDistance} small, from ${result.thresholds.strongDistance} strong`],
        ],
      },
      {
        title: 'Per-class shift',
        header: ['class', 'MMD²', 'p-value', 'source images', 'target images'],
        rows: result.perClass.map((c) => [c.label, c.mmd2.toPrecision(4), p(c.pValue), c.sourceCount, c.targetCount]),
        note: 'Classes with at least 2 images on each side, most shifted first; the kernel width is the one of the whole sets. p-values are not corrected for testing several classes.',
      },
    ],
    charts:
      result.perClass.length > 0
        ? [{
            title: 'Per-class MMD²',
            charts: [{
              title: 'MMD² per class (significant shifts highlighted)',
              valueLabel: 'MMD²',
              bars: result.perClass.map((c) => ({ label: c.label, value: c.mmd2, highlight: c.pValue < result.thresholds.significance })),
            }],
          }]
        : [],
    facts: { source: result.source, target: result.target, backbone: `${result.backbone.id} cut at ${result.backbone.cut} (${result.backbone.pooling} pooling)`, 'total time (s)': (result.durationMs / 1000).toFixed(1) },
    skipped: result.skipped,
    warnings: result.warnings,
  };
}

/**
 * How far apart two image datasets are in a backbone's feature space: MMD with a permutation test, the proxy
 * A-distance of a linear domain classifier, per-class MMD where both have the class, and a plain-language verdict
 * (thresholds in SHIFT_THRESHOLDS). Features come from the feature cache when present.
 */
export async function measureShift(options: MeasureShiftOptions): Promise<MeasureShiftResult> {
  rejectUnknownKeys('measureShift', options, KNOWN_OPTIONS);
  if (!options.source) throw invalidOption('measureShift needs source: the labelled images a model is trained on.');
  if (!options.target) throw invalidOption('measureShift needs target: the labelled images to compare with the source.');
  const reportDir = options.report === false ? undefined : await prepareOutputFolder(options.out ?? defaultReportDir('shift', options.target), 'report', [options.source, options.target], options.force);
  const started = performance.now();
  const onBadFile = options.onBadFile ?? 'skip';
  const source = await loadImageDataset(options.source, { onBadFile, allowSingleClass: true });
  const target = await loadImageDataset(options.target, { onBadFile, allowSingleClass: true });
  const warnings: string[] = [];
  const shared = target.classes.filter((c) => source.classes.includes(c));
  if (shared.length === 0) warnings.push(`Source and target share no class names, so there is no per-class shift; the overall measures still apply.`);
  return withDomainFeatures(options, source, target, async ({ backbone, backboneRecord, source: sourceFeatures, target: targetFeatures, skipped }) => {
    const maxSamples = options.maxSamples ?? DIAGNOSE_SHIFT_DEFAULTS.maxSamples;
    for (const [name, set] of [['source', sourceFeatures], ['target', targetFeatures]] as const) {
      if (set.features.labels.length > maxSamples) warnings.push(`The ${name} has ${set.features.labels.length} images; the measures use a random ${maxSamples} of them (maxSamples).`);
    }
    const diagnosis = await diagnoseShift(sourceFeatures.features, targetFeatures.features, {
      ...(options.permutations === undefined ? {} : { permutations: options.permutations }),
      maxSamples,
      seed: options.seed ?? DIAGNOSE_SHIFT_DEFAULTS.seed,
      engine: backbone.engine,
      signal: options.signal,
    });
    const result: MeasureShiftResult = {
      source: path.resolve(options.source),
      target: path.resolve(options.target),
      backbone: backboneRecord,
      images: { source: sourceFeatures.features.labels.length, target: targetFeatures.features.labels.length },
      level: diagnosis.level,
      verdict: diagnosis.verdict,
      mmd: diagnosis.mmd,
      domainClassifier: diagnosis.domainClassifier,
      perClass: diagnosis.perClass,
      thresholds: diagnosis.thresholds,
      skipped,
      warnings,
      durationMs: performance.now() - started,
    };
    if (reportDir) {
      const written = await writeDiagnosticsReport(reportDir, reportOf(result), result);
      await markOutputFolder(reportDir, 'report');
      result.reportPath = written.htmlPath;
      result.resultsPath = written.jsonPath;
    }
    return result;
  });
}
