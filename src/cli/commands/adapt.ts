import { adaptDomains, ADAPT_FEATURES_DEFAULTS, ADAPT_GUARD_DEFAULTS, ADAPT_METHOD_CHOICES, POOLINGS } from '../../index.js';
import type { AdaptDomainsOptions, AdaptDomainsResult, AdaptGuard } from '../../index.js';
import { defineCommand } from '../command-spec.js';
import { DATA_POLICY_FLAGS, envHelp, FORCE_FLAG, resolveBadFilePolicy } from '../common-flags.js';
import { percent, reportLines, warningLines } from './result-text.js';
import { BACKBONE_FLAG } from './train.js';
import { workflowOptions } from './workflow-options.js';

function adaptSummary(result: AdaptDomainsResult): string {
  const methodName = result.method === 'auto' ? `auto: ${result.chosen}` : result.method;
  const accuracy = (x: number | null) => (x === null ? 'n/a (unlabelled)' : percent(x));
  const rows: [string, AdaptDomainsResult['adapted']][] = [
    ['source only', result.sourceOnly],
    ...(result.sameNetworkSourceOnly ? [['same network, no adaptation', result.sameNetworkSourceOnly] as [string, AdaptDomainsResult['adapted']]] : []),
    [`adapted (${methodName})`, result.adapted],
  ];
  const guardLine = (name: string, g: AdaptGuard, targetAccuracy: number | null) =>
    `${name.padEnd(14)} ${percent(g.sourceValAccuracy.adapted).padStart(9)}  ${(g.mmd2.after === null ? 'unchanged' : g.mmd2.after.toPrecision(3)).padStart(9)}  ${g.targetEntropy.adapted.toFixed(3).padStart(7)}  ${g.classBalance.adapted.toFixed(2).padStart(7)}  ${(g.flags.length === 0 ? 'passed' : g.flags.join(', ')).padEnd(24)} ${accuracy(targetAccuracy)}`;
  const guards: [string, AdaptGuard, number | null][] = result.auto
    ? result.auto.candidates.map((c) => [c.method, c.guard, c.targetAccuracy])
    : result.guard
      ? [[result.chosen, result.guard, result.adapted.targetAccuracy]]
      : [];
  const g0 = guards[0]?.[1];
  const shift = result.shift;
  return [
    `Adapted ${result.source} -> ${result.target} with ${methodName} on ${result.backbone.id} features (${result.backbone.dim}-d).`,
    `Method: ${result.paper}.`,
    '',
    `${'model'.padEnd(30)} ${'source val'.padStart(10)}  target (scoring only)`,
    ...rows.map(([name, s]) => `${name.padEnd(30)} ${percent(s.sourceValAccuracy).padStart(10)}  ${accuracy(s.targetAccuracy)}`),
    '',
    ...(g0
      ? [
          `Guard (no target labels; source-only: source val ${percent(g0.sourceValAccuracy.sourceOnly)}, MMD² ${g0.mmd2.before.toPrecision(3)}, entropy ${g0.targetEntropy.sourceOnly.toFixed(3)}, balance ${g0.classBalance.sourceOnly.toFixed(2)}):`,
          `${'method'.padEnd(14)} ${'source val'.padStart(9)}  ${'MMD²'.padStart(9)}  ${'entropy'.padStart(7)}  ${'balance'.padStart(7)}  ${'guard'.padEnd(24)} target (scoring only)`,
          ...guards.map(([name, g, a]) => guardLine(name, g, a)),
          '',
        ]
      : []),
    ...(result.auto ? [result.auto.reason] : []),
    result.selection,
    ...(shift
      ? [
          `Domain classifier accuracy ${percent(shift.before.domainClassifierAccuracy)} before, ${shift.after ? percent(shift.after.domainClassifierAccuracy) : 'unchanged (no features moved)'} after (50% is chance).`,
        ]
      : []),
    ...warningLines(result.warnings, result.skipped, result.resultsPath ?? 'the --json output'),
    ...reportLines(result),
  ].join('\n');
}

