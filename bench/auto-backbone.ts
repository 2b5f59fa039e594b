/**
 * What train's defaults cost in time on flowers (50 train images per class, split seed 1, no test part beyond 30 per
 * class): `--backbone auto` (every image backbone in the zoo featurises the training images and is scored by LogME)
 * against the fixed `mobilenet-v1-imagenet`, each cold (a fresh headstart home: backbones converted and every image
 * extracted) and warm (the same home again: features from the cache); and the CV logistic-regression solver alone on
 * 1000 rows x 1024 features x 5 classes. Writes bench/results/auto-backbone.json.
 * Usage: tsx bench/auto-backbone.ts [--data DIR]
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createRng } from '../src/core/index.js';
import { fitLogisticRegressionCV, train } from '../src/index.js';
import type { FeatureSet, ImageModelManifest } from '../src/index.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values: args } = parseArgs({ options: { data: { type: 'string' } }, strict: false });
const data = typeof args.data === 'string' ? args.data : path.resolve(repoRoot, '../shared/data/flowers');

interface TrainTiming {
  backbone: string;
  cache: 'cold' | 'warm';
  seconds: number;
  chosen: string;
  testAccuracy: number;
}

async function timeTrain(backbone: string, home: string, cache: 'cold' | 'warm', out: string): Promise<TrainTiming> {
  const started = performance.now();
  const result = await train({ data, out, home, backbone, perClass: { train: 50, test: 30 }, seed: 1, report: false });
  const manifest = result.manifest as ImageModelManifest;
  return {
    backbone,
    cache,
    seconds: (performance.now() - started) / 1000,
    chosen: [manifest.backbone.id, ...(manifest.extraBackbones ?? []).map((b) => b.id)].join(' + '),
    testAccuracy: result.metrics.test?.accuracy ?? Number.NaN,
  };
}

/** Gaussian classes in `dim` dimensions, ReLU-clipped like pooled CNN features. */
function syntheticFeatures(rows: number, dim: number, classes: number): FeatureSet {
  const rng = createRng(1);
  const normal = () => Math.sqrt(-2 * Math.log(rng() + 1e-12)) * Math.cos(2 * Math.PI * rng());
  const centres = Array.from({ length: classes }, () => Float32Array.from({ length: dim }, () => normal() * 0.15));
  const values = new Float32Array(rows * dim);
  const labels = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    labels[r] = r % classes;
    for (let k = 0; k < dim; k++) values[r * dim + k] = Math.max(0, normal() + ((centres[r % classes] as Float32Array)[k] as number));
  }
  return { values, dim, labels, classes: Array.from({ length: classes }, (_, c) => `c${c}`), files: [] };
}

const timings: TrainTiming[] = [];
for (const backbone of ['mobilenet-v1-imagenet', 'auto']) {
  const home = await fs.mkdtemp(path.join(os.tmpdir(), 'headstart-bench-auto-'));
  try {
    for (const cache of ['cold', 'warm'] as const) {
      const timing = await timeTrain(backbone, home, cache, path.join(home, `model-${cache}`));
      timings.push(timing);
      console.log(`train --backbone ${backbone.padEnd(22)} ${cache}: ${timing.seconds.toFixed(1)} s (${timing.chosen}, test accuracy ${timing.testAccuracy.toFixed(3)})`);
    }
  } finally {
    await fs.rm(home, { recursive: true, force: true });
  }
}

const features = syntheticFeatures(1000, 1024, 5);
const solverStarted = performance.now();
const cv = fitLogisticRegressionCV(features);
const solverSeconds = (performance.now() - solverStarted) / 1000;
const fits = cv.folds * cv.scores.length + 1;
console.log(`fitLogisticRegressionCV, 1000 x 1024 x 5 classes, ${cv.folds} folds x ${cv.scores.length} strengths + refit (${fits} fits): ${solverSeconds.toFixed(1)} s`);

const out = path.join(repoRoot, 'bench', 'results', 'auto-backbone.json');
await fs.mkdir(path.dirname(out), { recursive: true });
await fs.writeFile(
  out,
  JSON.stringify({ date: new Date().toISOString(), data, cpus: os.cpus().length, split: '50 train / 30 test per class, seed 1', train: timings, solver: { rows: 1000, dim: 1024, classes: 5, fits, seconds: solverSeconds } }, null, 2) + '\n',
);
console.log(`wrote ${path.relative(repoRoot, out)}`);
