import { ARCHITECTURES, pretrain, SCRATCH_DEFAULTS, TEXT_SCRATCH_DEFAULTS } from '../../index.js';
import type { PretrainOptions, PretrainResult } from '../../index.js';
import { defineCommand } from '../command-spec.js';
import { EXIT } from '../errors.js';
import { DATA_POLICY_FLAGS, envHelp, resolveBadFilePolicy } from '../common-flags.js';
import { percent, warningLines } from './result-text.js';
import { workflowOptions } from './workflow-options.js';

function pretrainSummary(result: PretrainResult): string {
  const a = result.testAccuracy;
  return [
    `Source model '${result.id}': test accuracy ${percent(a.model)}; baselines: majority class ${percent(a.majorityClass)}, softmax regression on ${result.baselineInput} ${percent(a.softmaxRegression)} (check ${result.baselineCheck}).`,
    result.published
      ? `Published to the zoo${result.baselineCheck === 'forced' ? ' with --force (it did not beat the baselines; its card says so)' : ''}. Reuse it: headstart train --backbone ${result.id} --data <target> --out <model>`
      : `Not published: ${result.unpublishedReason ?? 'it does not beat the naive baselines'}.${result.baselineCheck === 'failed' ? ' Train longer or on more data, or pass --force.' : ''}`,
    ...warningLines([], result.skipped, 'the report'),
    `Report   ${result.reportPath}`,
  ].join('\n');
}

export const pretrainCommand = defineCommand({
  name: 'pretrain',
  summary: 'Train a source model from scratch on plentiful source data, check it against baselines, publish it to the zoo.',
  description:
    'The develop-a-model approach: trains a built-in architecture on --data, fits naive baselines (majority class, softmax ' +
    'regression on raw pixels) on the same split, and adds the model to the zoo under --out only if it beats them ' +
    "(or with --force). Then 'headstart train --backbone <id>' reuses it like a bundled backbone: features, fine-tuning, rank. " +
    'Audio (.wav) data trains the CNN on log-mel spectrograms against softmax regression on mean and std MFCCs; the model ' +
    'is kept in the run folder, not the zoo (zoo cards describe image inputs only). Text (.tsv, .csv, .jsonl, .txt) trains a text-cnn ' +
    '(1-D convolutions over word embeddings, max-pooled) over a tokenizer fitted on the source texts, its embedding started ' +
    'from --word-vectors, against bag-of-words logistic regression, and is published as a text backbone: ' +
    "'headstart train --backbone <id>' reads new texts through its tokenizer up to its pooled features.",
  flags: {
    data: { kind: 'string', placeholder: 'DIR', required: true, description: 'Labelled source data: images or .wav clips in one sub-folder per class or a manifest, or a text dataset.', group: 'Data' },
    out: { kind: 'string', placeholder: 'ID', required: true, description: 'Zoo id to publish the source model under.', group: 'Data' },
    'label-from': { kind: 'string', placeholder: 'PATTERN', description: "Audio in a flat folder: labels from file names, e.g. '{label}_{speaker}_{index}.wav' (FSDD).", group: 'Data' },
    ...DATA_POLICY_FLAGS,
    arch: { kind: 'choice', choices: ARCHITECTURES, default: SCRATCH_DEFAULTS.arch, description: "'small-cnn': three blocks of 3x3 convolutions; 'mlp': dense layers on the flattened pixels; text always trains a 'text-cnn'.", group: 'Model' },
    size: { kind: 'integer', min: 8, default: SCRATCH_DEFAULTS.size, description: 'Input images are resized to size x size.', group: 'Model' },
    width: { kind: 'integer', min: 1, description: `Channels of the first block (doubled per block), default ${SCRATCH_DEFAULTS.width}; text: filters of each convolution, default ${TEXT_SCRATCH_DEFAULTS.width}.`, group: 'Model' },
    'word-vectors': { kind: 'string', placeholder: 'ID', description: "Text: the word-vector backbone the embedding starts from (default glove-wink-100d), or 'none' for random values.", group: 'Model' },
    epochs: { kind: 'integer', min: 1, description: `Maximum epochs, default ${SCRATCH_DEFAULTS.epochs} (text: ${TEXT_SCRATCH_DEFAULTS.epochs}).`, group: 'Training' },
    'batch-size': { kind: 'integer', min: 1, default: SCRATCH_DEFAULTS.batchSize, description: 'Images per step.', group: 'Training' },
    'learning-rate': { kind: 'number', min: 0, minExclusive: true, description: `Adam step size, default ${SCRATCH_DEFAULTS.learningRate} (text: ${TEXT_SCRATCH_DEFAULTS.learningRate}).`, group: 'Training' },
    patience: { kind: 'integer', min: 1, description: `Epochs without a better validation loss before stopping, default ${SCRATCH_DEFAULTS.patience} (text: ${TEXT_SCRATCH_DEFAULTS.patience}).`, group: 'Training' },
    dropout: { kind: 'number', min: 0, max: 1, maxExclusive: true, description: `Dropout before the classifier, default ${SCRATCH_DEFAULTS.dropout} (text: ${TEXT_SCRATCH_DEFAULTS.dropout}).`, group: 'Training' },
    'head-epochs': { kind: 'integer', min: 0, description: `Epochs the classifier trains alone before every layer does, default ${SCRATCH_DEFAULTS.headEpochs} (text: ${TEXT_SCRATCH_DEFAULTS.headEpochs}).`, group: 'Training' },
    seed: { kind: 'integer', default: SCRATCH_DEFAULTS.seed, description: 'Seeds the split, initialisation and batch order.', group: 'Training' },
    force: { kind: 'boolean', description: 'Publish even if the model does not beat the baselines.', group: 'Training' },
    resume: { kind: 'boolean', description: 'Continue an interrupted run from its checkpoint.', group: 'Training' },
  },
  env: envHelp(),
  examples: [
    'headstart synth digits --out synthetic && headstart pretrain --data synthetic --out synth-digits',
    'headstart pretrain --data source/ --out my-source --epochs 30 --json',
    'headstart pretrain --data ../shared/data/sentiment-sentences/imdb_labelled.txt --out imdb-cnn',
    "headstart pretrain --data ../shared/data/fsdd/recordings --label-from '{label}_{speaker}_{index}.wav' --out fsdd-cnn --width 8 --epochs 6",
  ],
  async run({ flags }, ctx) {
    const options: PretrainOptions = { ...workflowOptions(ctx, { noCache: flags.noCache, onBadFile: resolveBadFilePolicy(flags, 'pretrain') }), data: flags.data, out: flags.out };
    for (const key of ['arch', 'size', 'width', 'epochs', 'batchSize', 'learningRate', 'patience', 'seed', 'dropout', 'headEpochs'] as const) {
      if (flags[key] !== undefined) Object.assign(options, { [key]: flags[key] });
    }
    if (flags.labelFrom !== undefined) options.labelFrom = flags.labelFrom === 'folder' ? 'folder' : { pattern: flags.labelFrom };
    if (flags.wordVectors !== undefined) options.wordVectors = flags.wordVectors === 'none' ? false : flags.wordVectors;
    if (flags.force) options.force = true;
    if (flags.resume) options.resume = true;
    const result = await pretrain(options);
    ctx.print(result, () => pretrainSummary(result));
    // Only a model that failed its baseline check is a failed run: an audio model is kept in its run folder rather
    // than published by design (zoo cards describe image inputs), and exits 0 like any successful run.
    return result.baselineCheck === 'failed' ? EXIT.failure : EXIT.ok;
  },
});
