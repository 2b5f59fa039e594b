import { formatMetricsSummary, HEAD_KINDS, POOLINGS, train, TRAIN_DEFAULTS, TRAIN_HEAD_DEFAULTS } from '../../index.js';
import type { TrainOptions, TrainResult } from '../../index.js';
import { defineCommand } from '../command-spec.js';
import type { FlagSpec } from '../command-spec.js';
import { DATA_POLICY_FLAGS, envHelp, resolveBadFilePolicy } from '../common-flags.js';
import { usageError } from '../errors.js';
import { percent, quotedPath, trainingReportPath, warningLines } from './result-text.js';
import { workflowOptions } from './workflow-options.js';

/** The backbone flags train and demo share. */
export const BACKBONE_FLAG = {
  kind: 'string',
  placeholder: 'ID',
  default: TRAIN_DEFAULTS.backbone,
  description: "Zoo id of the pretrained backbone ('headstart zoo list').",
  group: 'Backbone',
} as const satisfies FlagSpec;

/** One flag per trainHead option (the head kind is --head); defaults shown are the API's own. */
const HEAD_FLAGS = {
  epochs: { kind: 'integer', min: 1, default: TRAIN_HEAD_DEFAULTS.epochs, description: 'Maximum epochs (linear and mlp heads).', group: 'Head' },
  'batch-size': { kind: 'integer', min: 1, default: TRAIN_HEAD_DEFAULTS.batchSize, description: 'Feature vectors per training step.', group: 'Head' },
  'learning-rate': { kind: 'number', min: 0, minExclusive: true, default: TRAIN_HEAD_DEFAULTS.learningRate, description: 'Adam step size.', group: 'Head' },
  'weight-decay': { kind: 'number', min: 0, default: TRAIN_HEAD_DEFAULTS.weightDecay, description: 'L2 penalty on dense kernels, on standardised features.', group: 'Head' },
  hidden: {
    kind: 'numbers',
    integers: true,
    above: 0,
    placeholder: '256,128',
    default: TRAIN_HEAD_DEFAULTS.hidden,
    description: 'Hidden layer widths of the mlp head.',
    group: 'Head',
  },
  dropout: { kind: 'number', min: 0, max: 1, maxExclusive: true, default: TRAIN_HEAD_DEFAULTS.dropout, description: 'Dropout before the output layer of the mlp head.', group: 'Head' },
  'label-smoothing': { kind: 'number', min: 0, max: 1, maxExclusive: true, default: TRAIN_HEAD_DEFAULTS.labelSmoothing, description: 'Label smoothing of the cross-entropy loss.', group: 'Head' },
  patience: { kind: 'integer', min: 1, default: TRAIN_HEAD_DEFAULTS.patience, description: 'Epochs without validation improvement before stopping.', group: 'Head' },
  k: { kind: 'integer', min: 1, default: TRAIN_HEAD_DEFAULTS.k, description: 'Neighbours of the knn head.', group: 'Head' },
  temperature: {
    kind: 'number',
    min: 0,
    minExclusive: true,
    default: TRAIN_HEAD_DEFAULTS.temperature,
    description: 'Softmax temperature of the prototype head (similarities are in [-1, 1]).',
    group: 'Head',
  },
  seed: { kind: 'integer', default: TRAIN_HEAD_DEFAULTS.seed, description: 'Seeds the split, initialisation, dropout and batch order.', group: 'Head' },
} as const satisfies Record<string, FlagSpec>;

/** The trainHead options train passes through, read off the API's defaults so a new option needs a new flag. */
type HeadOptionName = Exclude<keyof typeof TRAIN_HEAD_DEFAULTS, 'kind'>;
const HEAD_OPTION_NAMES = Object.keys(TRAIN_HEAD_DEFAULTS).filter((k): k is HeadOptionName => k !== 'kind');

function describeTraining(result: TrainResult): string {
  const { manifest } = result;
  const { counts } = manifest.training;
  const lines = [
    `Trained a ${manifest.head.kind} head on ${manifest.backbone.id}, cut at ${manifest.backbone.cut} (${manifest.backbone.pooling} pooling).`,
    `Images: ${counts.train} train, ${counts.val} val, ${counts.test} test; ${manifest.labels.length} classes. ` +
      `Features: ${result.extraction.extracted} extracted, ${result.extraction.cached} from the cache (${(result.extraction.durationMs / 1000).toFixed(1)} s).`,
  ];
  if (manifest.training.stoppedReason) lines.push(`Stopped early: ${manifest.training.stoppedReason}`);
  return lines.join('\n');
}

function trainSummary(result: TrainResult): string {
  const { metrics, manifest } = result;
  const shown = metrics.test ? { name: 'Test split', m: metrics.test } : metrics.val ? { name: 'Validation', m: metrics.val } : undefined;
  const out = [describeTraining(result), ''];
  if (shown) out.push(`${shown.name} (${shown.m.n} images)`, formatMetricsSummary(shown.m, manifest.labels), '');
  else out.push('No validation or test images, so no metrics: pass --val DIR, or let train split --data.', '');
  if (metrics.test && metrics.val) out.push(`Validation accuracy ${percent(metrics.val.accuracy)} (${metrics.val.n} images).`);
  const report = trainingReportPath(result.modelDir);
  out.push(...warningLines(result.warnings, result.skipped, report ? 'report.html' : 'the --json output'));
  out.push(`Model   ${result.modelDir}`);
  if (report) out.push(`Report  ${report}`);
  const model = quotedPath(result.modelDir);
  out.push('', 'Next:', `  headstart eval --model ${model} --data <labelled images>`, `  headstart predict --model ${model} <image>...`);
  return out.join('\n');
}

