import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { argmaxRows, createLearner, herdingSelection, loadLearner } from '../../src/index.js';
import type { ContinualLearner, FeatureSet, Head } from '../../src/index.js';
import { createRng, shuffleInPlace } from '../../src/core/index.js';

const DIM = 24;
const CLASSES = ['a', 'b', 'c', 'd'];

/** Gaussian blobs with correlated noise (shared across classes, as LDA assumes), offset from the origin. */
function blobs(perClass: number, seed: number): FeatureSet {
  const rng = createRng(seed);
  const normal = () => Math.sqrt(-2 * Math.log(rng() + 1e-12)) * Math.cos(2 * Math.PI * rng());
  const mix = Array.from({ length: DIM * DIM }, (_, i) => (i % (DIM + 1) === 0 ? 1 : 0.3 * Math.sin(i)));
  const values = new Float32Array(perClass * CLASSES.length * DIM);
  const labels = new Int32Array(perClass * CLASSES.length);
  for (let r = 0; r < labels.length; r++) {
    const c = r % CLASSES.length;
    labels[r] = c;
    const noise = Array.from({ length: DIM }, normal);
    for (let k = 0; k < DIM; k++) {
      let v = 2 + (k % CLASSES.length === c ? 2.5 : 0);
      for (let j = 0; j < DIM; j++) v += (mix[k * DIM + j] ?? 0) * (noise[j] ?? 0);
      values[r * DIM + k] = v;
    }
  }
  return { values, dim: DIM, labels, classes: CLASSES, files: Array.from(labels, (_, i) => `row-${i}`) };
}

/** The rows of `set` whose index is in `rows`, keeping its class list (a learner sees class names, not indices). */
function pick(set: FeatureSet, rows: number[], classes = set.classes): FeatureSet {
  const values = new Float32Array(rows.length * set.dim);
  rows.forEach((r, j) => values.set(set.values.subarray(r * set.dim, (r + 1) * set.dim), j * set.dim));
  const labels = Int32Array.from(rows, (r) => classes.indexOf(set.classes[set.labels[r] ?? 0] ?? ''));
  return { ...set, values, labels, classes, files: rows.map((r) => set.files[r] ?? '') };
}

/** Class-incremental chunks: the rows of each class group, groups in the given order, each cut into `pieces`. */
function chunksByClass(set: FeatureSet, groups: string[][], pieces: number, seed: number): FeatureSet[] {
  return groups.flatMap((group) => {
    const rows = shuffleInPlace(Array.from(set.labels, (_, i) => i).filter((i) => group.includes(set.classes[set.labels[i] ?? 0] ?? '')), createRng(seed));
    const size = Math.ceil(rows.length / pieces);
    // Each chunk lists only its own classes, in a shuffled order: the learner must map names, not indices.
    return Array.from({ length: pieces }, (_, p) => pick(set, rows.slice(p * size, (p + 1) * size), shuffleInPlace([...group], createRng(seed + p))));
  });
}

/** The head's probabilities for `set`, columns reordered to CLASSES (0 for a class the learner has not seen yet). */
async function probsInOrder(head: Head, learner: ContinualLearner, set: FeatureSet): Promise<Float64Array> {
  const raw = await head.predict(set.values, set.labels.length);
  const n = learner.classes.length;
  const out = new Float64Array(set.labels.length * CLASSES.length);
  for (let r = 0; r < set.labels.length; r++) CLASSES.forEach((c, j) => (out[r * CLASSES.length + j] = learner.classes.includes(c) ? (raw[r * n + learner.classes.indexOf(c)] ?? NaN) : 0));
  return out;
}

