import { defaultHome, formatTable, getModelCard, listTextBackbones } from '../../index.js';
import type { ModelCard, TextModelCard } from '../../index.js';
import { defineCommand } from '../command-spec.js';
import { envHelp } from '../common-flags.js';
import { formatDefinitions } from '../text-wrap.js';

/** How each card field is shown; typed over every key, so a new card field cannot be left out. */
const FIELDS: { [K in keyof ModelCard]-?: [label: string, show: (value: ModelCard[K], card: ModelCard) => string] } = {
  id: ['id', (v) => v],
  name: ['name', (v) => v],
  modality: ['modality', (v) => v],
  format: ['format', (v) => v],
  origin: ['origin', (v) => (v === 'bundled' ? 'bundled (converted from its npm package on first use)' : 'user (registered with zoo add)')],
  input: [
    'input',
    (v) => `${v.height}x${v.width} ${v.channelOrder}, resize ${v.resize}, x' = (x - mean) / std with mean [${v.mean.join(', ')}], std [${v.std.join(', ')}]`,
  ],
  defaultCut: ['default cut', (v) => v],
  defaultPooling: ['default pooling', (v) => v],
  embeddingSize: ['embedding size', (v, c) => `${v} (at ${c.defaultCut} with ${c.defaultPooling} pooling)`],
  defaultCutReason: ['why that cut', (v) => v],
  cutPoints: ['cut points', (v) => `${v.length} (below)`],
  blocks: ['blocks', (v) => (v ? `${v.length} (fine-tunable: --strategy finetune --unfreeze N trains the top N)` : 'none listed (not fine-tunable)')],
  sourceTraining: [
    'source training',
    (v) => {
      if (!v) return 'none (not trained by headstart)';
      const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
      return `${v.architecture} on ${v.data}: test accuracy ${pct(v.testAccuracy.model)} vs majority class ${pct(v.testAccuracy.majorityClass)}, ` +
        `softmax regression on pixels ${pct(v.testAccuracy.softmaxRegression)} (baseline check ${v.baselineCheck}); ${v.epochs} epochs, ${v.trainingSeconds} s`;
    },
  ],
  weightsSource: ['weights source', (v) => v],
  trainedOn: ['trained on', (v) => v],
  pretrainedLayers: ['pretrained layers', (v) => v],
  licence: ['licence', (v) => v],
};

function cardText(card: ModelCard): string {
  const rows = (Object.keys(FIELDS) as (keyof ModelCard)[]).map((key): [string, string] => {
    const [label, show] = FIELDS[key] as [string, (value: unknown, card: ModelCard) => string];
    return [label, show(card[key], card)];
  });
  const cuts = formatTable(
    card.cutPoints.map((p) => [p.layer === card.defaultCut ? `${p.layer} *` : p.layer, p.shape.join('x'), p.note ?? '']),
    { header: ['layer', 'output (h x w x c)', 'note'], align: ['left', 'right', 'left'] },
  );
  return [
    formatDefinitions(rows, { indent: 0, maxLabel: 18 }),
    '',
    'Cut points (* = default; any other layer name works too, with --cut):',
    cuts
      .split('\n')
      .map((l) => `  ${l}`)
      .join('\n'),
  ].join('\n');
}

/** A text backbone's card: every field, one per line. */
function textCardText(card: TextModelCard): string {
  const rows = Object.entries(card).map(([key, value]): [string, string] => [key, Array.isArray(value) ? value.join(', ') : String(value)]);
  return formatDefinitions(rows, { indent: 0, maxLabel: 18 });
}

export const zooShowCommand = defineCommand({
  name: 'zoo show',
  summary: "Show a backbone's full model card: input spec, preprocessing, cut points, provenance, licence.",
  flags: {},
  positionals: { name: 'ID', description: "The backbone's zoo id ('headstart zoo list').", min: 1, max: 1 },
  env: envHelp(),
  examples: ['headstart zoo show mobilenet-v2', 'headstart zoo show mobilenet-v2 --json'],
  async run({ positionals }, ctx) {
    const id = positionals[0] as string;
    const home = ctx.home ?? defaultHome();
    const textCard = (await listTextBackbones({ home })).find((c) => c.id === id);
    if (textCard) {
      ctx.print(textCard, () => textCardText(textCard));
      return;
    }
    const card = await getModelCard(id, { home });
    ctx.print(card, () => cardText(card));
  },
});
