import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { HeadstartError, loadImageDataset, measureShift, rankBackbones, splitDataset } from '../../src/index.js';
import type { RankBackbonesResult } from '../../src/index.js';
import { FLOWERS } from '../paths.js';

// Transfer diagnostics on the shared flower photos (5 classes x 80). The home is shared with the other test files,
// so the backbones convert once per run; extracting all 400 images with three backbones takes about 15 s.
const home = inject('sharedHome');
let work: string;

beforeAll(async () => {
  work = await fs.mkdtemp(path.join(os.tmpdir(), 'headstart-diagnostics-'));
});
afterAll(async () => {
  await fs.rm(work, { recursive: true, force: true });
});

async function writeManifest(file: string, items: { path: string; label: string }[]): Promise<string> {
  await fs.writeFile(file, ['path,label', ...items.map((i) => `${i.path},${i.label}`)].join('\n'));
  return file;
}

describe('rankBackbones on flowers', () => {
  let result: RankBackbonesResult;
  const backbones = ['mobilenet-v1-imagenet', 'mobilenet-v2-imagenet', 'mobilenet-v2'];

  beforeAll(async () => {
    result = await rankBackbones({ data: FLOWERS, backbones, verify: true, home, out: path.join(work, 'rank') });
  });

  it('scores every backbone, with LEEP and NCE only where the backbone has its own classifier', () => {
    expect(result.images).toBe(400);
    expect(result.ranking.map((r) => r.backbone).sort()).toEqual([...backbones].sort());
    expect(result.ranking.map((r) => r.rank)).toEqual([1, 2, 3]);
    for (const r of result.ranking) {
      expect(Number.isFinite(r.scores.logme)).toBe(true);
      expect(Number.isFinite(r.scores.hScore)).toBe(true);
      expect(r.durationsMs.logme).toBeGreaterThan(0);
      const hasClassifier = r.backbone === 'mobilenet-v2-imagenet';
      expect(r.scores.leep === null).toBe(!hasClassifier);
      expect(r.scores.nce === null).toBe(!hasClassifier);
      if (hasClassifier) {
        expect(r.scores.leep).toBeLessThan(0);
        expect(r.scores.nce).toBeLessThanOrEqual(0);
      }
    }
    const scores = result.ranking.map((r) => r.scores.logme as number);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
  });

  it('verifies with a linear probe, and LogME puts the most accurate backbone first', () => {
    // Measured before asserting: probe accuracy 0.875 (v1-imagenet), 0.867 (v2-imagenet), 0.742 (v2, nsfwjs) on this
    // split; LogME orders them the same way (-0.046, -0.083, -0.269).
    const v = result.verification;
    expect(v).toMatchObject({ testFraction: 0.3, seed: 42, trainCount: 280, testCount: 120, topPickIsBest: true });
    expect(result.ranking[0]?.backbone).toBe(v?.bestByAccuracy);
    for (const r of result.ranking) expect(r.verifiedAccuracy).toBeGreaterThan(0.6);
    expect(v?.correlations.logme.spearman).toBe(1);
    expect(v?.correlations.leep).toEqual({ spearman: null, kendall: null }); // one backbone has LEEP: undefined
  });

  it('writes a self-contained report.html and results.json', async () => {
    const html = await fs.readFile(result.reportPath as string, 'utf8');
    expect(html).toContain('<svg');
    expect(html).toContain('mobilenet-v2-imagenet');
    expect(html).not.toMatch(/<script|https?:\/\//);
    const saved = JSON.parse(await fs.readFile(result.resultsPath as string, 'utf8')) as RankBackbonesResult;
    expect(saved.ranking.map((r) => r.backbone)).toEqual(result.ranking.map((r) => r.backbone));
    expect(saved.ranking.find((r) => r.backbone === 'mobilenet-v1-imagenet')?.scores.leep).toBeNull();
  });
});

describe('measureShift on flowers', () => {
  let halves: { a: string; b: string };
  let altered: string;

  beforeAll(async () => {
    const all = await loadImageDataset(FLOWERS);
    const { train, test } = splitDataset(all, { fractions: { val: 0, test: 0.5 }, seed: 7 });
    halves = {
      a: await writeManifest(path.join(work, 'half-a.csv'), train.items),
      b: await writeManifest(path.join(work, 'half-b.csv'), test.items),
    };
    // A strongly altered copy of 16 photos per class: grayscale and a heavy blur.
    altered = path.join(work, 'altered');
    const subset = splitDataset(all, { perClass: { train: 16 }, seed: 3 }).train.items;
    for (const item of subset) {
      await fs.mkdir(path.join(altered, item.label), { recursive: true });
      await sharp(item.path).grayscale().blur(12).jpeg().toFile(path.join(altered, item.label, path.basename(item.path)));
    }
  });

  it('finds that a disjoint random half of flowers looks like the other half', async () => {
    const r = await measureShift({ source: halves.a, target: halves.b, home, out: path.join(work, 'shift-halves') });
    expect(r.images).toEqual({ source: 200, target: 200 });
    expect(r.level).toBe('none');
    expect(r.verdict[0]).toMatch(/^The target looks like the source/);
    expect(r.mmd.pValue).toBeGreaterThan(0.05);
    expect(r.domainClassifier.proxyADistance).toBeLessThan(0.5);
    expect(r.perClass).toHaveLength(5);
    expect(await fs.readFile(r.reportPath as string, 'utf8')).toContain('looks like the source');
  });

  it('finds a strong shift to a grayscale, blurred copy', async () => {
    const r = await measureShift({ source: halves.a, target: altered, home, out: path.join(work, 'shift-altered') });
    expect(r.level).toBe('strong');
    expect(r.verdict[0]).toMatch(/^Strong shift: .*consider domain adaptation/);
    expect(r.mmd.pValue).toBeLessThan(0.01);
    expect(r.domainClassifier.proxyADistance).toBeGreaterThan(1.5);
    expect(r.perClass.every((c) => c.pValue < 0.05)).toBe(true);
  });
});

describe('diagnostics input errors, before any image is read', () => {
  const codeOf = (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => e as HeadstartError);

  it('names an unknown backbone id', async () => {
    const err = await codeOf(rankBackbones({ data: FLOWERS, backbones: ['no-such-net'], home, report: false }));
    expect(err?.code).toBe('HS_MODEL_NOT_FOUND');
    expect(err?.message).toContain('no-such-net');
  });

  it('refuses to rank by LEEP when no backbone has a classifier', async () => {
    const err = await codeOf(rankBackbones({ data: FLOWERS, backbones: ['mobilenet-v2'], rankBy: 'leep', home, report: false }));
    expect(err?.code).toBe('HS_INVALID_OPTION');
    expect(err?.message).toMatch(/mobilenet-v2.*logits/);
  });

  it('names a missing target folder', async () => {
    const missing = path.join(work, 'no-such-folder');
    const err = await codeOf(measureShift({ source: FLOWERS, target: missing, home, report: false }));
    expect(err?.code).toBe('HS_FILE_NOT_FOUND');
    expect(err?.message).toContain(missing);
  });
});
