import { CONTINUAL_DEFAULTS, CONTINUAL_STRATEGIES, updateModel } from '../../index.js';
import type { UpdateModelOptions, UpdateModelResult } from '../../index.js';
import { defineCommand } from '../command-spec.js';
import { DATA_POLICY_FLAGS, envHelp, resolveBadFilePolicy } from '../common-flags.js';
import { usageError } from '../errors.js';
import { percent, warningLines } from './result-text.js';
import { workflowOptions } from './workflow-options.js';

function updateSummary(result: UpdateModelResult): string {
  if (result.action === 'rollback') {
    return `Rolled ${result.modelDir} back from version ${result.previousVersion} to version ${result.version} (${result.classes.length} classes: ${result.classes.join(', ')}).`;
  }
  const examples = Object.entries(result.examples).map(([c, n]) => `${c} ${n}`).join(', ');
  return [
    `Updated ${result.modelDir} to version ${result.version} with strategy ${result.strategy ?? '?'}: learned ${examples}.`,
    result.newClasses.length > 0 ? `New classes: ${result.newClasses.join(', ')}. The model now knows ${result.classes.length}: ${result.classes.join(', ')}.` : `No new classes; the model knows ${result.classes.length}.`,
    ...(result.metrics ? [`Test accuracy ${percent(result.metrics.accuracy)} on ${result.metrics.n} examples, macro-F1 ${percent(result.metrics.macroF1)}.`] : []),
    ...(result.memory ? [`Kept in continual/: ${result.memory.keeps} (${(result.memory.bytes / 1024).toFixed(0)} KiB).`] : []),
    `Time: ${(result.durationMs.extract / 1000).toFixed(1)} s extracting the new features, ${(result.durationMs.update / 1000).toFixed(2)} s updating.`,
    `Version ${result.previousVersion} is kept in versions/${result.previousVersion}/: 'headstart update --model ${result.modelDir} --rollback' puts it back.`,
    ...warningLines(result.warnings, result.skipped, 'the result'),
  ].join('\n');
}

export const updateCommand = defineCommand({
  name: 'update',
  summary: 'Teach a trained model new examples or new classes without retraining from scratch; roll back an update.',
  description:
    'Adds the labelled examples of --data (known classes, new classes, or both) to a model trained with strategy features, on its ' +
    'frozen backbone (features through the cache), with a continual-learning strategy: ncm (class means), slda (streaming linear ' +
    'discriminant analysis; exact, any order gives the batch fit), replay (a herded buffer of --memory features per class plus the new ' +
    'data, the head retrained), naive (the head trained on the new data only: forgets) or joint (every feature kept, the head retrained: ' +
    'the upper bound, unbounded memory). The first update starts the strategy\'s state from the data the model was trained on (--base). ' +
    'The model directory is rewritten atomically as the next version; the previous one is kept in versions/<n>/ for --rollback.',
  flags: {
    model: { kind: 'string', placeholder: 'DIR', required: true, description: "A model directory written by 'headstart train' or an earlier update.", group: 'Data' },
    data: { kind: 'string', placeholder: 'DIR', description: "New labelled data of the model's kind: an image folder or manifest, or a text dataset.", group: 'Data' },
    base: { kind: 'string', placeholder: 'DIR', default: "the model's training data", description: 'First update only: the data the model was trained on, to start the strategy\'s state from.', group: 'Data' },
    test: { kind: 'string', placeholder: 'DIR', description: 'Labelled data to score the updated model on (its metrics go into headstart.json).', group: 'Data' },
    'text-column': { kind: 'string', placeholder: 'NAME', default: 'the training column', description: 'Text models: the column or key holding the text.', group: 'Data' },
    'label-column': { kind: 'string', placeholder: 'NAME', default: 'the training column', description: 'Text models: the column or key holding the label.', group: 'Data' },
    ...DATA_POLICY_FLAGS,
    rollback: { kind: 'boolean', description: 'Put the previous version back instead of updating (takes only --model).', group: 'Versions' },
    strategy: { kind: 'choice', choices: CONTINUAL_STRATEGIES, default: "the model's, else slda", description: 'How the model learns; fixed by its first update.', group: 'Strategy' },
    memory: { kind: 'integer', min: 1, default: CONTINUAL_DEFAULTS.memory, description: 'replay: feature vectors kept per class (chosen by herding).', group: 'Strategy' },
    shrinkage: { kind: 'number', min: 0, minExclusive: true, max: 1, default: CONTINUAL_DEFAULTS.shrinkage, description: 'slda: shrinkage of the shared covariance towards its mean variance.', group: 'Strategy' },
    temperature: { kind: 'number', min: 0, minExclusive: true, default: CONTINUAL_DEFAULTS.temperature, description: 'ncm: softmax temperature over cosine similarities.', group: 'Strategy' },
    epochs: { kind: 'integer', min: 1, default: CONTINUAL_DEFAULTS.epochs, description: 'replay, naive, joint: epochs of head training per update.', group: 'Strategy' },
    seed: { kind: 'integer', default: CONTINUAL_DEFAULTS.seed, description: 'replay, naive, joint: seeds head training.', group: 'Strategy' },
  },
  env: envHelp(),
  examples: [
    'headstart update --model my-model --data new-photos/',
    'headstart update --model my-model --data more/ --strategy replay --memory 20 --test holdout/ --json',
    'headstart update --model my-model --rollback',
  ],
  async run({ flags }, ctx) {
    const options: UpdateModelOptions = { ...workflowOptions(ctx, { noCache: flags.noCache, onBadFile: resolveBadFilePolicy(flags, 'update') }), model: flags.model };
    if (flags.rollback) {
      const extra = (['data', 'base', 'test', 'strategy', 'memory', 'shrinkage', 'temperature', 'epochs', 'seed'] as const).filter((k) => flags[k] !== undefined);
      if (extra.length > 0) throw usageError(`--rollback restores the previous version as it was: drop ${extra.map((k) => `--${k}`).join(', ')}.`, 'update');
      options.rollback = true;
    } else {
      if (flags.data === undefined) throw usageError('update needs --data (the new labelled examples), or --rollback.', 'update');
      options.data = flags.data;
    }
    for (const key of ['base', 'test', 'textColumn', 'labelColumn', 'strategy', 'memory', 'shrinkage', 'temperature', 'epochs', 'seed'] as const) {
      if (flags[key] !== undefined) Object.assign(options, { [key]: flags[key] });
    }
    const result = await updateModel(options);
    ctx.print(result, () => updateSummary(result));
  },
});
