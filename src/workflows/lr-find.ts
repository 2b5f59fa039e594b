import { invalidOption, markOutputFolder, rejectUnknownKeys } from '../core/index.js';
import { loadImageDataset, splitDataset } from '../data/index.js';
import type { PerClassCounts, SkippedFile, SplitFractions } from '../data/index.js';
import type { BatchNormMode } from '../engines/index.js';
import { LR_FIND_DEFAULTS, lrFind } from '../finetune/index.js';
import type { LrFindResult } from '../finetune/index.js';
import { writeDiagnosticsReport } from '../report/index.js';
import type { DiagnosticsReportInput } from '../report/index.js';
import { prepareOutputFolder, WORKFLOW_OPTION_KEYS } from './shared-options.js';
import type { OutputFolderOptions, WorkflowOptions } from './shared-options.js';
import { prepareTop } from './train-finetune.js';
import { TRAIN_DEFAULTS } from './train.js';

export interface FindLearningRateOptions extends WorkflowOptions, OutputFolderOptions {
  /** Image folder (one sub-folder per class) or CSV/JSONL manifest; the scan trains on its training part. */
  data: string;
  /** Folder for report.html and results.json. */
  out: string;
  /** @default TRAIN_DEFAULTS.fineTuneBackbone */
  backbone?: string;
  cut?: string;
  pooling?: 'avg' | 'max' | 'flatten';
  /** Blocks to unfreeze, as train's `unfreeze`. @default 2 */
  unfreeze?: number | string;
  batchNorm?: BatchNormMode;
  /** The split train would make (same seed, same training images). @default TRAIN_DEFAULTS.split */
  split?: SplitFractions;
  perClass?: PerClassCounts;
  /** @default TRAIN_DEFAULTS.seed */
  seed?: number;
  /** @default 1e-7 */
  startLr?: number;
  /** @default 1 */
  endLr?: number;
  /** @default 80 */
  steps?: number;
  /** @default 16 */
  batchSize?: number;
}

export interface FindLearningRateResult extends LrFindResult {
  backbone: string;
  boundary: string;
  /** The parameter groups that trained during the scan, bottom to top (the head last). */
  groups: string[];
  startLr: number;
  endLr: number;
  trainImages: number;
  skipped: SkippedFile[];
  reportPath: string;
  resultsPath: string;
}

const KNOWN_OPTIONS = [
  ...WORKFLOW_OPTION_KEYS,
  'data', 'out', 'force', 'backbone', 'cut', 'pooling', 'unfreeze', 'batchNorm', 'split', 'perClass', 'seed', 'startLr', 'endLr', 'steps', 'batchSize',
];

const rate = (r: number) => r.toPrecision(2);

function reportOf(r: Omit<FindLearningRateResult, 'reportPath' | 'resultsPath'>): DiagnosticsReportInput {
  const finite = r.losses.filter(Number.isFinite);
  const [lo, hi] = [Math.min(...finite), Math.max(...finite)];
  return {
    title: `Learning-rate finder: ${r.backbone}`,
    subtitle: `Top from ${r.boundary} (${r.groups.join(', ')}), ${r.trainImages} training images`,
    verdict: [
      `Suggested learning rate: ${rate(r.suggestion)}, where the smoothed loss falls fastest. Pass it as --fine-tune-learning-rate (fineTuneLearningRate).`,
      r.diverged ? `The loss diverged at ${rate(r.rates[r.rates.length - 1] as number)}: rates near that are too high.` : 'The loss did not diverge within the scanned range; a higher endLr shows where it does.',
    ],
    charts: [
      {
        title: 'Smoothed training loss against the learning rate (log scale)',
        charts: [
          {
            title: 'Loss against learning rate',
            xLabel: 'Learning rate',
            yLabel: 'Smoothed loss',
            xLog: true,
            series: [
              { name: 'loss', color: '#1f77b4', dashed: false, points: r.rates.map((x, i) => ({ x, y: r.losses[i] as number })) },
              { name: `suggested ${rate(r.suggestion)}`, color: '#d62728', dashed: true, points: [{ x: r.suggestion, y: lo }, { x: r.suggestion, y: hi }] },
            ],
          },
        ],
        note: 'Smith (2017), as fastai\'s lr_find: one batch per rate, rates growing geometrically; the weights are restored afterwards.',
      },
    ],
    facts: {
      'scanned rates': `${rate(r.startLr)} to ${rate(r.endLr)} over ${r.rates.length} steps`,
      'trained groups': r.groups.join(', '),
      diverged: r.diverged ? 'yes' : 'no',
    },
    skipped: r.skipped,
  };
}

/**
 * The learning-rate range test on a backbone split for fine-tuning: splits the data as train does, runs the frozen
 * trunk once, builds the top with a new head, scans rates with lrFind over every group (as fastai's lr_find on a new
 * learner: a head trained first has a near-zero loss on small sets, and the scan would see only noise), and writes
 * report.html (loss against rate on a log axis, and the suggestion) and results.json to `out`.
 */
export async function findLearningRate(options: FindLearningRateOptions): Promise<FindLearningRateResult> {
  rejectUnknownKeys('findLearningRate', options, KNOWN_OPTIONS);
  if (!options.data) throw invalidOption('findLearningRate needs data: an image folder or a manifest.');
  if (!options.out) throw invalidOption('findLearningRate needs out: the folder to write the report to.');
  if (options.split && options.perClass) throw invalidOption('Pass either split (fractions) or perClass (counts), not both.');
  const reportDir = await prepareOutputFolder(options.out, 'report', [options.data], options.force);
  const seed = options.seed ?? TRAIN_DEFAULTS.seed;
  const backbone = options.backbone ?? TRAIN_DEFAULTS.fineTuneBackbone;
  const all = await loadImageDataset(options.data, { onBadFile: options.onBadFile ?? 'skip' });
  const parts = options.perClass ? splitDataset(all, { perClass: options.perClass, seed }) : splitDataset(all, { fractions: options.split ?? TRAIN_DEFAULTS.split, seed });
  // Only the training images: the scan needs no validation or test activations.
  const none = { ...all, items: [], skipped: [] };
  const prepared = await prepareTop({ ...options, backbone }, all.classes, { train: parts.train, val: none, test: none }, seed);
  try {
    const { top, sets } = prepared;
    const scan = {
      ...(options.startLr !== undefined ? { startLr: options.startLr } : {}),
      ...(options.endLr !== undefined ? { endLr: options.endLr } : {}),
      ...(options.steps !== undefined ? { steps: options.steps } : {}),
      ...(options.batchSize !== undefined ? { batchSize: options.batchSize } : {}),
    };
    const found = await lrFind(top, sets.train, { ...scan, seed, signal: options.signal });
    const result = {
      ...found,
      backbone,
      boundary: prepared.split.boundary,
      groups: [...top.groups],
      startLr: scan.startLr ?? LR_FIND_DEFAULTS.startLr,
      endLr: scan.endLr ?? LR_FIND_DEFAULTS.endLr,
      trainImages: sets.train.labels.length,
      skipped: [...all.skipped, ...prepared.extraction.skipped],
    };
    const written = await writeDiagnosticsReport(reportDir, reportOf(result), result);
    await markOutputFolder(reportDir, 'report');
    return { ...result, reportPath: written.htmlPath, resultsPath: written.jsonPath };
  } finally {
    await prepared.dispose();
  }
}
