import { formatTable, HeadstartError, predict, readInputText, readModelManifest } from '../../index.js';
import type { PredictOptions, PredictResult, RankedClasses, TextPredictOptions, TextPredictResult } from '../../index.js';
import { defineCommand } from '../command-spec.js';
import { DATA_POLICY_FLAGS, envHelp, resolveBadFilePolicy } from '../common-flags.js';
import { EXIT, usageError } from '../errors.js';
import { percent } from './result-text.js';
import { workflowOptions } from './workflow-options.js';

function predictionRow(input: string, p: RankedClasses): string[] {
  const others = p.top.slice(1).map((t) => `${t.label} (${percent(t.probability)})`);
  return [input, `${p.label} (${percent(p.probability)})`, others.length ? `[${others.join(', ')}]` : ''];
}

function predictLines(result: PredictResult | TextPredictResult): string {
  const rows = 'skipped' in result ? result.predictions.map((p) => predictionRow(p.file, p)) : result.predictions.map((p) => predictionRow(JSON.stringify(p.text), p));
  const lines = rows.length > 0 ? [formatTable(rows, { align: ['left', 'left', 'left'] })] : [];
  if ('skipped' in result) for (const s of result.skipped) lines.push(`${s.file}  skipped: ${s.reason}`);
  return lines.join('\n');
}

/** One sentence per non-empty line; a missing file is a command-line mistake, a FIFO or huge file an input error. */
async function readSentences(file: string): Promise<string[]> {
  const text = await readInputText(file).catch((err: unknown) => {
    if (err instanceof HeadstartError && err.code !== 'HS_FILE_NOT_FOUND') throw err;
    throw usageError(`Cannot read --file ${file}: ${(err as Error).message}`, 'predict');
  });
  return text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '');
}

export const predictCommand = defineCommand({
  name: 'predict',
  summary: 'Classify image files, or sentences, with a trained model.',
  description:
    'Prints one line per input: the best label with its probability, then the runners-up. For an image model the ' +
    'arguments are image files; files that cannot be read or decoded are listed as skipped (or stop the run with ' +
    '--strict). For a text model they are sentences (quote each one), and --file adds one sentence per line of a file.',
  flags: {
    model: { kind: 'string', placeholder: 'DIR', required: true, description: "A model directory written by 'headstart train'.", group: 'Data' },
    file: { kind: 'string', placeholder: 'PATH', description: 'Text models: a file with one sentence per line to classify.', group: 'Data' },
    'top-k': { kind: 'integer', min: 1, default: 3, description: 'How many classes to return per input, best first.', group: 'Output' },
    ...DATA_POLICY_FLAGS,
  },
  positionals: { name: 'FILE', description: 'Image files to classify (a text model: sentences).', min: 0 },
  env: envHelp(),
  examples: [
    'headstart predict --model my-model photo1.jpg photo2.png',
    'headstart predict --model my-model --top-k 1 --json photos/*.jpg',
    'headstart predict --model review-model "Great phone, the battery lasts for days." "Broke after a week."',
    'headstart predict --model review-model --file sentences.txt --json',
  ],
  async run({ flags, positionals }, ctx) {
    if (positionals.length === 0 && flags.file === undefined) {
      throw usageError("'headstart predict' needs a FILE argument: image files to classify (a text model: sentences, or --file).", 'predict');
    }
    const common = workflowOptions(ctx, { noCache: flags.noCache, onBadFile: resolveBadFilePolicy(flags, 'predict') });
    const topK = flags.topK !== undefined ? { topK: flags.topK } : {};
    if ((await readModelManifest(flags.model)).modality === 'text') {
      const texts = [...positionals, ...(flags.file !== undefined ? await readSentences(flags.file) : [])];
      if (texts.length === 0) throw usageError(`--file ${flags.file ?? ''} has no sentences.`, 'predict');
      const options: TextPredictOptions = { ...common, model: flags.model, texts, ...topK };
      const result = await predict(options);
      ctx.print(result, () => predictLines(result));
      return;
    }
    if (flags.file !== undefined) throw usageError(`--file reads sentences for a text model; ${flags.model} is an image model: pass image files as arguments.`, 'predict');
    if (positionals.length === 0) throw usageError("'headstart predict' needs a FILE argument: image files to classify.", 'predict');
    const options: PredictOptions = { ...common, model: flags.model, files: positionals, ...topK };
    const result = await predict(options);
    ctx.print(result, () => predictLines(result));
    // Nothing classified is a failure, not an empty success: scripts must see it in the exit status.
    if (result.predictions.length === 0) {
      ctx.io.stderr.write(`error [HS_DATASET_EMPTY]: none of the ${result.skipped.length} input file(s) could be read (each is listed with its reason). Pass image files (JPEG, PNG, WebP, GIF).\n`);
      return EXIT.failure;
    }
    return EXIT.ok;
  },
});
