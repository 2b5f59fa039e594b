import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MeasureShiftResult, RankBackbonesResult } from '../../src/index.js';
import { FLOWERS, makeTempDir, parseJsonStdout, removeDir, useCliWithTempHome } from './run-headstart.js';

// rank and shift through the binary on the bundled flowers (5 classes x 36): one JSON document on stdout each.
const run = useCliWithTempHome();
let out: string;
beforeAll(async () => {
  out = await makeTempDir('headstart-cli-diagnostics-');
});
afterAll(() => removeDir(out));

describe('rank and shift through the binary', () => {
  it('rank --json prints the ranking with LEEP only for the backbone with a classifier', async () => {
    const r = await run('rank', '--data', FLOWERS, '--backbones', 'mobilenet-v2-imagenet,mobilenet-v1-imagenet', '--out', path.join(out, 'rank'), '--json');
    expect(r.code, r.stderr).toBe(0);
    const result = parseJsonStdout<RankBackbonesResult>(r);
    expect(result.images).toBe(180);
    expect(result.ranking.map((x) => x.backbone).sort()).toEqual(['mobilenet-v1-imagenet', 'mobilenet-v2-imagenet']);
    const v1 = result.ranking.find((x) => x.backbone === 'mobilenet-v1-imagenet');
    expect(v1?.scores.leep).toBeNull();
    expect(typeof result.ranking.find((x) => x.backbone === 'mobilenet-v2-imagenet')?.scores.leep).toBe('number');
    expect(result.verification).toBeUndefined();
    expect(existsSync(path.join(out, 'rank', 'report.html'))).toBe(true);
    expect(r.stderr).toMatch(/^scored mobilenet-v2-imagenet \(1\/2\)/m);
  });

  it('shift --json prints the verdict; the same data against itself looks like the source', async () => {
    const r = await run('shift', '--source', FLOWERS, '--target', FLOWERS, '--out', path.join(out, 'shift'), '--permutations', '100', '--json');
    expect(r.code, r.stderr).toBe(0);
    const result = parseJsonStdout<MeasureShiftResult>(r);
    expect(result.level).toBe('none');
    expect(result.verdict[0]).toMatch(/looks like the source/);
    expect(result.mmd.permutations).toBe(100);
    expect(result.backbone.id).toBe('mobilenet-v1-imagenet');
    expect(existsSync(path.join(out, 'shift', 'results.json'))).toBe(true);
  });

  it('rank prints a table, and refuses --test-fraction without --verify', async () => {
    const table = await run('rank', '--data', FLOWERS, '--backbones', 'mobilenet-v1-imagenet', '--no-report', '--quiet');
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toMatch(/^#\s+backbone\s+LogME\s+H-score\s+LEEP\s+NCE$/m);
    expect(table.stdout).toMatch(/^1\s+mobilenet-v1-imagenet\s+-?\d\.\d{4}\s+\d+\.\d{4}\s+—\s+—$/m);
    const bad = await run('rank', '--data', FLOWERS, '--test-fraction', '0.2');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--verify');
  });
});
