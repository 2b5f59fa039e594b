import { findLearningRate, LR_FIND_DEFAULTS, TRAIN_DEFAULTS } from '../../index.js';
import type { FindLearningRateOptions, FindLearningRateResult } from '../../index.js';
import { defineCommand } from '../command-spec.js';
import { DATA_POLICY_FLAGS, envHelp, FORCE_FLAG, resolveBadFilePolicy } from '../common-flags.js';
import { BACKBONE_FLAG, CUT_FLAGS, FINE_TUNE_FLAGS, HEAD_FLAGS, SPLIT_FLAGS, splitOptions, unfreezeOption } from './train.js';
import { reportLines, warningLines } from './result-text.js';
import { workflowOptions } from './workflow-options.js';

function lrFindSummary(result: FindLearningRateResult): string {
  return [
    `Scanned learning rates ${result.startLr} to ${result.endLr} over ${result.rates.length} steps on ${result.trainImages} training images,`,
    `training ${result.groups.join(', ')} of ${result.backbone} above ${result.boundary}.`,
    result.diverged ? `The loss diverged at ${result.rates[result.rates.length - 1]?.toPrecision(2)}.` : 'The loss did not diverge within the range.',
    '',
    `Suggested learning rate  ${result.suggestion.toPrecision(2)}`,
    ...warningLines([], result.skipped, 'the report'),
    ...reportLines(result),
    '',
    'Next:',
    `  headstart train --strategy finetune --backbone ${result.backbone} --fine-tune-learning-rate ${result.suggestion.toPrecision(2)} ...`,
  ].join('\n');
}

export const lrFindCommand = defineCommand({
  name: 'lr-find',
  summary: 'Find a fine-tuning learning rate: plot the loss against the rate and suggest one.',
  description:
    'Splits --data as train does, runs the frozen trunk once, builds the top that --strategy finetune would train ' +
    '(--unfreeze blocks and a new linear head), then takes one batch per rate with rates growing ' +
    'geometrically and records the smoothed loss (the range test of Smith 2017 and fastai). Writes report.html ' +
    '(the loss against the rate on a log axis, with the suggestion) and results.json to --out.',
  flags: {
    data: { kind: 'string', placeholder: 'DIR', required: true, description: 'Image folder (one sub-folder per class) or a CSV/JSONL manifest.', group: 'Data' },
    out: { kind: 'string', placeholder: 'DIR', required: true, description: 'Folder for report.html and results.json.', group: 'Data' },
    ...FORCE_FLAG,
    ...SPLIT_FLAGS,
    ...DATA_POLICY_FLAGS,
    backbone: { ...BACKBONE_FLAG, default: TRAIN_DEFAULTS.fineTuneBackbone },
    ...CUT_FLAGS,
    unfreeze: FINE_TUNE_FLAGS.unfreeze,
    'batch-norm': FINE_TUNE_FLAGS['batch-norm'],
    'start-lr': { kind: 'number', min: 0, minExclusive: true, default: LR_FIND_DEFAULTS.startLr, description: 'The first (smallest) rate.', group: 'Scan' },
    'end-lr': { kind: 'number', min: 0, minExclusive: true, default: LR_FIND_DEFAULTS.endLr, description: 'The last (largest) rate.', group: 'Scan' },
    steps: { kind: 'integer', min: 5, default: LR_FIND_DEFAULTS.steps, description: 'Batches, one per rate.', group: 'Scan' },
    'batch-size': { kind: 'integer', min: 1, default: LR_FIND_DEFAULTS.batchSize, description: 'Images per step.', group: 'Scan' },
    seed: HEAD_FLAGS.seed,
  },
  env: envHelp(),
  examples: [
    'headstart lr-find --data photos/ --out lr-report',
    'headstart lr-find --data photos/ --out lr-report --backbone mobilenet-v2-imagenet --unfreeze 2 --json',
  ],
  async run({ flags }, ctx) {
    const options: FindLearningRateOptions = {
      ...workflowOptions(ctx, { noCache: flags.noCache, onBadFile: resolveBadFilePolicy(flags, 'lr-find') }),
      data: flags.data,
      out: flags.out,
      ...(flags.force ? { force: true } : {}),
      ...splitOptions(flags, 'lr-find'),
    };
    if (flags.backbone !== undefined) options.backbone = flags.backbone;
    if (flags.cut !== undefined) options.cut = flags.cut;
    if (flags.pooling !== undefined) options.pooling = flags.pooling;
    if (flags.unfreeze !== undefined) options.unfreeze = unfreezeOption(flags.unfreeze);
    if (flags.batchNorm !== undefined) options.batchNorm = flags.batchNorm;
    if (flags.startLr !== undefined) options.startLr = flags.startLr;
    if (flags.endLr !== undefined) options.endLr = flags.endLr;
    if (flags.steps !== undefined) options.steps = flags.steps;
    if (flags.batchSize !== undefined) options.batchSize = flags.batchSize;
    if (flags.seed !== undefined) options.seed = flags.seed;
    const result = await findLearningRate(options);
    ctx.print(result, () => lrFindSummary(result));
  },
});
