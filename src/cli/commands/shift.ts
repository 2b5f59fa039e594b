import { measureShift, POOLINGS } from '../../index.js';
import type { MeasureShiftOptions, MeasureShiftResult } from '../../index.js';
import { defineCommand } from '../command-spec.js';
import { DATA_POLICY_FLAGS, envHelp, FORCE_FLAG, resolveBadFilePolicy } from '../common-flags.js';
import { percent, reportLines, warningLines } from './result-text.js';
import { BACKBONE_FLAG } from './train.js';
import { workflowOptions } from './workflow-options.js';

function shiftSummary(result: MeasureShiftResult): string {
  const { mmd, domainClassifier: domain } = result;
  const p = (x: number) => (x < 0.001 ? x.toExponential(1) : x.toFixed(3));
  return [
    `Compared ${result.images.source} source images (${result.source}) with ${result.images.target} target images (${result.target})`,
    `in the feature space of ${result.backbone.id} (${result.backbone.cut}, ${result.backbone.dim}-d).`,
    '',
    ...result.verdict,
    '',
    `MMD²               ${mmd.mmd2.toPrecision(4)}  (p = ${p(mmd.pValue)}, ${mmd.permutations} permutations)`,
    `Domain classifier  ${percent(1 - domain.domainError)} accuracy on held-out images (50% is chance)`,
    `Proxy A-distance   ${domain.proxyADistance.toFixed(3)}  (0 same, 2 separable; strong from ${result.thresholds.strongDistance})`,
    ...warningLines(result.warnings, result.skipped, result.resultsPath ?? 'the --json output'),
    ...reportLines(result),
  ].join('\n');
}

export const shiftCommand = defineCommand({
  name: 'shift',
  summary: "Measure how far a target dataset is from the source in a backbone's feature space.",
  description:
    'Extracts features of both datasets (reusing the feature cache) and reports the maximum mean discrepancy with a ' +
    'permutation-test p-value, the proxy A-distance of a linear domain classifier, per-class shift where both have the ' +
    'class, and a plain-language verdict. Writes report.html and results.json to --out.',
  flags: {
    source: { kind: 'string', placeholder: 'DIR', required: true, description: 'The data a model is trained on: labelled image folder or manifest.', group: 'Data' },
    target: { kind: 'string', placeholder: 'DIR', required: true, description: 'The data it will meet: labelled image folder or manifest.', group: 'Data' },
    ...DATA_POLICY_FLAGS,
    backbone: BACKBONE_FLAG,
    cut: { kind: 'string', placeholder: 'LAYER', default: "the backbone's defaultCut", description: 'Layer to take features from.', group: 'Backbone' },
    pooling: { kind: 'choice', choices: POOLINGS, default: "the backbone's defaultPooling", description: 'How the feature map becomes a vector.', group: 'Backbone' },
    permutations: { kind: 'integer', min: 1, default: 500, description: 'Permutations of the MMD test.', group: 'Measures' },
    'max-samples': { kind: 'integer', min: 2, default: 500, description: 'Images per side at most (a seeded random subset beyond that).', group: 'Measures' },
    seed: { kind: 'integer', default: 0, description: 'Seeds subsampling, permutations and the domain classifier.', group: 'Measures' },
    out: { kind: 'string', placeholder: 'DIR', default: 'headstart-reports/shift-<target folder name>', description: 'Folder for report.html and results.json.', group: 'Output' },
    ...FORCE_FLAG,
    'no-report': { kind: 'boolean', description: 'Do not write report.html and results.json.', group: 'Output' },
  },
  env: envHelp(),
  examples: ['headstart shift --source train/ --target field-photos/', 'headstart shift --source train/ --target field-photos/ --backbone mobilenet-v2-imagenet --json'],
  async run({ flags }, ctx) {
    const options: MeasureShiftOptions = {
      ...workflowOptions(ctx, { noCache: flags.noCache, onBadFile: resolveBadFilePolicy(flags, 'shift') }),
      source: flags.source,
      target: flags.target,
    };
    if (flags.backbone !== undefined) options.backbone = flags.backbone;
    if (flags.cut !== undefined) options.cut = flags.cut;
    if (flags.pooling !== undefined) options.pooling = flags.pooling;
    if (flags.permutations !== undefined) options.permutations = flags.permutations;
    if (flags.maxSamples !== undefined) options.maxSamples = flags.maxSamples;
    if (flags.seed !== undefined) options.seed = flags.seed;
    if (flags.out !== undefined) options.out = flags.out;
    if (flags.force) options.force = true;
    if (flags.noReport) options.report = false;
    const result = await measureShift(options);
    ctx.print(result, () => shiftSummary(result));
  },
});
