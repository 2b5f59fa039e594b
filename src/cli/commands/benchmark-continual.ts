import { BENCHMARK_CONTINUAL_DEFAULTS, benchmarkContinual, CONTINUAL_PROTOCOLS, CONTINUAL_STRATEGIES, CONTINUAL_TABLE_HEADER, continualTableRows, formatTable } from '../../index.js';
import type { BenchmarkContinualOptions, BenchmarkContinualResult, ContinualProtocol, ContinualStrategy } from '../../index.js';
import { defineCommand } from '../command-spec.js';
import { envHelp } from '../common-flags.js';
import { usageError } from '../errors.js';
import { reportLines } from './result-text.js';
import { workflowOptions } from './workflow-options.js';

function benchmarkSummary(result: BenchmarkContinualResult): string {
  return [
    ...result.protocols.flatMap((p) => [
      `${p.protocol}: ${p.description}; features ${p.featureSource}`,
      formatTable(continualTableRows(result.summary.filter((s) => s.protocol === p.protocol)), { header: CONTINUAL_TABLE_HEADER }),
      '',
    ]),
    'Forgetting and BWT in accuracy points (BWT below 0: earlier steps got worse); update ms per step, features already extracted.',
    ...reportLines(result),
  ].join('\n');
}

/** A comma-separated flag value, each item one of `choices`. */
function listFlag<T extends string>(value: string, choices: readonly T[], flag: string): T[] {
  const list = value.split(',').map((s) => s.trim());
  const unknown = list.filter((s) => !(choices as readonly string[]).includes(s));
  if (unknown.length > 0) throw usageError(`Unknown ${flag} ${unknown.map((s) => `'${s}'`).join(', ')}: expected ${choices.map((s) => `'${s}'`).join(', ')}.`, 'benchmark continual');
  return list as T[];
}

export const benchmarkContinualCommand = defineCommand({
  name: 'benchmark continual',
  summary: 'Measure the update strategies (ncm, slda, replay, naive, joint) on class-incremental protocols.',
  description:
    'Each strategy learns the steps of a protocol in order on frozen features and is tested after every step on the test data of every ' +
    'step so far: flowers one or two classes at a time (--flowers), split MNIST in five steps of two digits through the synthetic-digits ' +
    "source model ('headstart demo sim2real' builds it), FSDD digits in five steps and a new FSDD speaker arriving (--fsdd). Reports final " +
    'accuracy, average incremental accuracy, forgetting, backward transfer, the gap to joint, update time and memory, over several class orders.',
  flags: {
    flowers: { kind: 'string', placeholder: 'DIR', description: 'Flower photos, one sub-folder per class (the flowers protocols).', group: 'Data' },
    fsdd: { kind: 'string', placeholder: 'DIR', description: 'FSDD recordings, {digit}_{speaker}_{index}.wav (the fsdd protocols).', group: 'Data' },
    protocols: { kind: 'string', placeholder: 'LIST', default: 'those whose data is given', description: `Comma-separated: ${CONTINUAL_PROTOCOLS.join(', ')}.` },
    strategies: { kind: 'string', placeholder: 'LIST', default: CONTINUAL_STRATEGIES.join(','), description: 'Comma-separated update strategies.' },
    orders: { kind: 'integer', min: 1, default: BENCHMARK_CONTINUAL_DEFAULTS.orders, description: 'Class orders per protocol (new speakers for fsdd-new-speaker).' },
    memory: { kind: 'integer', min: 1, default: BENCHMARK_CONTINUAL_DEFAULTS.memory, description: 'replay: feature vectors kept per class.' },
    'flowers-backbone': { kind: 'string', placeholder: 'ID', default: BENCHMARK_CONTINUAL_DEFAULTS.flowersBackbone, description: 'Image backbone of the flowers protocols.', group: 'Backbone' },
    'mnist-backbone': { kind: 'string', placeholder: 'ID', default: BENCHMARK_CONTINUAL_DEFAULTS.mnistBackbone, description: 'Digits backbone of split-mnist.', group: 'Backbone' },
    out: { kind: 'string', placeholder: 'DIR', default: '<home>/benchmark-continual', description: 'Folder for results.json, report.html and the MNIST images.', group: 'Output' },
  },
  env: envHelp(),
  examples: [
    'headstart benchmark continual --flowers photos/ --protocols flowers-one-class',
    'headstart benchmark continual --flowers photos/ --fsdd fsdd/recordings --orders 3 --json',
  ],
  async run({ flags }, ctx) {
    const options: BenchmarkContinualOptions = { ...workflowOptions(ctx) };
    for (const key of ['flowers', 'fsdd', 'orders', 'memory', 'flowersBackbone', 'mnistBackbone', 'out'] as const) {
      if (flags[key] !== undefined) Object.assign(options, { [key]: flags[key] });
    }
    if (flags.protocols !== undefined) options.protocols = listFlag<ContinualProtocol>(flags.protocols, CONTINUAL_PROTOCOLS, 'protocol');
    if (flags.strategies !== undefined) options.strategies = listFlag<ContinualStrategy>(flags.strategies, CONTINUAL_STRATEGIES, 'strategy');
    const result = await benchmarkContinual(options);
    ctx.print(result, () => benchmarkSummary(result));
  },
});
