// Measures a linear probe at each candidate cut of the bundled backbones on ../shared/data/flowers
// (50 train / 30 test per class, split seeds 1-5) and writes docs/measurements/cut-probe.json.
// The model cards' default cuts and their `defaultCutReason` come from this file's output.
// Run: npx tsx scripts/measure-cuts.ts [--data DIR] [--home DIR] [--only ID]
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import {
  argmaxRows, computeMetrics, defaultHome, extractFeatures, FeatureCache, getModelCard, listBackbones, loadBackbone,
  loadImageDataset, selectFeatureRows, splitDataset, trainHead,
} from '../src/index.js';

const { values: args } = parseArgs({
  options: { data: { type: 'string' }, home: { type: 'string' }, only: { type: 'string' } },
});
const root = path.resolve(import.meta.dirname, '..');
const data = args.data ?? path.resolve(root, '../shared/data/flowers');
const home = args.home ?? process.env.HEADSTART_HOME ?? defaultHome();
const seeds = [1, 2, 3, 4, 5];

const dataset = await loadImageDataset(data);
const cache = FeatureCache.open(path.join(home, 'features.sqlite'));
const results: { backbone: string; cut: string; dim: number; accuracies: number[]; mean: number }[] = [];
for (const card of await listBackbones({ home })) {
  if (card.origin !== 'bundled' || (args.only && card.id !== args.only)) continue;
  for (const { layer } of (await getModelCard(card.id, { home })).cutPoints) {
    const backbone = await loadBackbone(card.id, { cut: layer, home });
    const { features } = await extractFeatures(backbone, dataset, { cache });
    backbone.dispose();
    const subset = (items: { path: string }[]) => selectFeatureRows(features, items.map((it) => it.path));
    const accuracies: number[] = [];
    for (const seed of seeds) {
      const split = splitDataset(dataset, { perClass: { train: 50, test: 30 }, seed });
      const test = subset(split.test.items);
      const { head } = await trainHead(subset(split.train.items), { kind: 'linear', seed });
      accuracies.push(computeMetrics(test.labels, argmaxRows(await head.predict(test.values, test.labels.length), dataset.classes.length), dataset.classes).accuracy);
      head.dispose();
    }
    const mean = accuracies.reduce((a, b) => a + b, 0) / accuracies.length;
    results.push({ backbone: card.id, cut: layer, dim: features.dim, accuracies, mean });
    console.log(`${card.id.padEnd(18)} ${layer.slice(-40).padEnd(40)} ${String(features.dim).padStart(5)}  ${accuracies.map((a) => a.toFixed(3)).join(' ')}  mean ${mean.toFixed(3)}`);
  }
}
cache.close();
const out = path.join(root, 'docs/measurements/cut-probe.json');
// With --only, the other backbones' earlier results stay in the file.
const earlier = await fs.readFile(out, 'utf8').then((t) => (JSON.parse(t) as { results: typeof results }).results, () => []);
const measured = new Set(results.map((r) => r.backbone));
const merged = [...earlier.filter((r) => !measured.has(r.backbone)), ...results];
await fs.mkdir(path.dirname(out), { recursive: true });
await fs.writeFile(out, JSON.stringify({ date: new Date().toISOString(), data, split: '50 train / 30 test per class', seeds, head: 'linear (defaults)', results: merged }, null, 2) + '\n');
console.log(`wrote ${out}`);
