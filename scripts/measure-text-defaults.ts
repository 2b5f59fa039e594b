/**
 * `train` with no flags against tf-idf logistic regression on the shared sentiment sets (amazon, yelp, imdb; each
 * in-domain, 75/25 split, seeds 1-3). The baseline is the one train fits on the same split, so both numbers come from
 * one run. Writes docs/measurements/text-defaults.json.
 *
 *   npx tsx scripts/measure-text-defaults.ts [--home DIR]
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { train } from '../src/index.js';

const SETS = { amazon: 'amazon_cells_labelled.txt', yelp: 'yelp_labelled.txt', imdb: 'imdb_labelled.txt' } as const;
const SEEDS = [1, 2, 3];
const DATA = path.resolve(import.meta.dirname, '../../shared/data/sentiment-sentences');
const OUT = path.resolve(import.meta.dirname, '../docs/measurements/text-defaults.json');

const homeFlag = process.argv.indexOf('--home');
const home = homeFlag > 0 ? process.argv[homeFlag + 1] : undefined;
const scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'measure-text-defaults-'));
const runs: { set: string; seed: number; train: number; tfidf: number; chosen: string; kept: string; ranking: unknown; durationS: number }[] = [];
try {
  for (const [set, file] of Object.entries(SETS)) {
    for (const seed of SEEDS) {
      const started = performance.now();
      const result = await train({ data: path.join(DATA, file), out: path.join(scratch, `${set}-${seed}`), split: { val: 0, test: 0.25 }, seed, report: false, ...(home ? { home } : {}) });
      const baseline = result.transfer?.baseline.test?.accuracy;
      if (!result.metrics.test || baseline === undefined) throw new Error(`${set} seed ${seed}: no test metrics`);
      const run = {
        set,
        seed,
        train: result.metrics.test.accuracy,
        tfidf: baseline,
        chosen: result.manifest.modality === 'text' ? (result.manifest.backboneChoice?.chosen.join('+') ?? result.manifest.backbone.id) : '',
        kept: result.transfer?.kept ?? 'transfer',
        ranking: result.manifest.modality === 'text' ? result.manifest.backboneChoice?.ranking : undefined,
        durationS: (performance.now() - started) / 1000,
      };
      runs.push(run);
      console.error(`${set} seed ${seed}: train ${run.train.toFixed(3)} (${run.chosen}), tf-idf ${run.tfidf.toFixed(3)}, ${run.durationS.toFixed(0)} s`);
    }
  }
} finally {
  await fs.rm(scratch, { recursive: true, force: true });
}
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const perSet = Object.keys(SETS).map((set) => {
  const rows = runs.filter((r) => r.set === set);
  const t = mean(rows.map((r) => r.train));
  const b = mean(rows.map((r) => r.tfidf));
  return { set, trainMean: t, tfidfMean: b, atLeastAsGood: t >= b - 1e-12 };
});
await fs.writeFile(
  OUT,
  JSON.stringify(
    {
      what: "train with no flags (text: features chosen by 5-fold CV among glove-wink-100d, tf-idf and their hybrid; logistic regression) vs tf-idf logistic regression (word 1-2 + char 2-5 grams), same 75/25 splits",
      command: 'npx tsx scripts/measure-text-defaults.ts',
      measuredAt: new Date().toISOString(),
      perSet,
      runs,
    },
    null,
    2,
  ) + '\n',
);
console.error(perSet.map((p) => `${p.set}: train ${(p.trainMean * 100).toFixed(1)}%, tf-idf ${(p.tfidfMean * 100).toFixed(1)}%`).join('\n'));
