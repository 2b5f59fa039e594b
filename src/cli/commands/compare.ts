import { compareStrategies, COMPARE_DEFAULTS, COMPARE_STRATEGIES } from '../../index.js';
import type { CompareOptions, CompareResult, CompareStrategy } from '../../index.js';
import { defineCommand } from '../command-spec.js';
import { DATA_POLICY_FLAGS, envHelp, FORCE_FLAG, resolveBadFilePolicy } from '../common-flags.js';
import { usageError } from '../errors.js';
import { curveTables } from './curve-text.js';
import { reportLines, warningLines } from './result-text.js';
import { BACKBONE_FLAG } from './train.js';
import { workflowOptions } from './workflow-options.js';

function compareSummary(result: CompareResult): string {
  const methods = COMPARE_STRATEGIES.filter((s) => result.summary.some((p) => p.method === s));
  return [
    `Test accuracy on ${result.testImages} held-out images of ${result.data} (${result.classes.length} classes), backbone ${result.backbone}; mean over seeds (min-max):`,
    curveTables(result.summary, methods),
    '',
    ...result.verdict,
    ...warningLines([], result.skipped, 'the report'),
    '',
    ...reportLines(result),
  ].join('\n');
}

export const compareCommand = defineCommand({
  name: 'compare',
  summary: 'Learning curves: transfer (frozen, fine-tuned) against training from scratch, by labelled examples per class.',
  description:
    'Holds out a fixed test set, then trains each strategy on k labelled images per class drawn from the rest (k = 1, 2, 5, 10, 20, all), ' +
    'several seeds each, and reports test accuracy with its spread and the time each run took. Flags negative transfer (a transfer ' +
    'strategy below scratch on every seed) and overfitting (training accuracy far above test). Resumable: run it again after an ' +
    'interruption and finished runs are kept.',
  flags: {
    data: { kind: 'string', placeholder: 'DIR', required: true, description: 'Labelled images: one sub-folder per class, or a manifest.', group: 'Data' },
    ...DATA_POLICY_FLAGS,
    backbone: BACKBONE_FLAG,
    shots: { kind: 'numbers', integers: true, placeholder: '1,2,5,10,20,0', default: COMPARE_DEFAULTS.shots, description: 'Labelled examples per class per point (0: all of the pool).' },
    seeds: { kind: 'numbers', integers: true, placeholder: '1,2,3', default: COMPARE_DEFAULTS.seeds, description: 'One run per seed and point.' },
    'test-fraction': { kind: 'number', min: 0, minExclusive: true, max: 1, maxExclusive: true, default: COMPARE_DEFAULTS.testFraction, description: 'Share of each class held out as the fixed test set.' },
    strategies: { kind: 'string', placeholder: 'LIST', default: 'all that apply', description: `Comma-separated: ${COMPARE_STRATEGIES.map((s) => `'${s}'`).join(', ')}.` },
    'scratch-size': { kind: 'integer', min: 8, default: COMPARE_DEFAULTS.scratchSize, description: 'Input side of the from-scratch CNN.' },
    out: { kind: 'string', placeholder: 'DIR', default: 'headstart-reports/compare-<data name>', description: 'Folder for results.json, report.html and run models.', group: 'Output' },
    ...FORCE_FLAG,
  },
  env: envHelp(),
  examples: ['headstart compare --data photos/', "headstart compare --data photos/ --shots 1,5,20 --seeds 1,2 --strategies 'frozen + head,scratch' --json"],
  async run({ flags }, ctx) {
    const options: CompareOptions = { ...workflowOptions(ctx, { noCache: flags.noCache, onBadFile: resolveBadFilePolicy(flags, 'compare') }), data: flags.data };
    for (const key of ['backbone', 'shots', 'seeds', 'testFraction', 'scratchSize', 'out'] as const) {
      if (flags[key] !== undefined) Object.assign(options, { [key]: flags[key] });
    }
    if (flags.force) options.force = true;
    if (flags.strategies !== undefined) {
      const list = flags.strategies.split(',').map((s) => s.trim());
      const unknown = list.filter((s) => !(COMPARE_STRATEGIES as readonly string[]).includes(s));
      if (unknown.length > 0) throw usageError(`Unknown strategy ${unknown.map((s) => `'${s}'`).join(', ')}: expected ${COMPARE_STRATEGIES.map((s) => `'${s}'`).join(', ')}.`, 'compare');
      options.strategies = list as CompareStrategy[];
    }
    const result = await compareStrategies(options);
    ctx.print(result, () => compareSummary(result));
  },
});
