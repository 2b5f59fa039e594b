import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoSpeakers, SPEAKERS_METHODS } from '../../src/index.js';
import { FSDD_RECORDINGS } from '../paths.js';

let tmp: string;
beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'headstart-speakers-'));
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

describe('demo speakers', () => {
  it('runs every method for a held-out speaker from both sources, reuses the cached source models, and resumes', async () => {
    const options = { data: FSDD_RECORDINGS, out: path.join(tmp, 'work'), speakers: ['theo'], shots: [5], seeds: [1], sourceEpochs: 2, synthPerWord: 1 };
    const first = await demoSpeakers(options);
    expect(first.speakers).toEqual(['theo']);
    expect(first.runs).toHaveLength(2 * SPEAKERS_METHODS.length);
    const acc = (group: string, method: string) => first.runs.find((r) => r.group === group && r.method === method)?.accuracy ?? NaN;
    for (const group of ['theo', 'synthetic → theo']) expect(first.runs.filter((r) => r.group === group).map((r) => r.method).sort()).toEqual([...SPEAKERS_METHODS].sort());
    // Scratch ignores the source: trained once per speaker, k and seed, the same number in both groups.
    expect(acc('synthetic → theo', 'scratch')).toBe(acc('theo', 'scratch'));
    // Zero-shot is the source CNN as it is, on theo's 100 test clips: a multiple of 1%.
    expect(Math.round(acc('theo', 'zero-shot') * 100)).toBeCloseTo(acc('theo', 'zero-shot') * 100, 6);
    // Floors (chance is 10%): five other speakers teach a CNN the digits well enough to help theo.
    expect(first.sources.find((s) => s.group === 'theo')?.valAccuracy).toBeGreaterThan(0.5);
    expect(acc('theo', 'zero-shot')).toBeGreaterThan(0.3);
    expect(acc('theo', 'frozen + head')).toBeGreaterThan(0.4);
    expect(acc('theo', 'fine-tuned')).toBeGreaterThan(0.4);
    for (const run of first.runs) expect(run.accuracy).toBeGreaterThanOrEqual(0);
    expect(first.meanOverSpeakers.filter((m) => m.source === 'other speakers').map((m) => m.method)).toEqual([...SPEAKERS_METHODS]);
    expect(first.verdict.some((l) => l.startsWith('Source other speakers, k=5'))).toBe(true);
    const html = await fs.readFile(first.reportPath, 'utf8');
    expect(html).toContain('Mean over 1 held-out speaker(s)');
    expect(html).toContain('zero-shot');

    // Again with another seed: the finished runs and both source CNNs come from the work folder.
    const again = await demoSpeakers({ ...options, seeds: [1] });
    expect(again.resumedRuns).toBe(first.runs.length);
    expect(again.runs).toEqual(first.runs);
    const more = await demoSpeakers({ ...options, seeds: [1, 2] });
    expect(more.resumedRuns).toBe(0); // other settings: results start over ...
    expect(more.sources.every((s) => s.clips > 0)).toBe(true);
    expect(more.sources.every((s) => s.reused)).toBe(true); // ... but the source CNNs are reused
    expect(more.runs.filter((r) => r.seed === 1)).toEqual(first.runs.map((r) => ({ ...r, seconds: expect.any(Number) })));
  }, 180_000);

  it('names the data option when the recordings are missing', async () => {
    await expect(demoSpeakers({ data: path.join(tmp, 'nowhere'), out: path.join(tmp, 'x') })).rejects.toThrow(/Pass data \(--data\)/);
  });
});
