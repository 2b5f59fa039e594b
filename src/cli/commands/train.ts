import { TEST_TIME_AUGMENTATIONS, BATCH_NORM_MODES, FINE_TUNE_DEFAULTS, FINE_TUNE_SCHEDULES, formatMetricsSummary, HEAD_KINDS, KEEP_CHOICES, POOLINGS, TEXT_POOLINGS, train, TRAIN_DEFAULTS, TRAIN_HEAD_DEFAULTS, TRAIN_STRATEGIES } from '../../index.js';
import type { TrainOptions, TrainResult } from '../../index.js';
import { defineCommand } from '../command-spec.js';
import type { FlagSpec } from '../command-spec.js';
import { DATA_POLICY_FLAGS, DISTRIBUTE_FLAGS, envHelp, distributeOption, FORCE_FLAG, resolveBadFilePolicy, resolveDistribute } from '../common-flags.js';
import { usageError } from '../errors.js';
import { backboneText, percent, quotedPath, trainingReportPath, warningLines } from './result-text.js';
import { workflowOptions } from './workflow-options.js';

/** The backbone flags train and demo share. */
export const BACKBONE_FLAG = {
  kind: 'string',
  placeholder: 'ID',
  default: TRAIN_DEFAULTS.backbone,
  description: "Zoo id of the pretrained backbone ('headstart zoo list').",
  group: 'Backbone',
} as const satisfies FlagSpec;

/** Where the backbone is cut and how its map is pooled. */
export const CUT_FLAGS = {
  cut: { kind: 'string', placeholder: 'LAYER', default: "the backbone's defaultCut", description: "Layer to take features from ('headstart zoo show ID' lists cut points).", group: 'Backbone' },
  pooling: { kind: 'choice', choices: POOLINGS, default: "the backbone's defaultPooling", description: 'How the feature map becomes a vector.', group: 'Backbone' },
} as const satisfies Record<string, FlagSpec>;

