import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { adaptDomains, loadImageDataset, splitDataset } from '../../src/index.js';
import type { AdaptDomainsResult } from '../../src/index.js';
import { FLOWERS } from '../paths.js';

// Flowers (5 classes x 80) as the source; the target is a grayscale copy with a warm colour cast and a blur of
// 20 photos per class, made here with sharp. The home is shared with the other test files (backbones convert once).
const home = inject('sharedHome');
let work: string;
let altered: string;
let unlabelled: string;
/** The flowers photos that are not in the altered target (60 per class): source and target share no image. */
let disjointSource: string;

beforeAll(async () => {
  work = await fs.mkdtemp(path.join(os.tmpdir(), 'headstart-adapt-'));
  altered = path.join(work, 'altered');
  unlabelled = path.join(work, 'unlabelled');
  await fs.mkdir(unlabelled, { recursive: true });
  const all = await loadImageDataset(FLOWERS);
  const subset = splitDataset(all, { perClass: { train: 20 }, seed: 11 }).train.items;
  for (const item of subset) {
    await fs.mkdir(path.join(altered, item.label), { recursive: true });
    const file = path.join(altered, item.label, path.basename(item.path));
    await sharp(item.path).grayscale().toColourspace('srgb').tint({ r: 255, g: 170, b: 90 }).blur(6).jpeg().toFile(file);
    await fs.copyFile(file, path.join(unlabelled, `${item.label}-${path.basename(item.path)}`));
  }
  disjointSource = path.join(work, 'disjoint-source');
  const inTarget = new Set(subset.map((i) => i.path));
  for (const item of all.items.filter((i) => !inTarget.has(i.path))) {
    await fs.mkdir(path.join(disjointSource, item.label), { recursive: true });
    await fs.copyFile(item.path, path.join(disjointSource, item.label, path.basename(item.path)));
  }
});
afterAll(async () => {
  await fs.rm(work, { recursive: true, force: true });
});

