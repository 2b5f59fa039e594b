import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { writeManifest } from '../../src/data/index.js';
import { listImageFolder, readModelManifest, train } from '../../src/index.js';
import type { UpdateModelResult } from '../../src/index.js';
import { ensureBuilt, FLOWERS, makeTempDir, parseJsonStdout, removeDir, runHeadstart } from './run-headstart.js';

// update and update --rollback through the binary, on flowers-mini (10 images per class) in the shared test home,
// whose feature cache other tests fill with the same images.
let work: string;
let home: string;
let model: string;
let newData: string;

beforeAll(async () => {
  ensureBuilt();
  work = await makeTempDir('headstart-cli-update-');
  home = inject('sharedHome');
  const { items } = await listImageFolder(FLOWERS);
  const first = (classes: string[]) => classes.flatMap((c) => items.filter((i) => i.label === c).slice(0, 10));
  const base = await writeManifest(path.join(work, 'base.jsonl'), first(['daisy', 'dandelion', 'roses']));
  newData = await writeManifest(path.join(work, 'new.jsonl'), first(['sunflowers', 'tulips']));
  model = path.join(work, 'model');
  await train({ data: base, out: model, perClass: { train: 10 }, home, report: false });
}, 120_000);
afterAll(() => removeDir(work));

const run = (...args: string[]) => runHeadstart(args, { home });

describe('headstart update', () => {
  it('update --json adds the new classes as version 2 and prints one JSON result', async () => {
    const r = await run('update', '--model', model, '--data', newData, '--strategy', 'ncm', '--json');
    expect(r.code, r.stderr).toBe(0);
    const result = parseJsonStdout<UpdateModelResult>(r);
    expect(result).toMatchObject({ action: 'update', version: 2, strategy: 'ncm', newClasses: ['sunflowers', 'tulips'], examples: { sunflowers: 10, tulips: 10 } });
    expect(result.memory?.storesExamples).toBe(false);
    expect((await readModelManifest(model)).labels).toHaveLength(5);
  });

  it('update --rollback puts version 1 back; a second rollback fails with a clear message', async () => {
    const r = await run('update', '--model', model, '--rollback');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('from version 2 to version 1 (3 classes: daisy, dandelion, roses)');
    const again = await run('update', '--model', model, '--rollback');
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('no earlier version to roll back to');
  });

  it('--rollback with update flags is a usage error', async () => {
    const mixed = await run('update', '--model', model, '--rollback', '--strategy', 'slda');
    expect(mixed.code).toBe(2);
    expect(mixed.stderr).toContain('drop --strategy');
    expect(await fs.readdir(model)).not.toContain('versions');
  });
});
