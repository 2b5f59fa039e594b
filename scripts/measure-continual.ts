/**
 * The continual-learning table in the README: every strategy of `headstart update` on every protocol of
 * `headstart benchmark continual` (flowers one and two classes at a time, split MNIST through the synthetic-digits
 * source model, FSDD digits in steps, a new FSDD speaker), three class orders each.
 * Usage: npx tsx scripts/measure-continual.ts [--home DIR] [--protocols a,b]   (default: HEADSTART_HOME or ~/.cache/headstart)
 * Needs sim2real-digits in the zoo for split-mnist ('headstart demo sim2real' builds it). Writes docs/measurements/continual.json;
 * with --protocols, replaces those protocols' numbers in it and keeps the others.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { writeFileAtomic } from '../src/core/index.js';
import { benchmarkContinual, CONTINUAL_TABLE_HEADER, continualTableRows, defaultHome } from '../src/index.js';
import type { ContinualProtocol } from '../src/index.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const OUT = path.join(repoRoot, 'docs', 'measurements', 'continual.json');
const SHARED = path.resolve(repoRoot, '../shared/data');

const { values } = parseArgs({ options: { home: { type: 'string' }, protocols: { type: 'string' } } });
const home = values.home ?? process.env.HEADSTART_HOME ?? defaultHome();
const result = await benchmarkContinual({
  home,
  flowers: path.join(SHARED, 'flowers'),
  fsdd: path.join(SHARED, 'fsdd', 'recordings'),
  ...(values.protocols ? { protocols: values.protocols.split(',') as ContinualProtocol[] } : {}),
  onProgress: (e) => {
    if (e.stage === 'done') console.error(e.message);
  },
});
for (const p of result.protocols) {
  console.error(`\n${p.protocol}: ${p.description}; ${p.featureSource}`);
  console.error([CONTINUAL_TABLE_HEADER, ...continualTableRows(result.summary.filter((s) => s.protocol === p.protocol))].map((r) => r.join(' | ')).join('\n'));
}
const machine = { cpus: os.cpus().length, cpu: os.cpus()[0]?.model ?? '?', node: process.version, loadAverage: os.loadavg().map((l) => Number(l.toFixed(1))) };
type Measured = Pick<typeof result, 'protocols' | 'summary' | 'runs'> & { date: string; machine: typeof machine };
const before = values.protocols ? await fs.readFile(OUT, 'utf8').then((t) => JSON.parse(t) as Measured, () => undefined) : undefined;
const ran = new Set(result.protocols.map((p) => p.protocol));
const keep = <T extends { protocol: ContinualProtocol }>(rows: T[] | undefined) => (rows ?? []).filter((r) => !ran.has(r.protocol));
const merged = {
  date: new Date().toISOString(),
  machine,
  protocols: [...keep(before?.protocols), ...result.protocols],
  summary: [...keep(before?.summary), ...result.summary],
  runs: [...keep(before?.runs), ...result.runs],
};
await writeFileAtomic(OUT, `${JSON.stringify(merged, null, 2)}\n`);
console.error(`\nWrote ${path.relative(repoRoot, OUT)} (report: ${result.reportPath}), ${(result.durationMs / 1000).toFixed(0)} s`);
