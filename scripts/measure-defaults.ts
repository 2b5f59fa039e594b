// Measures `train`'s defaults on ../shared/data/flowers (50 train / 30 test per class, split seeds 1-5): `train` with no
// flags against the previous defaults and against each change alone, on the same splits, and writes
// docs/measurements/train-defaults.json. The README's "Results" table comes from this file's output.
// Run: npx tsx scripts/measure-defaults.ts [--data DIR] [--home DIR] [--only NAME]
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { defaultHome, train } from '../src/index.js';
import type { TrainOptions } from '../src/index.js';

const { values: args } = parseArgs({
  options: { data: { type: 'string' }, home: { type: 'string' }, only: { type: 'string' } },
});
const root = path.resolve(import.meta.dirname, '..');
const data = args.data ?? path.resolve(root, '../shared/data/flowers');
const home = args.home ?? process.env.HEADSTART_HOME ?? defaultHome();
const seeds = [1, 2, 3, 4, 5];

/** Each configuration: the options given to `train` on top of the split (the first is `train` with no flags). */
const configurations: { name: string; options: Partial<TrainOptions> }[] = [
  { name: 'defaults (no flags): auto backbone, logistic head, flip TTA', options: {} },
  { name: 'previous defaults: mobilenet-v1-imagenet, Adam linear head', options: { backbone: 'mobilenet-v1-imagenet', head: 'linear', tta: 'none' } },
  { name: 'mobilenet-v1-imagenet, logistic head (CV probe)', options: { backbone: 'mobilenet-v1-imagenet', head: 'logistic', tta: 'none' } },
  { name: 'auto backbone, logistic head, no TTA (the defaults before TTA was measured)', options: { backbone: 'auto', head: 'logistic', tta: 'none' } },
  { name: 'auto backbone, Adam linear head', options: { backbone: 'auto', head: 'linear', tta: 'none' } },
];

interface Row {
  name: string;
  options: Partial<TrainOptions>;
  accuracies: number[];
  mean: number;
  /** The backbone(s) used at each seed (auto may choose differently per split). */
  backbones: string[];
  /** The L2 strength the logistic head's cross-validation chose at each seed. */
  l2?: number[];
  /** Wall time of each train call (features from the cache after the first configuration that needed them). */
  seconds: number[];
}

const out = path.join(root, 'docs/measurements/train-defaults.json');

/** Writes the results so far, keeping earlier results of configurations not measured in this run (see --only). */
async function save(measuredRows: Row[]): Promise<void> {
  const earlier = await fs.readFile(out, 'utf8').then((t) => (JSON.parse(t) as { results: Row[] }).results, () => []);
  const measured = new Set(measuredRows.map((r) => r.name));
  const merged = [...earlier.filter((r) => !measured.has(r.name)), ...measuredRows];
  await fs.mkdir(path.dirname(out), { recursive: true });
  await fs.writeFile(out, JSON.stringify({ date: new Date().toISOString(), data, split: '50 train / 30 test per class', seeds, results: merged }, null, 2) + '\n');
}

const work = await fs.mkdtemp(path.join(os.tmpdir(), 'headstart-measure-defaults-'));
const rows: Row[] = [];
try {
  for (const { name, options } of configurations) {
    if (args.only && name !== args.only) continue;
    const row: Row = { name, options, accuracies: [], mean: 0, backbones: [], seconds: [] };
    for (const seed of seeds) {
      const started = performance.now();
      const result = await train({ data, out: path.join(work, 'model'), perClass: { train: 50, test: 30 }, seed, home, report: false, ...options });
      row.seconds.push((performance.now() - started) / 1000);
      const manifest = result.manifest;
      row.accuracies.push(result.metrics.test?.accuracy ?? Number.NaN);
      const extra = manifest.modality !== 'text' ? (manifest.extraBackbones ?? []).map((b) => b.id) : [];
      row.backbones.push([manifest.backbone.id, ...extra].join(' + '));
      const cv = manifest.training.crossValidation;
      if (cv) row.l2 = [...(row.l2 ?? []), cv.l2];
      console.error(`  ${name}, seed ${seed}: ${(row.accuracies.at(-1) ?? 0).toFixed(3)} on ${row.backbones.at(-1) ?? '?'} (${(row.seconds.at(-1) ?? 0).toFixed(0)} s)`);
    }
    row.mean = row.accuracies.reduce((a, b) => a + b, 0) / row.accuracies.length;
    rows.push(row);
    await save(rows);
    console.log(`${name.padEnd(62)} ${row.accuracies.map((a) => a.toFixed(3)).join(' ')}  mean ${row.mean.toFixed(3)}  [${[...new Set(row.backbones)].join('; ')}]`);
  }
} finally {
  await fs.rm(work, { recursive: true, force: true });
}
console.log(`wrote ${out}`);
