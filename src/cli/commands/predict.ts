import { formatTable, predict } from '../../index.js';
import type { PredictOptions, PredictResult } from '../../index.js';
import { defineCommand } from '../command-spec.js';
import { DATA_POLICY_FLAGS, envHelp, resolveBadFilePolicy } from '../common-flags.js';
import { percent } from './result-text.js';
import { workflowOptions } from './workflow-options.js';

function predictLines(result: PredictResult): string {
  const rows: string[][] = result.predictions.map((p) => {
    const others = p.top.slice(1).map((t) => `${t.label} (${percent(t.probability)})`);
    return [p.file, `${p.label} (${percent(p.probability)})`, others.length ? `[${others.join(', ')}]` : ''];
  });
  const lines = rows.length > 0 ? [formatTable(rows, { align: ['left', 'left', 'left'] })] : [];
  for (const s of result.skipped) lines.push(`${s.file}  skipped: ${s.reason}`);
  return lines.join('\n');
}

export const predictCommand = defineCommand({
  name: 'predict',
  summary: 'Classify image files with a trained model.',
  description:
    'Prints one line per file: the best label with its probability, then the runners-up. Files that cannot be read ' +
    'or decoded are listed as skipped (or stop the run with --strict).',
  flags: {
    model: { kind: 'string', placeholder: 'DIR', required: true, description: "A model directory written by 'headstart train'.", group: 'Data' },
    'top-k': { kind: 'integer', min: 1, default: 3, description: 'How many classes to return per image, best first.', group: 'Output' },
    ...DATA_POLICY_FLAGS,
  },
  positionals: { name: 'FILE', description: 'Image files to classify.', min: 1 },
  env: envHelp(),
  examples: ['headstart predict --model my-model photo1.jpg photo2.png', 'headstart predict --model my-model --top-k 1 --json photos/*.jpg'],
  async run({ flags, positionals }, ctx) {
    const options: PredictOptions = {
      ...workflowOptions(ctx, { noCache: flags.noCache, onBadFile: resolveBadFilePolicy(flags, 'predict') }),
      model: flags.model,
      files: positionals,
    };
    if (flags.topK !== undefined) options.topK = flags.topK;
    const result = await predict(options);
    ctx.print(result, () => predictLines(result));
  },
});