describe('adaptDomains on flowers -> an altered copy', () => {
  let result: AdaptDomainsResult;

  beforeAll(async () => {
    result = await adaptDomains({ source: FLOWERS, target: altered, method: 'coral', home, out: path.join(work, 'coral'), permutations: 100 });
  });

  it('reports source-only and adapted accuracy side by side, target labels for scoring only', () => {
    // Measured: source validation 90% source-only, 65% adapted (CORAL moves the source into the target's statistics);
    // on the altered target 33% -> 48%. The run is seeded, so the gain is asserted, with a margin.
    expect(result.counts).toMatchObject({ sourceTrain: 320, sourceVal: 80, target: 100, targetLabelled: 100, targetScored: 100, targetValidation: 0 });
    expect(result.targetLabelUse).toBe('scoring');
    expect(result.sourceOnly.sourceValAccuracy).toBeGreaterThan(0.75);
    expect(result.adapted.sourceValAccuracy).toBeGreaterThan(0.5);
    expect(result.sourceOnly.targetAccuracy).toEqual(expect.any(Number));
    expect(result.adapted.targetAccuracy).toEqual(expect.any(Number));
    // The altered copy costs accuracy: the shift is real.
    expect(result.sourceOnly.targetAccuracy!).toBeLessThan(result.sourceOnly.sourceValAccuracy - 0.15);
    expect(result.adapted.targetAccuracy!).toBeGreaterThan(result.sourceOnly.targetAccuracy! + 0.05);
    expect(result.targetMetrics?.adapted.accuracy).toBeCloseTo(result.adapted.targetAccuracy!, 10);
    expect(result.paper).toMatch(/Sun, Feng and Saenko/);
  });

  it('measures a strong shift before and a smaller one after CORAL', () => {
    const { before, after } = result.shift!;
    expect(before.domainClassifierAccuracy).toBeGreaterThan(0.9);
    expect(after!.domainClassifierAccuracy).toBeLessThan(before.domainClassifierAccuracy);
    expect(result.details.coral!.covarianceDistance.after).toBeLessThan(result.details.coral!.covarianceDistance.before);
  });

  it('writes report.html and results.json', async () => {
    const html = await fs.readFile(result.reportPath!, 'utf8');
    expect(html).toContain('source only');
    expect(html).toContain('adapted (coral)');
    expect(html).not.toMatch(/<script|https?:\/\//);
    const saved = JSON.parse(await fs.readFile(result.resultsPath!, 'utf8')) as AdaptDomainsResult;
    expect(saved.adapted.targetAccuracy).toBe(result.adapted.targetAccuracy);
    expect(saved.sourceOnly.targetAccuracy).toBe(result.sourceOnly.targetAccuracy);
  });

  it('adapts to a plain folder of unlabelled images and scores nothing', async () => {
    const r = await adaptDomains({ source: FLOWERS, target: unlabelled, method: 'adabn', home, epochs: 10, report: false, measureShift: false });
    expect(r.counts.target).toBe(100);
    expect(r.targetLabelUse).toBe('none');
    expect(r.adapted.targetAccuracy).toBeNull();
    expect(r.sameNetworkSourceOnly?.targetAccuracy).toBeNull();
    expect(r.adapted.sourceValAccuracy).toBeGreaterThan(0.7);
    expect(r.warnings.join(' ')).toMatch(/no labels to score with/);
    expect(r.reportPath).toBeUndefined();
  });

  it('rejects target classes the source does not have', async () => {
    const odd = path.join(work, 'odd');
    await fs.mkdir(path.join(odd, 'cacti'), { recursive: true });
    await fs.copyFile((await fs.readdir(unlabelled)).map((f) => path.join(unlabelled, f))[0]!, path.join(odd, 'cacti', 'a.jpg'));
    await expect(adaptDomains({ source: FLOWERS, target: odd, method: 'coral', home, report: false })).rejects.toMatchObject({ code: 'HS_UNKNOWN_LABEL' });
  });
});

// The guard needs no target label: a method forced to hurt (an absurd alignment weight pulls the features apart or
// onto a point) is flagged, and auto neither picks it nor any method that does worse than source-only on the target.
describe('the guard and method auto on flowers -> an altered copy (disjoint photos)', () => {
  const absurd = { epochs: 8, alignmentWeight: 1e6, report: false, measureShift: false } as const;

  it('flags dann and deep-coral with an absurd alignment weight, with the reason in warnings', async () => {
    for (const method of ['dann', 'deep-coral'] as const) {
      const r = await adaptDomains({ source: disjointSource, target: altered, method, home, ...absurd });
      expect(r.chosen).toBe(method);
      expect(r.guard?.flags.length, method).toBeGreaterThan(0);
      expect(r.warnings.join(' ')).toMatch(new RegExp(`${method} (lost source accuracy|moved the domains further apart|collapsed)`));
      // The numbers behind the flags are the result's own: source validation accuracy as scored, MMD² before as measured.
      expect(r.guard?.sourceValAccuracy.adapted).toBe(r.adapted.sourceValAccuracy);
      expect(r.guard?.sourceValAccuracy.sourceOnly).toBe(r.sourceOnly.sourceValAccuracy);
    }
  });

  it('auto drops the flagged methods and keeps one that helps, or source-only', async () => {
    const out = path.join(work, 'auto');
    const r = await adaptDomains({ source: disjointSource, target: altered, home, ...absurd, report: true, out });
    expect(r.method).toBe('auto');
    const candidates = r.auto!.candidates;
    expect(candidates.map((c) => c.method).sort()).toEqual(['adabn', 'coral', 'dann', 'deep-coral', 'pseudo-label']);
    for (const method of ['dann', 'deep-coral']) expect(candidates.find((c) => c.method === method)?.passed, method).toBe(false);
    expect(candidates.filter((c) => !c.passed).map((c) => c.method)).not.toContain(r.chosen);
    if (r.chosen === 'source-only') {
      expect(r.adapted).toEqual(r.sourceOnly);
    } else {
      expect(r.adapted.targetAccuracy!).toBeGreaterThan(r.sourceOnly.targetAccuracy!);
      expect(r.adapted.targetAccuracy).toBe(candidates.find((c) => c.method === r.chosen)?.targetAccuracy);
    }
    expect(r.auto!.reason).toMatch(/flagged: .*dann/);
    const saved = JSON.parse(await fs.readFile(r.resultsPath!, 'utf8')) as AdaptDomainsResult;
    expect(saved.auto?.candidates).toHaveLength(5);
    expect(await fs.readFile(r.reportPath!, 'utf8')).toContain('Guard (no target labels)');
  });
});
