import { createRng, HeadstartError, invalidOption, rejectUnknownKeys, shuffleInPlace } from '../core/index.js';
import type { FeatureSet } from '../data/index.js';
import type { Engine } from '../engines/index.js';
import { trainHead } from '../heads/index.js';

export interface ComputeProxyADistanceOptions {
  /** Seeds the subsampling, the split and the classifier. @default 0 */
  seed?: number;
  /** Rows used from each side at most; both sides are cut to the same size so chance is 50%. @default 500 */
  maxSamples?: number;
  /** Share of each side held out to measure the domain classifier's error. @default 0.5 */
  testFraction?: number;
  /** Training epochs of the linear domain classifier. @default 50 */
  epochs?: number;
  /** Runs the domain classifier. @default createEngine() */
  engine?: Engine;
  signal?: AbortSignal;
}

export const COMPUTE_PROXY_A_DISTANCE_DEFAULTS = { seed: 0, maxSamples: 500, testFraction: 0.5, epochs: 50 };

export interface ProxyADistanceResult {
  /** 2 (1 - 2 error), from 0 (indistinguishable) to 2 (perfectly separable); a worse-than-chance error gives 0. */
  proxyADistance: number;
  /** Held-out error of the linear source-vs-target classifier. */
  domainError: number;
  /** Rows per side used for training and for the held-out error. */
  trainPerSide: number;
  testPerSide: number;
}

const KNOWN_OPTIONS = ['seed', 'maxSamples', 'testFraction', 'epochs', 'engine', 'signal'];

function pickRows(set: FeatureSet, count: number, rng: () => number): number[] {
  const n = set.values.length / set.dim;
  return shuffleInPlace(Array.from({ length: n }, (_, i) => i), rng).slice(0, count);
}

function domainSet(parts: { set: FeatureSet; rows: number[] }[], dim: number): FeatureSet {
  const count = parts.reduce((a, p) => a + p.rows.length, 0);
  const values = new Float32Array(count * dim);
  const labels = new Int32Array(count);
  const files: string[] = [];
  let at = 0;
  parts.forEach(({ set, rows }, domain) => {
    for (const r of rows) {
      values.set(set.values.subarray(r * dim, (r + 1) * dim), at * dim);
      labels[at++] = domain;
      files.push(set.files[r] ?? '');
    }
  });
  return { values, dim, files, labels, classes: ['source', 'target'] };
}

/**
 * Proxy A-distance (Ben-David et al., NeurIPS 2006; as used by Ganin et al., JMLR 2016): train a linear classifier
 * to tell source rows from target rows on a seeded split, measure its error on held-out rows, and report
 * 2 (1 - 2 error). Both sides are cut to the same number of rows, so a classifier that cannot tell them apart
 * scores 0.5 error and distance 0.
 *
 * @throws HeadstartError `HS_INVALID_OPTION` for malformed options or feature sets of different widths;
 *   `HS_DATASET_INVALID` when a side is too small to split.
 */
export async function computeProxyADistance(source: FeatureSet, target: FeatureSet, options: ComputeProxyADistanceOptions = {}): Promise<ProxyADistanceResult> {
  rejectUnknownKeys('computeProxyADistance', options, KNOWN_OPTIONS);
  const o = { ...COMPUTE_PROXY_A_DISTANCE_DEFAULTS, ...options };
  if (!(o.testFraction > 0 && o.testFraction < 1)) throw invalidOption(`Expected testFraction to be between 0 and 1. Received: ${String(o.testFraction)}.`);
  if (!Number.isInteger(o.maxSamples) || o.maxSamples < 2) throw invalidOption(`Expected maxSamples to be an integer of at least 2. Received: ${String(o.maxSamples)}.`);
  if (!Number.isInteger(o.seed)) throw invalidOption(`Expected seed to be an integer. Received: ${String(o.seed)}.`);
  if (source.dim !== target.dim) throw invalidOption(`Source features have ${source.dim} dimensions, target features ${target.dim}: extract both with the same backbone and cut.`);
  const perSide = Math.min(source.values.length / source.dim, target.values.length / target.dim, o.maxSamples);
  const testPerSide = Math.round(perSide * o.testFraction);
  const trainPerSide = perSide - testPerSide;
  if (trainPerSide < 1 || testPerSide < 1) {
    throw new HeadstartError('HS_DATASET_INVALID', `Proxy A-distance needs at least 2 rows on each side to train and test a domain classifier; the smaller side has ${perSide}.`);
  }
  const rng = createRng(o.seed);
  const sourceRows = pickRows(source, perSide, rng);
  const targetRows = pickRows(target, perSide, rng);
  const train = domainSet([{ set: source, rows: sourceRows.slice(0, trainPerSide) }, { set: target, rows: targetRows.slice(0, trainPerSide) }], source.dim);
  const test = domainSet([{ set: source, rows: sourceRows.slice(trainPerSide) }, { set: target, rows: targetRows.slice(trainPerSide) }], source.dim);
  const { head } = await trainHead(train, { kind: 'linear', epochs: o.epochs, seed: o.seed, engine: o.engine, signal: o.signal });
  try {
    const probs = await head.predict(test.values, test.labels.length);
    let wrong = 0;
    test.labels.forEach((label, r) => {
      const predicted = probs[r * 2 + 1]! > probs[r * 2]! ? 1 : 0;
      if (predicted !== label) wrong++;
    });
    const domainError = wrong / test.labels.length;
    return { proxyADistance: Math.max(0, 2 * (1 - 2 * domainError)), domainError, trainPerSide, testPerSide };
  } finally {
    head.dispose();
  }
}
