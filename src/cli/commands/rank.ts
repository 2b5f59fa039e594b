import { formatTable, rankBackbones, RANK_BACKBONES_DEFAULTS, TRANSFER_SCORE_NAMES, TRANSFER_SCORES } from '../../index.js';
import type { RankBackbonesOptions, RankBackbonesResult } from '../../index.js';
import { defineCommand } from '../command-spec.js';
import { DATA_POLICY_FLAGS, DISTRIBUTE_FLAGS, envHelp, distributeOption, FORCE_FLAG, resolveBadFilePolicy, resolveDistribute } from '../common-flags.js';
import { usageError } from '../errors.js';
import { percent, reportLines, warningLines } from './result-text.js';
import { workflowOptions } from './workflow-options.js';

const DASH = '—';

const score = (x: number | null): string => (x === null ? DASH : x.toFixed(4));
const seconds = (ms: number | null | undefined): string => (ms === null || ms === undefined ? DASH : (ms / 1000).toFixed(2));
const correlation = (x: number | null): string => (x === null ? DASH : x.toFixed(2));

function rankSummary(result: RankBackbonesResult): string {
  const verified = result.verification !== undefined;
  const scores = formatTable(
    result.ranking.map((r) => [
      r.rank,
      r.backbone,
      ...TRANSFER_SCORES.map((s) => score(r.scores[s])),
      ...(verified ? [r.verifiedAccuracy === undefined ? DASH : percent(r.verifiedAccuracy)] : []),
    ]),
    { header: ['#', 'backbone', ...TRANSFER_SCORES.map((s) => TRANSFER_SCORE_NAMES[s]), ...(verified ? ['probe acc'] : [])] },
  );
  const times = formatTable(
    result.ranking.map((r) => [
      r.backbone,
      seconds(r.durationsMs.extract),
      seconds(r.durationsMs.extractLogits),
      ...TRANSFER_SCORES.map((s) => seconds(r.durationsMs[s])),
      ...(verified ? [seconds(r.durationsMs.probe)] : []),
    ]),
    { header: ['time (s)', 'features', 'logits', ...TRANSFER_SCORES.map((s) => TRANSFER_SCORE_NAMES[s]), ...(verified ? ['probe'] : [])] },
  );
  const out = [
    `Ranked ${result.ranking.length} backbones on ${result.data} (${result.images} images, ${result.classes.length} classes) by ${TRANSFER_SCORE_NAMES[result.rankBy]}; higher is better.`,
    '',
    scores,
    '',
    times,
  ];
  const v = result.verification;
  if (v) {
    out.push(
      '',
      `Linear probe: trained on ${v.trainCount} images, tested on ${v.testCount} (seed ${v.seed}). Rank correlation with its accuracy:`,
      formatTable(TRANSFER_SCORES.map((s) => [TRANSFER_SCORE_NAMES[s], correlation(v.correlations[s].spearman), correlation(v.correlations[s].kendall)]), {
        header: ['score', 'Spearman', 'Kendall'],
      }),
      v.topPickIsBest
        ? `The probe agrees: ${result.ranking[0]?.backbone} is the most accurate.`
        : `The probe disagrees: ${v.bestByAccuracy} is the most accurate; ${result.ranking[0]?.backbone} was ranked first.`,
    );
  }
  out.push(`${DASH} LEEP and NCE need the backbone's own source classifier (a 'logits' cut point).`);
  out.push(...warningLines(result.warnings, result.skipped, result.resultsPath ?? 'the --json output'));
  out.push(...reportLines(result));
  return out.join('\n');
}

export const rankCommand = defineCommand({
  name: 'rank',
  summary: 'Score candidate backbones on labelled data without fine-tuning (LogME, H-score, LEEP, NCE).',
  description:
    'Extracts features of every image of --data with each backbone (reusing the feature cache) and computes LogME and ' +
    "H-score on them, plus LEEP and NCE for backbones with their own classifier. With --verify, also trains a linear " +
    'probe per backbone on a seeded split and reports how well each score ranked the backbones. Writes report.html ' +
    'and results.json to --out.',
  flags: {
    data: { kind: 'string', placeholder: 'DIR', required: true, description: 'Labelled target images: a folder with one sub-folder per class, or a manifest.', group: 'Data' },
    ...DATA_POLICY_FLAGS,
    ...DISTRIBUTE_FLAGS,
    backbones: { kind: 'string', placeholder: 'ID,ID', default: 'every zoo backbone', description: "Comma-separated zoo ids to score ('headstart zoo list').", group: 'Ranking' },
    'rank-by': { kind: 'choice', choices: TRANSFER_SCORES, default: RANK_BACKBONES_DEFAULTS.rankBy, description: 'The score the ranking follows.', group: 'Ranking' },
    verify: { kind: 'boolean', description: 'Also train a linear probe per backbone and report its test accuracy.', group: 'Ranking' },
    'test-fraction': {
      kind: 'number', min: 0, minExclusive: true, max: 1, maxExclusive: true, default: RANK_BACKBONES_DEFAULTS.testFraction,
      description: 'Share of each class held out to test the probe (with --verify).', group: 'Ranking',
    },
    seed: { kind: 'integer', default: RANK_BACKBONES_DEFAULTS.seed, description: "Seeds the probe's split and training.", group: 'Ranking' },
    out: { kind: 'string', placeholder: 'DIR', default: 'headstart-reports/rank-<data folder name>', description: 'Folder for report.html and results.json.', group: 'Output' },
    ...FORCE_FLAG,
    'no-report': { kind: 'boolean', description: 'Do not write report.html and results.json.', group: 'Output' },
  },
  env: envHelp(),
  examples: [
    'headstart rank --data photos/',
    'headstart rank --data photos/ --backbones mobilenet-v1-imagenet,mobilenet-v2-imagenet --verify',
    'headstart rank --data photos/ --rank-by leep --json > ranking.json',
  ],
  async run({ flags }, ctx) {
    const options: RankBackbonesOptions = {
      ...workflowOptions(ctx, { noCache: flags.noCache, onBadFile: resolveBadFilePolicy(flags, 'rank') }),
      ...distributeOption(resolveDistribute(flags, 'rank')),
      data: flags.data,
    };
    if (flags.backbones !== undefined) {
      const ids = flags.backbones.split(',').map((b) => b.trim()).filter(Boolean);
      if (ids.length === 0) throw usageError('--backbones needs at least one zoo id, e.g. --backbones mobilenet-v1-imagenet,mobilenet-v2.', 'rank');
      options.backbones = ids;
    }
    if (flags.rankBy !== undefined) options.rankBy = flags.rankBy;
    if (flags.verify) options.verify = true;
    if (flags.testFraction !== undefined) {
      if (!flags.verify) throw usageError('--test-fraction sets the split of the --verify probe: add --verify, or drop --test-fraction.', 'rank');
      options.testFraction = flags.testFraction;
    }
    if (flags.seed !== undefined) options.seed = flags.seed;
    if (flags.out !== undefined) options.out = flags.out;
    if (flags.force) options.force = true;
    if (flags.noReport) options.report = false;
    const result = await rankBackbones(options);
    ctx.print(result, () => rankSummary(result));
  },
});
