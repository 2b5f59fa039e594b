import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { benchmarkContinual } from '../../src/index.js';
import type { BenchmarkContinualResult, ContinualRun } from '../../src/index.js';
import { FLOWERS_MINI } from '../paths.js';

// flowers-mini two classes at a time (2 + 2 + 1), one class order, three strategies: features from the shared test
// home's cache. The metrics are checked against the accuracy matrices they summarise.
let work: string;
let result: BenchmarkContinualResult;

beforeAll(async () => {
  work = await fs.mkdtemp(path.join(os.tmpdir(), 'headstart-bench-continual-'));
  result = await benchmarkContinual({ flowers: FLOWERS_MINI, protocols: ['flowers-two-classes'], strategies: ['ncm', 'naive', 'joint'], orders: 1, home: inject('sharedHome'), out: work });
}, 240_000);
afterAll(async () => {
  await fs.rm(work, { recursive: true, force: true });
});

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

describe('benchmarkContinual on class-incremental flowers-mini', () => {
  it('runs every strategy over the three steps, testing after each on every step so far', () => {
    expect(result.protocols).toMatchObject([{ protocol: 'flowers-two-classes', steps: [['daisy', 'dandelion'], ['roses', 'sunflowers'], ['tulips']] }]);
    expect(result.runs).toHaveLength(3);
    for (const run of result.runs) {
      expect(run.accuracy.map((row) => row.length)).toEqual([1, 2, 3]);
      expect(run.seenAccuracy).toHaveLength(3);
      expect(run.updateMs).toHaveLength(3);
    }
  });

  it('summarises each run by the published definitions: final, average incremental, forgetting, BWT, gap to joint', () => {
    const run = (s: string) => result.runs.find((r) => r.strategy === s) as ContinualRun;
    for (const s of result.summary) {
      const r = run(s.strategy);
      const a = r.accuracy;
      expect(s.finalAccuracy.mean).toBeCloseTo(r.seenAccuracy[2] ?? NaN, 12);
      expect(s.averageIncrementalAccuracy).toBeCloseTo(mean(r.seenAccuracy), 12);
      const last = a[2] as number[];
      expect(s.forgetting).toBeCloseTo(mean([0, 1].map((j) => Math.max(...a.slice(j, 2).map((row) => row[j] as number)) - (last[j] as number))), 12);
      expect(s.backwardTransfer).toBeCloseTo(mean([0, 1].map((j) => (last[j] as number) - (a[j]?.[j] as number))), 12);
      expect(s.gapToJoint).toBeCloseTo((run('joint').seenAccuracy[2] ?? NaN) - (r.seenAccuracy[2] ?? NaN), 12);
    }
  });

  it('naive forgets and ends far below joint; ncm keeps most of it; joint stores every feature', () => {
    const by = Object.fromEntries(result.summary.map((s) => [s.strategy, s]));
    expect(by.naive?.forgetting).toBeGreaterThan(0.3);
    expect(by.naive?.finalAccuracy.mean).toBeLessThan((by.joint?.finalAccuracy.mean ?? 0) - 0.2);
    expect(by.ncm?.finalAccuracy.mean).toBeGreaterThan(0.7);
    expect(by.joint?.finalAccuracy.mean).toBeGreaterThan(0.75);
    expect(by.ncm?.memoryBytes).toBe(5 * 1024 * 8 + 5 * 8);
    expect(by.joint?.memoryBytes).toBe(result.protocols[0]?.trainRows === undefined ? -1 : result.protocols[0].trainRows * (1024 * 4 + 4));
  });

  it('writes report.html with one table per protocol, and results.json with the runs', async () => {
    const html = await fs.readFile(result.reportPath, 'utf8');
    expect(html).toContain('flowers-two-classes');
    expect(html).toContain('gap to joint');
    const saved = JSON.parse(await fs.readFile(result.resultsPath, 'utf8')) as { runs: ContinualRun[] };
    expect(saved.runs).toEqual(result.runs);
  });
});
