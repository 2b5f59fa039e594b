import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { FindLearningRateResult } from '../../src/index.js';
import { FLOWERS, parseJsonStdout, useCliWithTempHome } from '../cli/run-headstart.js';

// `headstart lr-find` through the binary on the bundled mini flowers: the Coral MobileNetV2's top block (an ONNX
// backbone, its top rebuilt as Layers) and a trained head, scanned over 1e-6..1 in 30 steps.
describe('headstart lr-find', () => {
  const run = useCliWithTempHome();

  it('suggests a finite rate inside the scanned range and writes the report and results', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'headstart-lr-find-'));
    try {
      const r = await run(
        'lr-find', '--data', FLOWERS, '--out', dir, '--backbone', 'mobilenet-v2-imagenet', '--unfreeze', '1',
        '--per-class-train', '12', '--steps', '30', '--start-lr', '1e-6', '--end-lr', '1', '--json',
      );
      expect(r.code, r.stderr).toBe(0);
      const result = parseJsonStdout<FindLearningRateResult>(r);
      expect(result.trainImages).toBe(60);
      expect(result.groups).toEqual(['features', 'head']);
      expect(result.rates[0]).toBeCloseTo(1e-6, 12);
      for (let i = 1; i < result.rates.length; i++) expect(result.rates[i]).toBeGreaterThan(result.rates[i - 1] as number);
      expect(result.losses).toHaveLength(result.rates.length);
      expect(Number.isFinite(result.suggestion)).toBe(true);
      expect(result.suggestion).toBeGreaterThanOrEqual(1e-6);
      expect(result.suggestion).toBeLessThanOrEqual(1);
      expect(result.rates).toContain(result.suggestion);

      const html = await fs.readFile(result.reportPath, 'utf8');
      expect(path.dirname(result.reportPath)).toBe(dir);
      expect(html).toContain('<svg');
      expect(html).toContain('Suggested learning rate');
      // The log axis labels powers of ten.
      expect(html).toContain('>1e-6<');
      const saved = JSON.parse(await fs.readFile(result.resultsPath, 'utf8')) as FindLearningRateResult;
      expect(saved.suggestion).toBe(result.suggestion);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});
