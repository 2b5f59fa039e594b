import { demoSentiment, SENTIMENT_DEFAULTS, SENTIMENT_METHODS } from '../../index.js';
import type { SentimentOptions, SentimentResult } from '../../index.js';
import { defineCommand } from '../command-spec.js';
import { envHelp, FORCE_FLAG } from '../common-flags.js';
import { usageError } from '../errors.js';
import { curveTables } from './curve-text.js';
import { percent, reportLines } from './result-text.js';

function sentimentSummary(result: SentimentResult): string {
  const a = result.source.testAccuracy;
  return [
    `Source model on imdb test sentences: ${percent(a.model)} (bag-of-words logistic regression ${percent(a.bagOfWords)}, ` +
      `linear head on word vectors ${percent(a.wordVectorsHead)}; baseline check ${result.source.baselineCheck}).`,
    `Amazon test words outside the source model's imdb vocabulary: ${percent(result.unknownToSource)}.`,
    '',
    `Accuracy on ${result.target.testPerClass * 2} amazon test sentences, mean over seeds (min-max):`,
    curveTables(result.summary, SENTIMENT_METHODS, { kLabel: (k) => (k === result.target.trainPerClass ? `${k} (all)` : String(k)) }),
    '',
    ...result.verdict,
    '',
    ...reportLines(result),
  ].join('\n');
}

/** `8,32,all` as the API's shots. */
function parseShots(value: string): (number | 'all')[] {
  return value.split(',').map((part) => {
    const v = part.trim();
    if (v === 'all') return 'all';
    if (!/^\d+$/.test(v) || Number(v) < 1) throw usageError(`--shots takes positive integers or 'all', comma-separated (e.g. 8,32,all). Received: '${value}'.`, 'demo sentiment');
    return Number(v);
  });
}

export const demoSentimentCommand = defineCommand({
  name: 'demo sentiment',
  summary: 'Movie reviews to product reviews: an imdb-trained sentiment model reused on amazon sentences, as a learning curve.',
  description:
    'Trains a source model (a text CNN over an imdb vocabulary, its embedding started from GloVe) on imdb sentences and checks it against bag-of-words logistic ' +
    'regression, then learns amazon product-review sentiment from k labelled sentences per class six ways: word vectors with ' +
    'a head, the source model frozen with a new head, fine-tuned from a new head or from its own, bag-of-words logistic ' +
    'regression from scratch, and the ' +
    'source model as it is (zero-shot), over several seeds on one fixed amazon test part. Resumable: run it again after an ' +
    'interruption and finished runs are kept.',
  flags: {
    'data-dir': {
      kind: 'string',
      placeholder: 'DIR',
      default: '../shared/data/sentiment-sentences beside headstart',
      description: 'Folder of the UCI Sentiment Labelled Sentences (imdb_labelled.txt, amazon_cells_labelled.txt).',
    },
    out: { kind: 'string', placeholder: 'DIR', default: '<HEADSTART_HOME>/demo-sentiment', description: 'Work folder: results.json, source.json, report.html.', group: 'Output' },
    ...FORCE_FLAG,
    shots: { kind: 'string', placeholder: '8,32,128,all', default: SENTIMENT_DEFAULTS.shots.join(','), description: "Labelled amazon sentences per class, one curve point each ('all': the whole train part)." },
    seeds: { kind: 'numbers', integers: true, placeholder: '1,2,3', default: SENTIMENT_DEFAULTS.seeds, description: 'One run per seed and point.' },
    'test-per-class': { kind: 'integer', min: 1, default: SENTIMENT_DEFAULTS.testPerClass, description: 'Amazon test sentences per class (the rest is the train part).' },
  },
  env: envHelp(),
  examples: ['headstart demo sentiment', 'headstart demo sentiment --data-dir data/sentiment-sentences --shots 8,all --seeds 1 --json'],
  async run({ flags }, ctx) {
    const options: SentimentOptions = { signal: ctx.signal, onProgress: ctx.onProgress };
    if (ctx.home !== undefined) options.home = ctx.home;
    if (flags.dataDir !== undefined) options.dataDir = flags.dataDir;
    if (flags.out !== undefined) options.out = flags.out;
    if (flags.force) options.force = true;
    if (flags.shots !== undefined) options.shots = parseShots(flags.shots);
    if (flags.seeds !== undefined) options.seeds = flags.seeds;
    if (flags.testPerClass !== undefined) options.testPerClass = flags.testPerClass;
    const result = await demoSentiment(options);
    ctx.print(result, () => sentimentSummary(result));
  },
});
