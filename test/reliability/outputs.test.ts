import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { markOutputFolder, writeDirAtomic } from '../../src/core/index.js';
import { OUTPUT_MARKER_FILE, prepareOutput, recoverInterruptedWrite } from '../../src/index.js';
import { useCliWithTempHome } from '../cli/run-headstart.js';
import { makeTempDir, solidImage, writeFixture } from '../data/fixtures.js';
import { deadPid, expectCliError, expectHeadstartError, snapshot } from './files.js';

let root: string;
/** A small image folder a user could own: two classes of tiny PNGs, a notes file. */
let photos: string;

beforeAll(async () => {
  root = await makeTempDir('headstart-outputs-');
  photos = path.join(root, 'photos');
  for (const [label, colour] of [['red', { r: 220, g: 20, b: 20 }], ['blue', { r: 20, g: 20, b: 220 }]] as const) {
    for (let i = 0; i < 3; i++) await writeFixture(path.join(photos, label, `${i}.png`), await solidImage('png', { ...colour, g: colour.g + i }));
  }
  await writeFixture(path.join(photos, 'notes.txt'), 'my notes\n');
});
afterAll(() => fs.rm(root, { recursive: true, force: true }));

const fresh = async (name: string) => {
  const dir = path.join(root, name);
  await fs.mkdir(dir, { recursive: true });
  return dir;
};

describe('prepareOutput', () => {
  it('never lets the output be, lie inside or contain an input, even with force', async () => {
    const before = await snapshot(photos);
    await expectHeadstartError(prepareOutput(photos, { kind: 'model', inputs: [photos], force: true }), 'HS_OUTPUT_OVERLAPS_INPUT', photos, '--force does not override');
    await expectHeadstartError(prepareOutput(path.join(photos, 'red'), { kind: 'model', inputs: [photos], force: true }), 'HS_OUTPUT_OVERLAPS_INPUT', 'lies inside');
    await expectHeadstartError(prepareOutput(root, { kind: 'model', inputs: [photos], force: true }), 'HS_OUTPUT_OVERLAPS_INPUT', 'contains');
    // Through a symlink too: the same folder under another name is still the input.
    const link = path.join(root, 'photos-link');
    await fs.symlink(photos, link);
    await expectHeadstartError(prepareOutput(link, { kind: 'model', inputs: [photos], force: true }), 'HS_OUTPUT_OVERLAPS_INPUT', link);
    expect(await snapshot(photos)).toEqual(before);
  });

  it('refuses an existing folder headstart did not write unless force, and accepts its own of the same kind', async () => {
    const other = await fresh('unrelated');
    await fs.writeFile(path.join(other, 'thesis.tex'), 'years of work');
    await expectHeadstartError(prepareOutput(other, { kind: 'model' }), 'HS_OUTPUT_EXISTS', other, '--force', OUTPUT_MARKER_FILE);
    await expect(prepareOutput(other, { kind: 'model', force: true })).resolves.toBe(path.resolve(other));
    expect(await fs.readFile(path.join(other, 'thesis.tex'), 'utf8')).toBe('years of work');

    const model = await fresh('model');
    await markOutputFolder(model, 'model');
    await expect(prepareOutput(model, { kind: 'model' })).resolves.toBe(model);
    await expectHeadstartError(prepareOutput(model, { kind: 'dataset' }), 'HS_OUTPUT_EXISTS', 'holds a headstart model, not a dataset');
    // An empty folder holds nothing to lose; a folder from before markers is known by its files.
    await expect(prepareOutput(await fresh('empty'), { kind: 'dataset' })).resolves.toBeTruthy();
    const legacy = await fresh('legacy-model');
    await fs.writeFile(path.join(legacy, 'headstart.json'), '{}');
    await expect(prepareOutput(legacy, { kind: 'model', legacyFiles: ['headstart.json'] })).resolves.toBe(legacy);
  });

  it('refuses a plain file where a folder is written, even with force; a file output replaces only its own kind or with force', async () => {
    const file = path.join(root, 'report.pdf');
    await fs.writeFile(file, 'pdf bytes');
    await expectHeadstartError(prepareOutput(file, { kind: 'model', force: true }), 'HS_OUTPUT_EXISTS', file, 'is a file');
    await expectHeadstartError(prepareOutput(file, { kind: 'model', shape: 'file' }), 'HS_OUTPUT_EXISTS', file, '--force');
    await expect(prepareOutput(file, { kind: 'model', shape: 'file', force: true })).resolves.toBe(file);
    await expect(prepareOutput(file, { kind: 'model', shape: 'file', isOwnFile: () => Promise.resolve(true) })).resolves.toBe(file);
    await expectHeadstartError(prepareOutput(root, { kind: 'model', shape: 'file', force: true }), 'HS_OUTPUT_EXISTS', 'is a folder');
    expect(await fs.readFile(file, 'utf8')).toBe('pdf bytes');
  });

  it('fails at once where nothing can be written', async () => {
    const file = path.join(root, 'plain.txt');
    await fs.writeFile(file, 'x');
    await expectHeadstartError(prepareOutput(path.join(file, 'sub'), { kind: 'model' }), 'HS_OUTPUT_UNWRITABLE', file, 'is a file');
    if (process.platform === 'linux') await expectHeadstartError(prepareOutput('/proc/nope/x', { kind: 'model' }), 'HS_OUTPUT_UNWRITABLE', '/proc');
  });
});