/** One flag per trainHead option (the head kind is --head); defaults shown are the API's own. */
export const HEAD_FLAGS = {
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

/** How train splits --data (also lr-find's, so both see the same training images). */
export const SPLIT_FLAGS = {
  'split-val': { kind: 'number', min: 0, max: 1, maxExclusive: true, default: TRAIN_DEFAULTS.split.val, description: 'Fraction of each class split off --data for validation.', group: 'Data' },
  'split-test': { kind: 'number', min: 0, max: 1, maxExclusive: true, default: TRAIN_DEFAULTS.split.test, description: 'Fraction of each class split off --data for testing.', group: 'Data' },
  'per-class-train': { kind: 'integer', min: 0, description: 'Split by counts instead of fractions: training images per class.', group: 'Data' },
  'per-class-val': { kind: 'integer', min: 0, default: 0, description: 'Validation images per class (with --per-class-train).', group: 'Data' },
  'per-class-test': { kind: 'integer', min: 0, default: 0, description: 'Test images per class (with --per-class-train).', group: 'Data' },
} as const satisfies Record<string, FlagSpec>;

/** The split options of SPLIT_FLAGS, checked for conflicts; `val` is a --val flag when the command has one. */
export function splitOptions(
  flags: { splitVal?: number; splitTest?: number; perClassTrain?: number; perClassVal?: number; perClassTest?: number; val?: string },
  command: string,
): Pick<TrainOptions, 'split' | 'perClass'> {
  const split = flags.splitVal !== undefined || flags.splitTest !== undefined;
  const perClass = flags.perClassTrain !== undefined;
  if (!perClass && (flags.perClassVal !== undefined || flags.perClassTest !== undefined)) {
    throw usageError('--per-class-val and --per-class-test need --per-class-train.', command);
  }
  if (split && perClass) throw usageError('Split either by fractions (--split-val/--split-test) or by counts (--per-class-*), not both.', command);
  if (flags.val !== undefined && (split || perClass)) {
    throw usageError('--val gives the validation data, so nothing is split off --data: drop --split-*/--per-class-*, or drop --val.', command);
  }
  if (split) return { split: { val: flags.splitVal ?? TRAIN_DEFAULTS.split.val, test: flags.splitTest ?? TRAIN_DEFAULTS.split.test } };
  if (flags.perClassTrain !== undefined) return { perClass: { train: flags.perClassTrain, val: flags.perClassVal ?? 0, test: flags.perClassTest ?? 0 } };
  return {};
}

/** `--unfreeze N|LAYER` as the API's unfreeze option. */
export const unfreezeOption = (value: string): number | string => (/^\d+$/.test(value) ? Number(value) : value);

/** Fine-tuning flags: the train options that strategy 'finetune' reads. */
export const FINE_TUNE_FLAGS = {
  strategy: { kind: 'choice', choices: TRAIN_STRATEGIES, default: 'features', description: `'features': a head on the frozen backbone; 'finetune': the head, then the top blocks too (trunk in onnxruntime, top in tfjs; backbone ${TRAIN_DEFAULTS.fineTuneBackbone} unless --backbone).`, group: 'Fine-tuning' },
  unfreeze: { kind: 'string', placeholder: 'N|LAYER', default: '2', description: 'Top blocks to train below the cut, or the layer after which everything trains.', group: 'Fine-tuning' },
  resume: { kind: 'boolean', description: 'Continue an interrupted fine-tuning run from the checkpoint in --out.', group: 'Fine-tuning' },
  augment: { kind: 'boolean', description: 'Random resized crop, flip and colour jitter (seeded); the trunk then runs once per epoch.', group: 'Fine-tuning' },
  schedule: { kind: 'choice', choices: FINE_TUNE_SCHEDULES, default: FINE_TUNE_DEFAULTS.schedule, description: "'fine-tune': head, then every block at once; 'gradual': one more block per epoch (ULMFiT).", group: 'Fine-tuning' },
  'fine-tune-epochs': { kind: 'integer', min: 1, default: FINE_TUNE_DEFAULTS.epochs, description: 'Epochs with unfrozen blocks, after the head phase.', group: 'Fine-tuning' },
  'fine-tune-learning-rate': { kind: 'number', min: 0, minExclusive: true, default: FINE_TUNE_DEFAULTS.learningRate, description: "The head's Adam step size once blocks train.", group: 'Fine-tuning' },
  'lr-mult': { kind: 'number', min: 1, default: FINE_TUNE_DEFAULTS.lrMult, description: 'Discriminative rates: the lowest block trains at the rate divided by this.', group: 'Fine-tuning' },
  l2sp: { kind: 'number', min: 0, default: FINE_TUNE_DEFAULTS.l2sp, description: 'L2-SP: penalty on the distance of the trained blocks from their pretrained weights.', group: 'Fine-tuning' },
  'batch-norm': { kind: 'choice', choices: BATCH_NORM_MODES, default: FINE_TUNE_DEFAULTS.batchNorm, description: "'frozen': BatchNorm stays in inference mode (Keras's advice); 'train': batch statistics.", group: 'Fine-tuning' },
} as const satisfies Record<string, FlagSpec>;

/** The trainHead options train passes through, read off the API's defaults so a new option needs a new flag. */
type HeadOptionName = Exclude<keyof typeof TRAIN_HEAD_DEFAULTS, 'kind'>;
const HEAD_OPTION_NAMES = Object.keys(TRAIN_HEAD_DEFAULTS).filter((k): k is HeadOptionName => k !== 'kind');

function describeTraining(result: TrainResult): string {
  const { manifest } = result;
  const { counts } = manifest.training;
  const text = manifest.modality === 'text';
  const lines = [
    `Trained a ${manifest.head.kind} head on ${backboneText(manifest)}.`,
    `${text ? 'Sentences' : 'Images'}: ${counts.train} train, ${counts.val} val, ${counts.test} test; ${manifest.labels.length} classes. ` +
      `Features: ${result.extraction.extracted} extracted, ${result.extraction.cached} from the cache (${(result.extraction.durationMs / 1000).toFixed(1)} s).`,
  ];
  if (manifest.training.stoppedReason) lines.push(`Stopped early: ${manifest.training.stoppedReason}`);
  const cv = manifest.training.crossValidation;
  if (cv) lines.push(cv.folds > 0 ? `L2 strength ${cv.l2}, chosen by ${cv.folds}-fold cross-validation on train + val.` : `L2 strength ${cv.l2} (as given; fitted on train).`);
  if (manifest.modality !== 'text' && manifest.backboneChoice) lines.push(`Backbone chosen by LogME: ${manifest.backboneChoice.chosen.join(' + ')}, because ${manifest.backboneChoice.reason}.`);
  return lines.join('\n');
}

function trainSummary(result: TrainResult): string {
  const { metrics, manifest } = result;
  const crossValidated = (manifest.training.crossValidation?.folds ?? 0) > 0;
  const valName = crossValidated ? 'Cross-validation estimate (out-of-fold, train + val)' : 'Validation';
  const shown = metrics.test ? { name: 'Test split', m: metrics.test } : metrics.val ? { name: valName, m: metrics.val } : undefined;
  const out = [describeTraining(result), ''];
  const unit = manifest.modality === 'text' ? 'sentences' : 'images';
  if (shown) out.push(`${shown.name} (${shown.m.n} ${unit})`, formatMetricsSummary(shown.m, manifest.labels), '');
  else out.push(`No validation or test ${unit}, so no metrics: pass --val DIR, or let train split --data.`, '');
  if (metrics.test && metrics.val) out.push(`${crossValidated ? 'Cross-validated accuracy (out-of-fold)' : 'Validation accuracy'} ${percent(metrics.val.accuracy)} (${metrics.val.n} ${unit}).`);
  if (result.transfer) out.push(result.transfer.summary, '');
  const report = trainingReportPath(result.modelDir);
  out.push(...warningLines(result.warnings, result.skipped, report ? 'report.html' : 'the --json output'));
  out.push(`Model   ${result.modelDir}`);
  if (report) out.push(`Report  ${report}`);
  const model = quotedPath(result.modelDir);
  out.push(
    '',
    'Next:',
    `  headstart eval --model ${model} --data <labelled ${unit}>`,
    manifest.modality === 'text' ? `  headstart predict --model ${model} "a sentence" ...` : `  headstart predict --model ${model} <image>...`,
  );
  return out.join('\n');
}

export const trainCommand = defineCommand({
  name: 'train',
  summary: 'Train a new head on a frozen pretrained backbone (images or text); save, evaluate and report the model.',
  description:
    'Lists the images (one sub-folder per class, or a CSV/JSONL manifest) or reads the labelled sentences (a CSV/TSV/JSONL ' +
    'table with text and label columns, a .txt file of sentence<TAB>label lines, or a folder of .txt files per class; ' +
    'recognised by their layout, with the text backbone glove-wink-100d by default), splits off validation and test parts ' +
    'unless --val is given, extracts features with the backbone, trains the head, scores it and writes ' +
    'the model directory (headstart.json, head/, card.md, report.html, metrics.json) atomically to --out.',
  flags: {
    data: { kind: 'string', placeholder: 'DIR', required: true, description: 'Image folder (one sub-folder per class) or a CSV/JSONL manifest; or a text dataset.', group: 'Data' },
    out: { kind: 'string', placeholder: 'DIR', required: true, description: 'Folder to write the model directory to (an earlier model there is replaced atomically; anything else needs --force).', group: 'Data' },
    ...FORCE_FLAG,
    val: { kind: 'string', placeholder: 'DIR', description: 'Separate validation data. Without it, validation and test parts are split off --data.', group: 'Data' },
    ...SPLIT_FLAGS,
    'text-column': { kind: 'string', placeholder: 'NAME', default: 'text', description: 'Text datasets: the column (CSV, TSV) or key (JSONL) holding the text.', group: 'Data' },
    'label-column': { kind: 'string', placeholder: 'NAME', default: 'label', description: 'Text datasets: the column or key holding the label.', group: 'Data' },
    ...DATA_POLICY_FLAGS,
    ...DISTRIBUTE_FLAGS,
    backbone: {
      ...BACKBONE_FLAG,
      default: TRAIN_DEFAULTS.imageBackbone,
      description:
        "Zoo id of the pretrained backbone ('headstart zoo list'), or 'auto': every image backbone in the zoo is scored on the training images by LogME and the best " +
        `(or the top two's concatenation, when it scores higher) is used; for text data a text backbone id or folder (default ${TRAIN_DEFAULTS.textBackbone}).`,
    },
    'backbone-candidates': { kind: 'string', placeholder: 'ID,ID', default: 'every image backbone in the zoo', description: "With --backbone auto: the zoo ids to choose from, comma-separated.", group: 'Backbone' },
    tta: { kind: 'choice', choices: TEST_TIME_AUGMENTATIONS, default: `${TRAIN_DEFAULTS.tta} with --backbone auto, else none`, description: "Test-time augmentation of image features: 'flip' averages each image's and its mirror's features (in training, eval and predict; export refuses it).", group: 'Backbone' },
    ...CUT_FLAGS,
    pooling: {
      ...CUT_FLAGS.pooling,
      choices: [...POOLINGS, ...TEXT_POOLINGS],
      description: "How the feature map becomes a vector (images: avg, max, flatten; text: mean or sif over the word vectors).",
    },
    head: {
      kind: 'choice',
      choices: HEAD_KINDS,
      default: `${TRAIN_DEFAULTS.head} (images), ${TRAIN_DEFAULTS.textHead} (text)`,
      description: "Head architecture. 'logistic': logistic regression fitted to convergence on train + validation, its L2 strength chosen by 5-fold cross-validation (validation figures are then out-of-fold estimates); 'linear': the same layer trained by Adam with early stopping on the validation part.",
      group: 'Head',
    },
    ...HEAD_FLAGS,
    ...FINE_TUNE_FLAGS,
    keep: {
      kind: 'choice',
      choices: KEEP_CHOICES,
      default: TRAIN_DEFAULTS.keep,
      description: "When the no-transfer baseline (text: tf-idf logistic regression) beats the transfer model on validation: 'best' saves the baseline, 'transfer' the transfer model.",
      group: 'Output',
    },
    'no-report': { kind: 'boolean', description: 'Do not write report.html and metrics.json into the model directory.', group: 'Output' },
  },
  env: envHelp(),
  examples: [
    'headstart train --data photos/ --out my-model',
    'headstart train --data photos/ --out my-model --head mlp --hidden 256,128 --epochs 50',
    'headstart train --data train/ --val val/ --out my-model --backbone inception-v3 --json > result.json',
    'headstart train --data photos/ --out my-model --backbone mobilenet-v2 --strategy finetune --unfreeze 2 --augment',
    'headstart train --data reviews.jsonl --out review-model',
    'headstart train --data reviews.csv --text-column body --label-column stars --out review-model --pooling sif',
  ],
  async run({ flags }, ctx) {
    const options: TrainOptions = {
      ...workflowOptions(ctx, { noCache: flags.noCache, onBadFile: resolveBadFilePolicy(flags, 'train') }),
      ...distributeOption(resolveDistribute(flags, 'train')),
      data: flags.data,
      out: flags.out,
      ...splitOptions(flags, 'train'),
    };
    if (flags.force) options.force = true;
    if (flags.val !== undefined) options.val = flags.val;
    if (flags.backbone !== undefined) options.backbone = flags.backbone;
    if (flags.backboneCandidates !== undefined) options.backboneCandidates = flags.backboneCandidates.split(',').map((id) => id.trim()).filter(Boolean);
    if (flags.tta !== undefined) options.tta = flags.tta;
    if (flags.cut !== undefined) options.cut = flags.cut;
    if (flags.pooling !== undefined) options.pooling = flags.pooling;
    if (flags.textColumn !== undefined) options.textColumn = flags.textColumn;
    if (flags.labelColumn !== undefined) options.labelColumn = flags.labelColumn;
    if (flags.head !== undefined) options.head = flags.head;
    if (flags.noReport) options.report = false;
    if (flags.keep !== undefined) options.keep = flags.keep;
    for (const name of HEAD_OPTION_NAMES) {
      const value = flags[name];
      if (value !== undefined) Object.assign(options, { [name]: value });
    }

    if (flags.strategy !== undefined) options.strategy = flags.strategy;
    if (flags.unfreeze !== undefined) options.unfreeze = unfreezeOption(flags.unfreeze);
    if (flags.resume) options.resume = true;
    if (flags.augment) options.augment = true;
    if (flags.schedule !== undefined) options.schedule = flags.schedule;
    if (flags.fineTuneEpochs !== undefined) options.fineTuneEpochs = flags.fineTuneEpochs;
    if (flags.fineTuneLearningRate !== undefined) options.fineTuneLearningRate = flags.fineTuneLearningRate;
    if (flags.lrMult !== undefined) options.lrMult = flags.lrMult;
    if (flags.l2sp !== undefined) options.l2sp = flags.l2sp;
    if (flags.batchNorm !== undefined) options.batchNorm = flags.batchNorm;

    const result = await train(options);
    ctx.print(result, () => trainSummary(result));
  },
});