export const adaptCommand = defineCommand({
  name: 'adapt',
  summary: 'Adapt a classifier from labelled source images to an unlabelled (or partly labelled) target domain.',
  description:
    'Extracts features of both datasets with one backbone, trains a source-only head and the chosen domain-adaptation ' +
    'method (adabn, coral, deep-coral, dann, pseudo-label, or auto: all of them, keeping the best that passes the guard), ' +
    'checks it without target labels (source validation accuracy, MMD between the domains, collapse of the target ' +
    'predictions) and warns when it made things worse, and reports source validation accuracy, target accuracy of ' +
    'both when the target has class sub-folders (those labels only score, never train or select), and the shift ' +
    'before and after. Writes report.html and results.json to --out.',
  flags: {
    source: { kind: 'string', placeholder: 'DIR', required: true, description: 'Labelled source images: one sub-folder per class, or a manifest.', group: 'Data' },
    target: { kind: 'string', placeholder: 'DIR', required: true, description: 'Target images: a plain folder (unlabelled) or one sub-folder per class (labels score only).', group: 'Data' },
    ...DATA_POLICY_FLAGS,
    method: {
      kind: 'choice', choices: ADAPT_METHOD_CHOICES, default: ADAPT_FEATURES_DEFAULTS.method, group: 'Method',
      description: "Domain-adaptation method; 'auto' runs them all, drops those the guard flags and keeps the one that brings the domains closest (MMD), or source-only.",
    },
    'source-accuracy-tolerance': { kind: 'number', min: 0, max: 1, default: ADAPT_GUARD_DEFAULTS.sourceAccuracyTolerance, description: 'Guard: largest fall in source validation accuracy that passes.', group: 'Method' },
    'mmd-tolerance': { kind: 'number', min: 0, default: ADAPT_GUARD_DEFAULTS.mmdTolerance, description: 'Guard: largest relative rise of MMD² between the domains that passes.', group: 'Method' },
    'target-labels-for-validation': { kind: 'boolean', description: 'Let half of the target labels pick epochs/thresholds (the other half scores); off: they only score.', group: 'Method' },
    threshold: { kind: 'number', min: 0, minExclusive: true, max: 1, default: ADAPT_FEATURES_DEFAULTS.threshold, description: 'pseudo-label: confidence a target image needs to be used.', group: 'Method' },
    rounds: { kind: 'integer', min: 1, default: ADAPT_FEATURES_DEFAULTS.rounds, description: 'pseudo-label: retraining rounds.', group: 'Method' },
    'coral-regularization': { kind: 'number', min: 0, minExclusive: true, default: ADAPT_FEATURES_DEFAULTS.coralRegularization, description: 'coral: lambda of C + lambda I, relative to the mean feature variance.', group: 'Method' },
    epochs: { kind: 'integer', min: 1, default: ADAPT_FEATURES_DEFAULTS.epochs, description: 'adabn, dann, deep-coral: epochs of the feature adapter.', group: 'Method' },
    hidden: { kind: 'integer', min: 1, default: ADAPT_FEATURES_DEFAULTS.hidden, description: 'adabn, dann, deep-coral: width of the adapter.', group: 'Method' },
    'alignment-weight': { kind: 'number', min: 0, default: '1 (dann), 1000 (deep-coral)', description: 'dann: largest gradient-reversal factor; deep-coral: CORAL loss weight.', group: 'Method' },
    'learning-rate': { kind: 'number', min: 0, minExclusive: true, default: ADAPT_FEATURES_DEFAULTS.learningRate, description: 'adabn, dann, deep-coral: initial learning rate.', group: 'Method' },
    head: { kind: 'choice', choices: ['linear', 'mlp'], default: ADAPT_FEATURES_DEFAULTS.head, description: 'Head of the source-only baseline, coral and pseudo-label.', group: 'Method' },
    'val-fraction': { kind: 'number', min: 0, minExclusive: true, max: 1, maxExclusive: true, default: ADAPT_FEATURES_DEFAULTS.valFraction, description: 'Share of each source class held out for source validation.', group: 'Method' },
    seed: { kind: 'integer', default: ADAPT_FEATURES_DEFAULTS.seed, description: 'Seeds the splits, heads and adapters.', group: 'Method' },
    backbone: BACKBONE_FLAG,
    cut: { kind: 'string', placeholder: 'LAYER', default: "the backbone's defaultCut", description: 'Layer to take features from.', group: 'Backbone' },
    pooling: { kind: 'choice', choices: POOLINGS, default: "the backbone's defaultPooling", description: 'How the feature map becomes a vector.', group: 'Backbone' },
    'no-measure-shift': { kind: 'boolean', description: 'Skip MMD and the proxy A-distance before and after.', group: 'Output' },
    out: { kind: 'string', placeholder: 'DIR', default: 'headstart-reports/adapt-<target folder name>', description: 'Folder for report.html and results.json.', group: 'Output' },
    ...FORCE_FLAG,
    'no-report': { kind: 'boolean', description: 'Do not write report.html and results.json.', group: 'Output' },
  },
  env: envHelp(),
  examples: [
    'headstart adapt --source studio-photos/ --target phone-photos/',
    'headstart adapt --source studio-photos/ --target phone-photos/ --method coral',
    'headstart adapt --source train/ --target field/ --method dann --epochs 50 --json',
  ],
  async run({ flags }, ctx) {
    const options: AdaptDomainsOptions = {
      ...workflowOptions(ctx, { noCache: flags.noCache, onBadFile: resolveBadFilePolicy(flags, 'adapt') }),
      source: flags.source,
      target: flags.target,
    };
    if (flags.method !== undefined) options.method = flags.method;
    const guard: NonNullable<AdaptDomainsOptions['guard']> = {};
    if (flags.sourceAccuracyTolerance !== undefined) guard.sourceAccuracyTolerance = flags.sourceAccuracyTolerance;
    if (flags.mmdTolerance !== undefined) guard.mmdTolerance = flags.mmdTolerance;
    if (Object.keys(guard).length > 0) options.guard = guard;
    if (flags.targetLabelsForValidation) options.targetLabelsForValidation = true;
    if (flags.threshold !== undefined) options.threshold = flags.threshold;
    if (flags.rounds !== undefined) options.rounds = flags.rounds;
    if (flags.coralRegularization !== undefined) options.coralRegularization = flags.coralRegularization;
    if (flags.epochs !== undefined) options.epochs = flags.epochs;
    if (flags.hidden !== undefined) options.hidden = flags.hidden;
    if (flags.alignmentWeight !== undefined) options.alignmentWeight = flags.alignmentWeight;
    if (flags.learningRate !== undefined) options.learningRate = flags.learningRate;
    if (flags.head !== undefined) options.head = flags.head;
    if (flags.valFraction !== undefined) options.valFraction = flags.valFraction;
    if (flags.seed !== undefined) options.seed = flags.seed;
    if (flags.backbone !== undefined) options.backbone = flags.backbone;
    if (flags.cut !== undefined) options.cut = flags.cut;
    if (flags.pooling !== undefined) options.pooling = flags.pooling;
    if (flags.noMeasureShift) options.measureShift = false;
    if (flags.out !== undefined) options.out = flags.out;
    if (flags.force) options.force = true;
    if (flags.noReport) options.report = false;
    const result = await adaptDomains(options);
    ctx.print(result, () => adaptSummary(result));
  },
});
