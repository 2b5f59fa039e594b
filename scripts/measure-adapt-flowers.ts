/**
 * Domain adaptation under a strong synthetic shift of real photos: the flowers (5 classes x 80) split per seed into
 * 40 source and 40 target photos per class (disjoint), the target photos altered with sharp in one of three ways.
 * One `adapt --method auto` run per shift and seed gives every method's guard numbers and target accuracy (target
 * labels score only) and the method auto chose.
 * Usage: npx tsx scripts/measure-adapt-flowers.ts [--home DIR] [--data DIR] [--seeds 1,2,3]
 * Writes docs/measurements/adapt-flowers.json after every run (a long measurement keeps what it has).
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { createRng, writeFileAtomic } from '../src/core/index.js';
import { adaptDomains, defaultHome, loadImageDataset, splitDataset } from '../src/index.js';
import { autoRun, describeRun, summarizeRuns } from './adapt-measurement.js';
import type { AutoRun } from './adapt-measurement.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const OUT = path.join(repoRoot, 'docs', 'measurements', 'adapt-flowers.json');

/** Each shift turns a photo into the target domain's version of it. */
const SHIFTS: Record<string, { description: string; apply: (file: string, seed: number) => Promise<Buffer> }> = {
  'grey-tint-blur': {
    description: 'grayscale, a warm colour cast (tint 255/170/90) and a Gaussian blur of sigma 6',
    apply: (file) => sharp(file).grayscale().toColourspace('srgb').tint({ r: 255, g: 170, b: 90 }).blur(6).jpeg().toBuffer(),
  },
  'grey-noise': {
    description: 'grayscale with Gaussian pixel noise of standard deviation 40 (of 255)',
    apply: async (file, seed) => {
      const { data, info } = await sharp(file).grayscale().raw().toBuffer({ resolveWithObject: true });
      const rng = createRng(seed);
      const noisy = Buffer.alloc(data.length);
      for (let i = 0; i < data.length; i++) {
        const gaussian = Math.sqrt(-2 * Math.log(Math.max(rng(), 1e-12))) * Math.cos(2 * Math.PI * rng());
        noisy[i] = Math.max(0, Math.min(255, Math.round(data[i]! + 40 * gaussian)));
      }
      return sharp(noisy, { raw: { width: info.width, height: info.height, channels: info.channels } }).toColourspace('srgb').jpeg().toBuffer();
    },
  },
  'dark-blue-cast': {
    description: 'brightness 0.45, a strong blue cast (channel gains 0.6/0.8/1.4) and a blur of sigma 2',
    apply: (file) => sharp(file).modulate({ brightness: 0.45 }).linear([0.6, 0.8, 1.4], [0, 0, 20]).blur(2).jpeg().toBuffer(),
  },
};

const { values } = parseArgs({ options: { home: { type: 'string' }, data: { type: 'string' }, seeds: { type: 'string', default: '1,2,3' } } });
const seeds = values.seeds.split(',').map(Number);
const home = values.home ?? process.env.HEADSTART_HOME ?? defaultHome();
const data = values.data ?? path.resolve(repoRoot, '../shared/data/flowers');
const all = await loadImageDataset(data);
const work = await fs.mkdtemp(path.join(os.tmpdir(), 'headstart-adapt-flowers-'));
const runs: (AutoRun & { shift: string })[] = [];
/** Writes what has been measured so far. */
async function save(): Promise<void> {
  const summary = Object.fromEntries(Object.keys(SHIFTS).filter((shift) => runs.some((r) => r.shift === shift)).map((shift) => [shift, summarizeRuns(runs.filter((r) => r.shift === shift))]));
  await writeFileAtomic(
    OUT,
    `${JSON.stringify({
      date: new Date().toISOString(),
      source: 'flowers, 40 photos per class (split seed = run seed)',
      target: 'the other 40 photos per class, altered; labels for scoring only',
      shifts: Object.fromEntries(Object.entries(SHIFTS).map(([k, v]) => [k, v.description])),
      backbone: 'mobilenet-v1-imagenet (adapt default)',
      summary,
      runs,
    }, null, 2)}\n`,
  );
}

try {
  for (const seed of seeds) {
    const split = splitDataset(all, { perClass: { train: 40, test: 40 }, seed });
    const source = path.join(work, `source-${seed}`);
    for (const item of split.train.items) {
      await fs.mkdir(path.join(source, item.label), { recursive: true });
      await fs.copyFile(item.path, path.join(source, item.label, path.basename(item.path)));
    }
    for (const [shift, { apply }] of Object.entries(SHIFTS)) {
      const target = path.join(work, `${shift}-${seed}`);
      for (const [i, item] of split.test.items.entries()) {
        await fs.mkdir(path.join(target, item.label), { recursive: true });
        await fs.writeFile(path.join(target, item.label, path.basename(item.path)), await apply(item.path, seed * 1000 + i));
      }
      const started = performance.now();
      const r = await adaptDomains({ source, target, home, seed, report: false, measureShift: false });
      const run = { shift, ...autoRun(r, seed, (performance.now() - started) / 1000) };
      runs.push(run);
      console.error(`${shift} seed ${seed}: ${describeRun(run)}`);
      await save();
    }
  }
} finally {
  await fs.rm(work, { recursive: true, force: true });
}
console.error(`Wrote ${path.relative(repoRoot, OUT)}`);
