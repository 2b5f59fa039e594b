import { defaultHome, formatTable, listBackbones, listTextBackbones } from '../../index.js';
import type { ModelCard, TextModelCard } from '../../index.js';
import { defineCommand } from '../command-spec.js';
import { envHelp } from '../common-flags.js';

const MAX_CELL = 44;

function clip(text: string): string {
  return text.length > MAX_CELL ? `${text.slice(0, MAX_CELL - 1)}…` : text;
}

/** Graph-model node names are long paths whose end says the most. */
function clipStart(text: string): string {
  return text.length > MAX_CELL ? `…${text.slice(text.length - MAX_CELL + 1)}` : text;
}

function textBackboneTable(cards: TextModelCard[]): string {
  const rows = cards.map((c) => [c.id, clip(c.name), c.kind, c.poolings.join(', '), String(c.embeddingSize), c.origin, clip(c.licence)]);
  return formatTable(rows, { header: ['id', 'name', 'kind', 'pooling', 'embedding', 'origin', 'licence'] });
}

function backboneTable(cards: ModelCard[], textCards: TextModelCard[]): string {
  const rows = cards.map((c) => [
    c.id,
    clip(c.name),
    `${c.input.height}x${c.input.width}`,
    clipStart(c.defaultCut),
    String(c.embeddingSize),
    c.origin,
    clip(c.licence),
  ]);
  const table = formatTable(rows, { header: ['id', 'name', 'input', 'default cut', 'embedding', 'origin', 'licence'] });
  return `${table}\n\nFull card, cut points and provenance: headstart zoo show ID\n\nText backbones:\n${textBackboneTable(textCards)}`;
}

export const zooListCommand = defineCommand({
  name: 'zoo list',
  summary: 'List the backbones, image and text: bundled ones and those you registered or published with pretrain.',
  flags: {},
  env: envHelp(),
  examples: ['headstart zoo list', 'headstart zoo list --json'],
  async run(_args, ctx) {
    const home = ctx.home ?? defaultHome();
    const [cards, textCards] = [await listBackbones({ home }), await listTextBackbones({ home })];
    // One JSON list: text cards say modality 'text'.
    ctx.print([...cards, ...textCards], () => backboneTable(cards, textCards));
  },
});
