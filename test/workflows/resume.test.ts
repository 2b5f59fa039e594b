import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HeadstartError, train } from '../../src/index.js';
import { FLOWERS_MINI } from '../paths.js';

// A run stopped halfway (Ctrl-C in the CLI, an AbortSignal in the API, or a killed process) loses nothing it had
// finished: features go to the cache batch by batch, and the model directory appears only when complete.
describe('an interrupted train', () => {
  let home: string;
  let work: string;
  beforeAll(async () => {
    home = await fs.mkdtemp(path.join(os.tmpdir(), 'headstart-resume-'));
    work = await fs.mkdtemp(path.join(os.tmpdir(), 'headstart-resume-out-'));
  });
  afterAll(async () => {
    await fs.rm(home, { recursive: true, force: true });
    await fs.rm(work, { recursive: true, force: true });
  });

  it('resumes extraction from the cache and leaves no half-written model', async () => {
    const out = path.join(work, 'model');
    const controller = new AbortController();
    let extractedBeforeStop = 0;
    const stopped = await train({
      data: FLOWERS_MINI, out, home, backbone: 'mobilenet-v2', signal: controller.signal,
      onProgress: (e) => {
        if (e.stage === 'extract' && e.done >= 64) {
          extractedBeforeStop = e.done;
          controller.abort();
        }
      },
    }).catch((e: unknown) => e);
    expect((stopped as HeadstartError).code).toBe('HS_ABORTED');
    expect(extractedBeforeStop).toBeGreaterThanOrEqual(64);
    await expect(fs.stat(out)).rejects.toThrow();
    expect((await fs.readdir(work)).filter((f) => f.includes('.tmp-'))).toEqual([]);

    const resumed = await train({ data: FLOWERS_MINI, out, home, backbone: 'mobilenet-v2' });
    expect(resumed.extraction.cached).toBe(extractedBeforeStop);
    expect(resumed.extraction.extracted).toBe(180 - extractedBeforeStop);
    expect((await fs.stat(path.join(out, 'headstart.json'))).isFile()).toBe(true);
  });
});