/** The kernel and bias of a linear head, columns in CLASSES order. */
function linearWeights(head: Head, learner: ContinualLearner): Float64Array {
  const [kernel, bias] = head.getWeights?.() ?? [];
  if (!kernel || !bias) throw new Error('not a dense head');
  const n = learner.classes.length;
  const out = new Float64Array((DIM + 1) * CLASSES.length);
  CLASSES.forEach((c, j) => {
    const col = learner.classes.indexOf(c);
    for (let k = 0; k < DIM; k++) out[k * CLASSES.length + j] = kernel[k * n + col] ?? NaN;
    out[DIM * CLASSES.length + j] = bias[col] ?? NaN;
  });
  return out;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs((a[i] ?? NaN) - (b[i] ?? NaN)));
  return worst;
}
const maxAbs = (a: ArrayLike<number>) => Math.max(...Array.from(a, Math.abs));

/** LDA by the textbook route, independent of the learner: centred within-class covariance, its inverse by Gauss-Jordan. */
function referenceLda(set: FeatureSet, shrinkage: number | 'oas'): Float64Array {
  const n = set.labels.length;
  const means = CLASSES.map((_, c) => {
    const rows = Array.from(set.labels, (l, i) => (l === c ? i : -1)).filter((i) => i >= 0);
    return Array.from({ length: DIM }, (_, k) => rows.reduce((s, r) => s + (set.values[r * DIM + k] ?? 0), 0) / rows.length);
  });
  const cov = Array.from({ length: DIM }, () => new Array<number>(DIM).fill(0));
  for (let r = 0; r < n; r++) {
    const mu = means[set.labels[r] ?? 0] ?? [];
    for (let i = 0; i < DIM; i++) for (let j = 0; j < DIM; j++) (cov[i] as number[])[j] = (cov[i]?.[j] ?? 0) + ((set.values[r * DIM + i] ?? 0) - (mu[i] ?? 0)) * ((set.values[r * DIM + j] ?? 0) - (mu[j] ?? 0)) / n;
  }
  const meanVariance = cov.reduce((s, row, i) => s + (row[i] ?? 0), 0) / DIM;
  if (shrinkage === 'oas') {
    // Chen et al. 2010, eq. 23, with p = DIM: rho = ((1 - 2/p) tr(S^2) + tr(S)^2) / ((n + 1 - 2/p) (tr(S^2) - tr(S)^2 / p)).
    const tr = meanVariance * DIM;
    const tr2 = cov.reduce((s, row) => s + row.reduce((a, v) => a + v * v, 0), 0);
    shrinkage = Math.min(1, ((1 - 2 / DIM) * tr2 + tr * tr) / ((n + 1 - 2 / DIM) * (tr2 - (tr * tr) / DIM)));
  }
  // [A | I] -> [I | A^-1]
  const aug = cov.map((row, i) => [...row.map((v, j) => (1 - shrinkage) * v + (i === j ? shrinkage * meanVariance : 0)), ...Array.from({ length: DIM }, (_, j) => (i === j ? 1 : 0))]);
  for (let col = 0; col < DIM; col++) {
    const pivot = aug[col] as number[];
    const p = pivot[col] ?? 1;
    for (let j = 0; j < 2 * DIM; j++) pivot[j] = (pivot[j] ?? 0) / p;
    aug.forEach((row, i) => {
      if (i === col) return;
      const f = row[col] ?? 0;
      for (let j = 0; j < 2 * DIM; j++) row[j] = (row[j] ?? 0) - f * (pivot[j] ?? 0);
    });
  }
  const out = new Float64Array((DIM + 1) * CLASSES.length);
  means.forEach((mu, c) => {
    let quad = 0;
    for (let i = 0; i < DIM; i++) {
      let w = 0;
      for (let j = 0; j < DIM; j++) w += (aug[i]?.[DIM + j] ?? 0) * (mu[j] ?? 0);
      out[i * CLASSES.length + c] = w;
      quad += w * (mu[i] ?? 0);
    }
    out[DIM * CLASSES.length + c] = -0.5 * quad;
  });
  return out;
}