export const trainCommand = defineCommand({
  name: 'train',
  summary: 'Train a new head on a frozen pretrained backbone; save, evaluate and report the model.',
  description:
    'Lists the images (one sub-folder per class, or a CSV/JSONL manifest), splits off validation and test parts ' +
    'unless --val is given, extracts features with the backbone cut at --cut, trains the head, scores it and writes ' +
    'the model directory (headstart.json, head/, card.md, report.html, metrics.json) atomically to --out.',
  flags: {
    data: { kind: 'string', placeholder: 'DIR', required: true, description: 'Image folder (one sub-folder per class) or a CSV/JSONL manifest.', group: 'Data' },
    out: { kind: 'string', placeholder: 'DIR', required: true, description: 'Folder to write the model directory to (replaced atomically if it exists).', group: 'Data' },
    val: { kind: 'string', placeholder: 'DIR', description: 'Separate validation data. Without it, validation and test parts are split off --data.', group: 'Data' },
    'split-val': { kind: 'number', min: 0, max: 1, maxExclusive: true, default: TRAIN_DEFAULTS.split.val, description: 'Fraction of each class split off --data for validation.', group: 'Data' },
    'split-test': { kind: 'number', min: 0, max: 1, maxExclusive: true, default: TRAIN_DEFAULTS.split.test, description: 'Fraction of each class split off --data for testing.', group: 'Data' },
    'per-class-train': { kind: 'integer', min: 0, description: 'Split by counts instead of fractions: training images per class.', group: 'Data' },
    'per-class-val': { kind: 'integer', min: 0, default: 0, description: 'Validation images per class (with --per-class-train).', group: 'Data' },
    'per-class-test': { kind: 'integer', min: 0, default: 0, description: 'Test images per class (with --per-class-train).', group: 'Data' },
    ...DATA_POLICY_FLAGS,
    backbone: BACKBONE_FLAG,
    cut: { kind: 'string', placeholder: 'LAYER', default: "the backbone's defaultCut", description: "Layer to take features from ('headstart zoo show ID' lists cut points).", group: 'Backbone' },
    pooling: { kind: 'choice', choices: POOLINGS, default: "the backbone's defaultPooling", description: 'How the feature map becomes a vector.', group: 'Backbone' },
    head: { kind: 'choice', choices: HEAD_KINDS, default: TRAIN_HEAD_DEFAULTS.kind, description: 'Head architecture.', group: 'Head' },
    ...HEAD_FLAGS,
    'no-report': { kind: 'boolean', description: 'Do not write report.html and metrics.json into the model directory.', group: 'Output' },
  },
  env: envHelp(),
  examples: [
    'headstart train --data photos/ --out my-model',
    'headstart train --data photos/ --out my-model --head mlp --hidden 256,128 --epochs 50',
    'headstart train --data train/ --val val/ --out my-model --backbone inception-v3 --json > result.json',
  ],
  async run({ flags }, ctx) {
    const split = flags.splitVal !== undefined || flags.splitTest !== undefined;
    const perClass = flags.perClassTrain !== undefined;
    if (!perClass && (flags.perClassVal !== undefined || flags.perClassTest !== undefined)) {
      throw usageError('--per-class-val and --per-class-test need --per-class-train.', 'train');
    }
    if (split && perClass) throw usageError('Split either by fractions (--split-val/--split-test) or by counts (--per-class-*), not both.', 'train');
    if (flags.val !== undefined && (split || perClass)) {
      throw usageError('--val gives the validation data, so nothing is split off --data: drop --split-*/--per-class-*, or drop --val.', 'train');
    }

    const options: TrainOptions = {
      ...workflowOptions(ctx, { noCache: flags.noCache, onBadFile: resolveBadFilePolicy(flags, 'train') }),
      data: flags.data,
      out: flags.out,
    };
    if (flags.val !== undefined) options.val = flags.val;
    if (flags.backbone !== undefined) options.backbone = flags.backbone;
    if (flags.cut !== undefined) options.cut = flags.cut;
    if (flags.pooling !== undefined) options.pooling = flags.pooling;
    if (flags.head !== undefined) options.head = flags.head;
    if (split) options.split = { val: flags.splitVal ?? TRAIN_DEFAULTS.split.val, test: flags.splitTest ?? TRAIN_DEFAULTS.split.test };
    if (flags.perClassTrain !== undefined) {
      options.perClass = { train: flags.perClassTrain, val: flags.perClassVal ?? 0, test: flags.perClassTest ?? 0 };
    }
    if (flags.noReport) options.report = false;
    for (const name of HEAD_OPTION_NAMES) {
      const value = flags[name];
      if (value !== undefined) Object.assign(options, { [name]: value });
    }

    const result = await train(options);
    ctx.print(result, () => trainSummary(result));
  },
});
