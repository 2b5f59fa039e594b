import { demo, formatTable, loadImageDataset } from '../../index.js';
import type { DemoOptions, DemoResult } from '../../index.js';
import { defineCommand } from '../command-spec.js';
import { envHelp, FORCE_FLAG } from '../common-flags.js';
import { backboneText, percent, quotedPath, trainingReportPath, warningLines } from './result-text.js';
import { BACKBONE_FLAG } from './train.js';
import { workflowOptions } from './workflow-options.js';

/** One photo from each of the first two classes, for the suggested predict command. */
async function examplePhotos(data: string): Promise<string[]> {
  const dataset = await loadImageDataset(data);
  return dataset.classes.slice(0, 2).flatMap((c) => dataset.items.find((i) => i.label === c)?.path ?? []);
}

function accuracyText(result: DemoResult): string {
  const parts: string[] = [];
  if (result.metrics.val) parts.push(`val ${percent(result.metrics.val.accuracy)} (${result.metrics.val.n} images)`);
  if (result.metrics.test) parts.push(`test ${percent(result.metrics.test.accuracy)} (${result.metrics.test.n} images)`);
  return parts.join(', ') || 'none (no held-out images)';
}

function demoSummary(result: DemoResult, photos: string[]): string {
  const { manifest, extraction } = result;
  const report = trainingReportPath(result.modelDir);
  const facts: string[][] = [
    ['Data', `${result.data} (${manifest.labels.length} classes: ${manifest.labels.join(', ')})`],
    ['Backbone', `${backboneText(manifest)}, ${manifest.head.kind} head`],
    ['Images', `${extraction.extracted} run through the backbone, ${extraction.cached} from the cache (${(extraction.durationMs / 1000).toFixed(1)} s)`],
    ['Accuracy', accuracyText(result)],
    ['Model', result.modelDir],
  ];
  if (report) facts.push(['Report', report]);
  const model = quotedPath(result.modelDir);
  const warnings = warningLines(result.warnings, result.skipped, 'report.html');
  return [
    'headstart demo: a new head on a frozen pretrained backbone, trained on the bundled flower photos.',
    '',
    formatTable(facts, { align: ['left', 'left'] }),
    '',
    ...warnings,
    ...(warnings.length > 0 ? [''] : []),
    'Try next:',
    `  headstart eval --model ${model} --data ${quotedPath(result.data)}`,
    `  headstart predict --model ${model} ${photos.map(quotedPath).join(' ')}`,
    '  headstart train --data <your folder, one sub-folder per class> --out my-model',
  ].join('\n');
}

export const demoCommand = defineCommand({
  name: 'demo',
  summary: 'Train on the bundled flower photos: the whole transfer-learning path, no arguments, no downloads.',
  description:
    'Trains a linear head on backbone features (the default backbone unless --backbone says otherwise) of 5 classes x 36 photos (20 train, 6 val, 10 test per class), ' +
    'saves the model with its report, and prints the commands to try next. The first run converts the backbone ' +
    'from its npm package once.',
  flags: {
    out: { kind: 'string', placeholder: 'DIR', default: '<HEADSTART_HOME>/demo-model', description: 'Where the demo model goes.', group: 'Data' },
    ...FORCE_FLAG,
    backbone: BACKBONE_FLAG,
    'no-cache': { kind: 'boolean', description: 'Do not reuse or store features in the feature cache.', group: 'Data' },
  },
  env: envHelp(),
  examples: ['headstart demo', 'headstart demo --backbone inception-v3 --out flowers-model'],
  async run({ flags }, ctx) {
    const options: DemoOptions = workflowOptions(ctx, { noCache: flags.noCache });
    if (flags.out !== undefined) options.out = flags.out;
    if (flags.force) options.force = true;
    if (flags.backbone !== undefined) options.backbone = flags.backbone;
    const result = await demo(options);
    const photos = ctx.json ? [] : await examplePhotos(result.data);
    ctx.print(result, () => demoSummary(result, photos));
  },
});
