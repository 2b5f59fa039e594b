import path from 'node:path';
import { evaluateModel, formatMetricsSummary } from '../../index.js';
import type { EvaluateModelOptions, EvaluateModelResult } from '../../index.js';
import { defineCommand } from '../command-spec.js';
import { DATA_POLICY_FLAGS, DISTRIBUTE_FLAGS, envHelp, distributeOption, resolveBadFilePolicy, resolveDistribute } from '../common-flags.js';
import { percent, warningLines } from './result-text.js';
import { workflowOptions } from './workflow-options.js';

function evalSummary(result: EvaluateModelResult, options: EvaluateModelOptions): string {
  return [
    `Evaluated ${path.resolve(options.model)} on ${path.resolve(options.data)} (${result.metrics.n} examples).`,
    '',
    formatMetricsSummary(result.metrics, result.classes),
    '',
    `Top-${result.topK.k} accuracy ${percent(result.topK.accuracy)}`,
    ...warningLines([], result.skipped, 'the report'),
    `Report   ${result.reportPath}`,
    `Metrics  ${result.metricsPath}`,
  ].join('\n');
}

export const evalCommand = defineCommand({
  name: 'eval',
  summary: 'Score a trained model on labelled images (or sentences, for a text model) and write an HTML report.',
  description:
    'Runs the model on every image of --data (same class names as training; a subset of them is fine) and writes ' +
    'report.html and metrics.json with the confusion matrix, per-class scores and the training curves.',
  flags: {
    model: { kind: 'string', placeholder: 'DIR', required: true, description: "A model directory written by 'headstart train'.", group: 'Data' },
    data: { kind: 'string', placeholder: 'DIR', required: true, description: "Labelled data of the model's kind: images (a folder with one sub-folder per class, or a manifest), or a text dataset.", group: 'Data' },
    'text-column': { kind: 'string', placeholder: 'NAME', default: 'the training column', description: 'Text models: the column or key holding the text.', group: 'Data' },
    'label-column': { kind: 'string', placeholder: 'NAME', default: 'the training column', description: 'Text models: the column or key holding the label.', group: 'Data' },
    ...DATA_POLICY_FLAGS,
    ...DISTRIBUTE_FLAGS,
    'report-dir': { kind: 'string', placeholder: 'DIR', default: '<model>/eval-report', description: 'Where report.html and metrics.json go.', group: 'Output' },
    'top-k': { kind: 'integer', min: 1, default: 3, description: 'Also report top-k accuracy for this k.', group: 'Output' },
  },
  env: envHelp(),
  examples: ['headstart eval --model my-model --data holdout/', 'headstart eval --model my-model --data holdout/ --top-k 2 --json'],
  async run({ flags }, ctx) {
    const options: EvaluateModelOptions = {
      ...workflowOptions(ctx, { noCache: flags.noCache, onBadFile: resolveBadFilePolicy(flags, 'eval') }),
      ...distributeOption(resolveDistribute(flags, 'eval')),
      model: flags.model,
      data: flags.data,
    };
    if (flags.reportDir !== undefined) options.reportDir = flags.reportDir;
    if (flags.topK !== undefined) options.topK = flags.topK;
    if (flags.textColumn !== undefined) options.textColumn = flags.textColumn;
    if (flags.labelColumn !== undefined) options.labelColumn = flags.labelColumn;
    const result = await evaluateModel(options);
    ctx.print(result, () => evalSummary(result, options));
  },
});
