/**
 * Cost of one `update` step beyond feature extraction: a learner that already knows 5 classes (80 features each)
 * learns one new class of 80 features, for ncm and slda, at the feature lengths of the bundled backbones
 * (1024: mobilenet-v1, 1280: mobilenet-v2) and of MFCC statistics (26). Features are random (the cost does not
 * depend on their values). Reported: median wall and CPU milliseconds over --repeats updates, each on a fresh
 * learner (slda re-solves the shared covariance every update: O(d^3)).
 * Usage: npx tsx bench/continual-update.ts [--repeats N]   Writes bench/results/continual-update.json.
 */
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { writeFileAtomic } from '../src/core/index.js';
import { createEngine, createLearner } from '../src/index.js';
import type { FeatureSet } from '../src/index.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const OUT = path.join(repoRoot, 'bench', 'results', 'continual-update.json');
const { values } = parseArgs({ options: { repeats: { type: 'string', default: '5' } }, allowPositionals: true, strict: false });
const repeats = Number(values.repeats);

function randomSet(classes: string[], perClass: number, dim: number): FeatureSet {
  const n = classes.length * perClass;
  return {
    values: Float32Array.from({ length: n * dim }, () => Math.random()),
    labels: Int32Array.from({ length: n }, (_, i) => i % classes.length),
    dim,
    classes,
    files: [],
  };
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

const engine = createEngine();
const rows = [];
for (const dim of [26, 1024, 1280]) {
  for (const strategy of ['ncm', 'slda'] as const) {
    const wall: number[] = [];
    const cpu: number[] = [];
    for (let r = 0; r < repeats; r++) {
      const learner = createLearner(strategy, dim);
      (await learner.learn(randomSet(['a', 'b', 'c', 'd', 'e'], 80, dim), { engine })).dispose();
      const fresh = randomSet(['f'], 80, dim);
      const started = performance.now();
      const before = process.cpuUsage();
      (await learner.learn(fresh, { engine })).dispose();
      const used = process.cpuUsage(before);
      wall.push(performance.now() - started);
      cpu.push((used.user + used.system) / 1000);
    }
    rows.push({ strategy, dim, wallMs: median(wall), cpuMs: median(cpu) });
    console.log(`${strategy.padEnd(5)} d=${String(dim).padStart(4)}  wall ${median(wall).toFixed(0).padStart(6)} ms  cpu ${median(cpu).toFixed(0).padStart(6)} ms`);
  }
}
await engine.dispose();
await writeFileAtomic(OUT, `${JSON.stringify({ date: new Date().toISOString(), machine: { cpus: os.cpus().length, cpu: os.cpus()[0]?.model ?? '?', loadAverage: os.loadavg() }, repeats, rows }, null, 2)}\n`);
