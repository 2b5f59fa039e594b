import { demoSim2Real, SIM2REAL_DEFAULTS, SIM2REAL_METHODS } from '../../index.js';
import type { Sim2RealOptions, Sim2RealResult } from '../../index.js';
import { defineCommand } from '../command-spec.js';
import { envHelp, FORCE_FLAG } from '../common-flags.js';
import { curveTables } from './curve-text.js';
import { percent, reportLines } from './result-text.js';

function sim2realSummary(result: Sim2RealResult): string {
  const a = result.source.testAccuracy;
  return [
    `Source model ${result.source.id} on synthetic digits: ${percent(a.model)} (majority ${percent(a.majorityClass)}, softmax regression ${percent(a.softmaxRegression)}; check ${result.source.baselineCheck}).`,
    '',
    'Accuracy on real MNIST digits, mean over seeds (min-max):',
    curveTables(result.summary, SIM2REAL_METHODS),
    '',
    ...result.verdict,
    '',
    ...reportLines(result),
  ].join('\n');
}

export const demoSim2RealCommand = defineCommand({
  name: 'demo sim2real',
  summary: 'Simulated to real: a source model trained on rendered digits, reused on handwritten MNIST digits.',
  description:
    'Renders synthetic digits from installed fonts, pretrains a small CNN on them (checked against baselines and published ' +
    "to the zoo as 'sim2real-digits'), then learns real MNIST digits from k labelled examples per class three ways: the source " +
    'model frozen with a new head, fine-tuned, and the same network from scratch, over several seeds. Resumable: run it again ' +
    'after an interruption and finished runs are kept.',
  flags: {
    out: { kind: 'string', placeholder: 'DIR', default: '<HEADSTART_HOME>/demo-sim2real', description: 'Work folder: data, models, results.json, report.html.', group: 'Output' },
    ...FORCE_FLAG,
    shots: { kind: 'numbers', integers: true, above: 0, placeholder: '1,5,10,50', default: SIM2REAL_DEFAULTS.shots, description: 'Labelled real digits per class, one curve point each.' },
    seeds: { kind: 'numbers', integers: true, placeholder: '1,2,3', default: SIM2REAL_DEFAULTS.seeds, description: 'One run per seed and point.' },
    'source-per-class': { kind: 'integer', min: 10, default: SIM2REAL_DEFAULTS.sourcePerClass, description: 'Synthetic source digits per class.' },
    'test-per-class': { kind: 'integer', min: 1, default: SIM2REAL_DEFAULTS.testPerClass, description: 'Real test digits per class (the same for every run).' },
    unfreeze: { kind: 'integer', min: 1, default: SIM2REAL_DEFAULTS.unfreeze, description: 'Blocks the fine-tuned runs train.' },
  },
  env: envHelp(),
  examples: ['headstart demo sim2real', 'headstart demo sim2real --shots 1,10 --seeds 1 --json'],
  async run({ flags }, ctx) {
    const options: Sim2RealOptions = { signal: ctx.signal, onProgress: ctx.onProgress };
    if (ctx.home !== undefined) options.home = ctx.home;
    for (const key of ['out', 'shots', 'seeds', 'sourcePerClass', 'testPerClass', 'unfreeze'] as const) {
      if (flags[key] !== undefined) Object.assign(options, { [key]: flags[key] });
    }
    if (flags.force) options.force = true;
    const result = await demoSim2Real(options);
    ctx.print(result, () => sim2realSummary(result));
  },
});
