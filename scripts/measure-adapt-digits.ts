/**
 * Domain adaptation on simulated-to-real digits, the table in the README: source = the synthetic digits of
 * `demo sim2real` (labelled), target = all 10,000 MNIST digits (unlabelled; their labels only score), features of the
 * `sim2real-digits` source model. One `adapt --method auto` run per seed (1-3) gives every method's target accuracy
 * (labels score only), its guard numbers and flags, and the method auto chose.
 * Usage: npx tsx scripts/measure-adapt-digits.ts [--home DIR] [--seeds 1,2,3]   (home: HEADSTART_HOME or ~/.cache/headstart)
 * Runs `demo sim2real` first if its source model is missing. Writes docs/measurements/adapt-digits.json.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { writeFileAtomic } from '../src/core/index.js';
import { adaptDomains, defaultHome, demoSim2Real, getModelCard } from '../src/index.js';
import { autoRun, describeRun, summarizeRuns } from './adapt-measurement.js';
import type { AutoRun } from './adapt-measurement.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const OUT = path.join(repoRoot, 'docs', 'measurements', 'adapt-digits.json');

const { values } = parseArgs({ options: { home: { type: 'string' }, seeds: { type: 'string', default: '1,2,3' } } });
const seeds = values.seeds.split(',').map(Number);
const home = values.home ?? process.env.HEADSTART_HOME ?? defaultHome();
const work = path.join(home, 'demo-sim2real');
if (!(await getModelCard('sim2real-digits', { home }).catch(() => undefined))) {
  console.error('sim2real-digits is not in the zoo yet: running demo sim2real (k=1, seed 1) to make it');
  await demoSim2Real({ home, shots: [1], seeds: [1] });
}
const runs: AutoRun[] = [];
for (const seed of seeds) {
  const started = performance.now();
  const r = await adaptDomains({ source: path.join(work, 'synthetic-digits'), target: path.join(work, 'mnist'), method: 'auto', backbone: 'sim2real-digits', home, seed, report: false, measureShift: false });
  if (r.sourceOnly.targetAccuracy === null) throw new Error('The MNIST folder has lost its class folders: target accuracy cannot be scored.');
  const run = autoRun(r, seed, (performance.now() - started) / 1000);
  runs.push(run);
  console.error(`seed ${seed}: ${describeRun(run)}`);
}
await writeFileAtomic(OUT, `${JSON.stringify({ date: new Date().toISOString(), source: 'synthetic digits (demo sim2real)', target: 'MNIST, 10,000 digits, labels for scoring only', backbone: 'sim2real-digits', summary: summarizeRuns(runs), runs }, null, 2)}\n`);
console.error(`Wrote ${path.relative(repoRoot, OUT)}`);
