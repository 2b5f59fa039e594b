import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { HeadstartError, evaluateModel, train } from '../../src/index.js';
import { FLOWERS_MINI } from '../paths.js';

describe('corrupt and mislabelled input', () => {
  const home = inject('sharedHome');
  let dir: string;
  let data: string;

  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'headstart-bad-'));
    data = path.join(dir, 'data');
    for (const cls of ['daisy', 'roses']) {
      await fs.mkdir(path.join(data, cls), { recursive: true });
      const names = (await fs.readdir(path.join(FLOWERS_MINI, cls))).sort().slice(0, 6);
      for (const name of names) await fs.copyFile(path.join(FLOWERS_MINI, cls, name), path.join(data, cls, name));
    }
    const jpeg = await fs.readFile(path.join(data, 'daisy', (await fs.readdir(path.join(data, 'daisy')))[0] as string));
    await fs.writeFile(path.join(data, 'daisy', 'zz-truncated.jpg'), jpeg.subarray(0, Math.floor(jpeg.length / 2)));
    await fs.writeFile(path.join(data, 'roses', 'zz-notes.jpg'), 'these are my notes, not a photo\n');
  });
  afterAll(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('reports a truncated JPEG and a text file named .jpg with their paths, and trains on the rest', async () => {
    const result = await train({ data, out: path.join(dir, 'model'), backbone: 'mobilenet-v1-imagenet', split: { val: 0.25, test: 0.25 }, home, epochs: 5 });
    const skipped = result.skipped.map((s) => s.file);
    expect(skipped).toEqual(expect.arrayContaining([path.join(data, 'daisy', 'zz-truncated.jpg'), path.join(data, 'roses', 'zz-notes.jpg')]));
    expect(skipped).toHaveLength(2);
    const notes = result.skipped.find((s) => s.file.endsWith('zz-notes.jpg'));
    expect(notes?.reason).toMatch(/not a JPEG, PNG, WebP or GIF/);
    const counts = result.manifest.training.counts;
    expect(counts.train + counts.val + counts.test).toBe(12);
  });

  it("refuses the run with onBadFile 'error', naming the file", async () => {
    const err = await train({ data, out: path.join(dir, 'strict'), backbone: 'mobilenet-v1-imagenet', split: { val: 0.25, test: 0.25 }, home, onBadFile: 'error', epochs: 5 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HeadstartError);
    expect((err as HeadstartError).code).toBe('HS_IMAGE_UNREADABLE');
    expect((err as HeadstartError).message).toMatch(/zz-(truncated|notes)\.jpg/);
    await expect(fs.stat(path.join(dir, 'strict'))).rejects.toThrow();
  });

  it('rejects evaluation data with a class the model does not know', async () => {
    const other = path.join(dir, 'other');
    await fs.mkdir(path.join(other, 'tulips'), { recursive: true });
    const tulip = (await fs.readdir(path.join(FLOWERS_MINI, 'tulips')))[0] as string;
    await fs.copyFile(path.join(FLOWERS_MINI, 'tulips', tulip), path.join(other, 'tulips', tulip));
    const err = await evaluateModel({ model: path.join(dir, 'model'), data: other, home }).catch((e: unknown) => e);
    expect((err as HeadstartError).code).toBe('HS_UNKNOWN_LABEL');
    expect((err as HeadstartError).message).toContain('tulips');
  });

  it('names the missing data folder', async () => {
    const missing = path.join(dir, 'no-such-folder');
    const err = await train({ data: missing, out: path.join(dir, 'x'), home }).catch((e: unknown) => e);
    expect((err as HeadstartError).code).toBe('HS_FILE_NOT_FOUND');
    expect((err as HeadstartError).message).toContain(missing);
  });

  it('rejects an unknown option by name', async () => {
    const err = await train({ data, out: path.join(dir, 'x'), home, epoch: 3 } as unknown as Parameters<typeof train>[0]).catch((e: unknown) => e);
    expect((err as HeadstartError).code).toBe('HS_INVALID_OPTION');
    expect((err as HeadstartError).message).toContain('epoch');
  });
});
