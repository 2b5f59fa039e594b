import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { compareStrategies } from '../../src/index.js';
import { FLOWERS } from '../paths.js';

let out: string;
beforeAll(async () => {
  out = await fs.mkdtemp(path.join(os.tmpdir(), 'headstart-compare-'));
});
afterAll(async () => {
  await fs.rm(out, { recursive: true, force: true });
});

describe('compare: transfer against scratch on flowers', () => {
  it('writes every strategy, k and seed to results.json, transfer beats scratch at k = 5, and finished runs resume', async () => {
    const options = { data: FLOWERS, home: inject('sharedHome'), out, shots: [5], seeds: [1, 2], scratchSize: 24 };
    const result = await compareStrategies(options);
    expect(result.testImages).toBe(100); // a quarter of 80 per class, 5 classes
    // The default backbone's card lists blocks, so all three strategies run.
    const strategies = ['frozen + head', 'fine-tuned', 'scratch'];
    const saved = JSON.parse(await fs.readFile(result.resultsPath, 'utf8')) as { runs: { shots: number; seed: number; method: string; accuracy: number }[] };
    for (const method of strategies) {
      for (const seed of [1, 2]) expect(saved.runs.filter((r) => r.method === method && r.shots === 5 && r.seed === seed)).toHaveLength(1);
    }
    expect(saved.runs).toHaveLength(6);
    // Transfer's promise, measured: with 5 labelled photos per class, the frozen ImageNet features beat a CNN learnt
    // from scratch on the same photos on every seed, and by a wide margin on average.
    const runsAt = (k: number, m: string) => saved.runs.filter((r) => r.shots === k && r.method === m).sort((a, b) => a.seed - b.seed);
    runsAt(5, 'frozen + head').forEach((run, i) => expect(run.accuracy).toBeGreaterThan((runsAt(5, 'scratch')[i]?.accuracy ?? 1) + 0.15));
    const mean = (k: number, m: string) => result.summary.find((s) => s.shots === k && s.method === m)?.mean ?? NaN;
    // Measured: frozen 0.62 and 0.64, fine-tuned 0.59 and 0.65, scratch 0.38 and 0.40.
    expect(mean(5, 'frozen + head')).toBeGreaterThan(0.55);
    expect(mean(5, 'fine-tuned')).toBeGreaterThan(0.55);
    // Five photos per class: the head fits them perfectly and the verdict says it overfits.
    expect(result.summary.find((s) => s.shots === 5 && s.method === 'frozen + head')?.trainAccuracy).toBe(1);
    expect(result.verdict.find((v) => v.startsWith('k=5'))).toMatch(/overfitting: frozen \+ head/);
    expect(result.verdict.some((v) => v.includes('negative transfer'))).toBe(false);
    await expect(fs.stat(result.reportPath)).resolves.toBeTruthy();

    const again = await compareStrategies(options);
    expect(again.resumedRuns).toBe(6);
    expect(again.summary).toEqual(result.summary);
  });
});