describe('writeDirAtomic', () => {
  it('writes the marker into the folder it swaps in', async () => {
    const out = path.join(root, 'marked');
    await writeDirAtomic(out, (dir) => fs.writeFile(path.join(dir, 'a.txt'), 'a'), { marker: 'dataset' });
    expect(JSON.parse(await fs.readFile(path.join(out, OUTPUT_MARKER_FILE), 'utf8'))).toEqual({ writtenBy: 'headstart', kind: 'dataset', markerVersion: 1 });
    await expect(prepareOutput(out, { kind: 'dataset' })).resolves.toBe(out);
  });

  it('puts back a folder whose writer was killed between its two renames, and clears dead writers\' leftovers', async () => {
    const parent = await fresh('interrupted');
    const target = path.join(parent, 'model');
    const pid = deadPid();
    // The state a kill between `rename(target, old)` and `rename(tmp, target)` leaves: no target, both copies.
    const tmp = path.join(parent, `.model.tmp-${pid}-1000`);
    await writeFixture(path.join(tmp, 'version.txt'), 'new');
    await writeFixture(path.join(`${tmp}-old`, 'version.txt'), 'old');
    // A dead writer's half-filled folder and file, and a live writer's folder (this process) that must stay.
    await writeFixture(path.join(parent, `.model.tmp-${pid}-900`, 'half.txt'), 'half');
    const live = path.join(parent, `.model.tmp-${process.pid}-2000`);
    await writeFixture(path.join(live, 'busy.txt'), 'busy');

    await recoverInterruptedWrite(target);
    expect(await fs.readFile(path.join(target, 'version.txt'), 'utf8')).toBe('new');
    expect((await fs.readdir(parent)).sort()).toEqual([path.basename(live), 'model'].sort());
  });

  it('recovers before refusing: prepareOutput finds the restored folder with its marker', async () => {
    const parent = await fresh('interrupted-marked');
    const tmp = path.join(parent, `.out.tmp-${deadPid()}-5`);
    await markOutputFolder(tmp, 'model');
    await markOutputFolder(`${tmp}-old`, 'model');
    await expect(prepareOutput(path.join(parent, 'out'), { kind: 'model' })).resolves.toBe(path.join(parent, 'out'));
    expect(await fs.readdir(parent)).toEqual(['out']);
  });
});

describe('the CLI keeps user files', () => {
  const run = useCliWithTempHome();

  it('train --data d --out d is refused before any work, even with --force: exit 1, photos untouched', async () => {
    const before = await snapshot(photos);
    expectCliError(await run('train', '--data', photos, '--out', photos, '--force'), 1, 'HS_OUTPUT_OVERLAPS_INPUT', photos);
    expect(await snapshot(photos)).toEqual(before);
  });

  it('an unrelated folder as --out is refused by train, export and data mnist; a file in the way fails before training', async () => {
    const other = await fresh('cli-unrelated');
    await fs.writeFile(path.join(other, 'keep.txt'), 'keep me');
    const before = await snapshot(other);
    expectCliError(await run('train', '--data', photos, '--out', other), 1, 'HS_OUTPUT_EXISTS', other, '--force');
    expectCliError(await run('export', '--model', photos, '--format', 'tfjs', '--out', other), 1, 'HS_OUTPUT_EXISTS', other, '--force');
    expectCliError(await run('data', 'mnist', '--out', other, '--per-class', '1'), 1, 'HS_OUTPUT_EXISTS', other, '--force');
    expect(await snapshot(other)).toEqual(before);

    const file = path.join(root, 'cli-plain.txt');
    await fs.writeFile(file, 'plain');
    expectCliError(await run('train', '--data', photos, '--out', path.join(file, 'sub')), 1, 'HS_OUTPUT_UNWRITABLE', file);
    expect(await fs.readFile(file, 'utf8')).toBe('plain');
  });

  it('data mnist writes a marked dataset, and replaces another folder only with --force', async () => {
    const other = await fresh('cli-forced');
    await fs.writeFile(path.join(other, 'old.txt'), 'old');
    const forced = await run('data', 'mnist', '--out', other, '--per-class', '1', '--force', '--json');
    expect(forced.code, forced.stderr).toBe(0);
    expect(await fs.readdir(other)).not.toContain('old.txt');
    expect((await fs.readdir(path.join(other, '7'))).length).toBe(1);
    expect(JSON.parse(await fs.readFile(path.join(other, OUTPUT_MARKER_FILE), 'utf8'))).toMatchObject({ writtenBy: 'headstart', kind: 'dataset' });
  });
});