describe('continual learners', () => {
  const train = blobs(50, 1);
  const test = blobs(40, 2);
  const orders = [
    [['a', 'b'], ['c'], ['d']],
    [['d', 'c'], ['a', 'b']],
    [['b'], ['d'], ['a'], ['c']],
  ];

  it('slda: any order and grouping of updates gives the batch LDA solution (1e-6), which matches the textbook computation', async () => {
    const shrinkage = 0.1;
    const batch = createLearner('slda', DIM, { shrinkage });
    const batchHead = await batch.learn(train);
    const batchWeights = linearWeights(batchHead, batch);
    expect(maxAbsDiff(batchWeights, referenceLda(train, shrinkage)) / maxAbs(batchWeights)).toBeLessThan(1e-5);
    const correct = argmaxRows(await batchHead.predict(test.values, test.labels.length), CLASSES.length).filter((p, i) => p === test.labels[i]).length;
    expect(correct / test.labels.length).toBeGreaterThan(0.9);
    // The default shrinkage, OAS, matches the intensity computed from the centred covariance.
    const auto = createLearner('slda', DIM);
    const autoWeights = linearWeights(await auto.learn(train), auto);
    expect(maxAbsDiff(autoWeights, referenceLda(train, 'oas')) / maxAbs(autoWeights)).toBeLessThan(1e-5);
    for (const [i, order] of orders.entries()) {
      const learner = createLearner('slda', DIM, { shrinkage });
      let head: Head | undefined;
      for (const chunk of chunksByClass(train, order, 2, i)) head = await learner.learn(chunk);
      if (!head) throw new Error('no update ran');
      expect(maxAbsDiff(linearWeights(head, learner), batchWeights) / maxAbs(batchWeights)).toBeLessThan(1e-6);
    }
  });

  it('ncm: any order of updates gives the batch class means: the same probabilities as an independent nearest-mean computation (1e-6)', async () => {
    const unit = (row: ArrayLike<number>) => {
      const norm = Math.hypot(...Array.from(row));
      return Array.from(row, (v) => v / norm);
    };
    const means = CLASSES.map((_, c) => {
      const rows = Array.from(train.labels, (l, i) => (l === c ? unit(train.values.subarray(i * DIM, (i + 1) * DIM)) : undefined)).filter((r) => r !== undefined);
      return unit(Array.from({ length: DIM }, (_, k) => rows.reduce((s, r) => s + (r[k] ?? 0), 0) / rows.length));
    });
    const expected = new Float64Array(test.labels.length * CLASSES.length);
    for (let r = 0; r < test.labels.length; r++) {
      const x = unit(test.values.subarray(r * DIM, (r + 1) * DIM));
      const logits = means.map((m) => m.reduce((s, v, k) => s + v * (x[k] ?? 0), 0) / 0.05);
      const top = Math.max(...logits);
      const z = logits.reduce((s, l) => s + Math.exp(l - top), 0);
      logits.forEach((l, c) => (expected[r * CLASSES.length + c] = Math.exp(l - top) / z));
    }
    for (const [i, order] of orders.entries()) {
      const learner = createLearner('ncm', DIM);
      let head: Head | undefined;
      for (const chunk of chunksByClass(train, order, 3, i)) head = await learner.learn(chunk);
      if (!head) throw new Error('no update ran');
      expect(maxAbsDiff(await probsInOrder(head, learner, test), expected)).toBeLessThan(1e-6);
    }
  });

  it('slda and replay state round-trips through save and load: the next update gives the same head as without saving', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'headstart-continual-'));
    const [first, second] = chunksByClass(train, [['a', 'b', 'c'], ['d']], 1, 7);
    if (!first || !second) throw new Error('chunks missing');
    for (const strategy of ['slda', 'replay'] as const) {
      const kept = createLearner(strategy, DIM, { memory: 10, epochs: 20 });
      await kept.learn(first);
      const stateDir = path.join(dir, strategy);
      await fs.mkdir(stateDir);
      await kept.save(stateDir, { note: strategy });
      const { learner: loaded, meta } = await loadLearner(stateDir);
      expect(meta).toEqual({ note: strategy });
      expect(loaded.classes).toEqual(kept.classes);
      expect(loaded.memory()).toEqual(kept.memory());
      const a = await kept.learn(second);
      const b = await loaded.learn(second);
      expect(maxAbsDiff(await probsInOrder(a, kept, test), await probsInOrder(b, loaded, test))).toBeLessThan(1e-6);
    }
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('replay keeps at most K herded rows per class, and herding picks rows whose mean tracks the class mean', async () => {
    const learner = createLearner('replay', DIM, { memory: 5, epochs: 20 });
    await learner.learn(train);
    expect(learner.memory()).toMatchObject({ bytes: 5 * CLASSES.length * (DIM * 4 + 4), storesExamples: true });
    // The first pick is the row nearest the mean of unit rows; five herded rows are closer to it than five random ones.
    const classRows = pick(train, Array.from(train.labels, (l, i) => (l === 0 ? i : -1)).filter((i) => i >= 0));
    const picked = herdingSelection(classRows.values, DIM, 5);
    expect(new Set(picked).size).toBe(5);
    const unitMean = (rows: number[]) => {
      const m = new Float64Array(DIM);
      for (const r of rows) {
        const row = classRows.values.subarray(r * DIM, (r + 1) * DIM);
        const norm = Math.hypot(...Array.from(row));
        row.forEach((v, k) => (m[k] = (m[k] ?? 0) + v / norm / rows.length));
      }
      return m;
    };
    const all = unitMean(Array.from(classRows.labels, (_, i) => i));
    const herdedGap = maxAbsDiff(unitMean(picked), all);
    const randomGap = maxAbsDiff(unitMean([0, 1, 2, 3, 4]), all);
    expect(herdedGap).toBeLessThan(randomGap);
  });

  it('naive forgets: trained further on a new class only, it loses the old ones; replay keeps them', async () => {
    const [old, fresh] = chunksByClass(train, [['a', 'b', 'c'], ['d']], 1, 3);
    if (!old || !fresh) throw new Error('chunks missing');
    const oldTest = pick(test, Array.from(test.labels, (l, i) => (l !== 3 ? i : -1)).filter((i) => i >= 0));
    const accuracyOnOld = async (head: Head, learner: ContinualLearner) => {
      const predicted = argmaxRows(Float32Array.from(await probsInOrder(head, learner, oldTest)), CLASSES.length);
      return predicted.filter((p, i) => p === oldTest.labels[i]).length / oldTest.labels.length;
    };
    const scores: Record<string, { before: number; after: number }> = {};
    for (const strategy of ['naive', 'replay'] as const) {
      const learner = createLearner(strategy, DIM, { memory: 10, epochs: 30 });
      const before = await accuracyOnOld(await learner.learn(old), learner);
      scores[strategy] = { before, after: await accuracyOnOld(await learner.learn(fresh), learner) };
    }
    const { naive, replay } = scores as Record<'naive' | 'replay', { before: number; after: number }>;
    expect(naive.before).toBeGreaterThan(0.9);
    expect(naive.after).toBeLessThan(naive.before - 0.2);
    expect(replay.after).toBeGreaterThan(0.8);
    expect(replay.after).toBeGreaterThan(naive.after + 0.2);
  });

  it('rejects an unknown strategy and out-of-range options by name', () => {
    expect(() => createLearner('ewc' as never, DIM)).toThrow(/Expected strategy to be one of 'ncm', 'slda', 'replay', 'naive', 'joint'/);
    expect(() => createLearner('replay', DIM, { memory: 0 })).toThrow(/memory/);
    expect(() => createLearner('slda', DIM, { shrinkage: 2 })).toThrow(/shrinkage/);
    expect(() => createLearner('ncm', DIM, { momentum: 1 } as never)).toThrow(/Unknown continual learning option: momentum/);
  });
});
