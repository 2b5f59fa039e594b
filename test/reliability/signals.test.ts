import { promises as fs } from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { TrainResult } from '../../src/index.js';
import { makeTempDir, removeDir } from '../cli/run-headstart.js';
import { FSDD_RECORDINGS } from '../paths.js';
import { expectCleanFailure, runCliInProcess } from './helpers.js';

// Signals a user must see: skipped files, refusals when nothing usable was read, warnings about duplicated data,
// terminal-safe labels. Data is made here: small solid-colour PNGs (distinct colours, so distinct bytes).
let work: string;
const run = (...args: string[]) => runCliInProcess(args, { HEADSTART_HOME: inject('sharedHome') });
/** A class name with a terminal escape (an OSC that would retitle the window) and Markdown syntax. */
const HOSTILE = 'red\u001b]0;pwned\u0007*bold*';

let colour = 0;
async function writePng(file: string): Promise<void> {
  colour += 1;
  const background = { r: (colour * 37) % 256, g: (colour * 91) % 256, b: (colour * 53) % 256 };
  await fs.mkdir(path.dirname(file), { recursive: true });
  await sharp({ create: { width: 48, height: 48, channels: 3, background } }).png().toFile(file);
}

/** `perClass` distinct PNGs in each class folder. */
async function writeImageFolder(dir: string, classes: readonly string[], perClass: number): Promise<void> {
  for (const cls of classes) for (let i = 0; i < perClass; i++) await writePng(path.join(dir, cls, `${i}.png`));
}

/** A PNG header declaring width x height, with a token of image data: sharp reads the size before decoding. */
function pngHeader(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(zlib.crc32(body) >>> 0);
    return Buffer.concat([length, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([signature, chunk('IHDR', ihdr), chunk('IDAT', zlib.deflateSync(Buffer.alloc(64))), chunk('IEND', Buffer.alloc(0))]);
}

let data: string;
let model: string;
beforeAll(async () => {
  work = await makeTempDir('headstart-signals-');
  data = path.join(work, 'data');
  await writeImageFolder(data, [HOSTILE, 'blue'], 8);
  // The same bytes under both classes, and 25 files of an unsupported type in one class.
  await fs.copyFile(path.join(data, 'blue', '0.png'), path.join(data, HOSTILE, 'copy-of-blue.png'));
  for (let i = 0; i < 25; i++) await fs.writeFile(path.join(data, 'blue', `scan-${String(i).padStart(2, '0')}.bmp`), 'not a supported image');
  model = path.join(work, 'model');
});
afterAll(() => removeDir(work));

describe('train prints what it skipped and what looks wrong', () => {
  let stdout = '';
  let stderr = '';
  it('prints the first 20 skipped files on stderr, then how many more and where, and warns about an image in two classes', async () => {
    const r = await run('train', '--data', data, '--out', model, '--epochs', '3');
    expect(r.code, r.stderr).toBe(0);
    ({ stdout, stderr } = r);
    const skipLines = stderr.split('\n').filter((l) => l.startsWith('skipped '));
    expect(skipLines).toHaveLength(20);
    expect(skipLines[0]).toContain(path.join(data, 'blue', 'scan-00.bmp'));
    expect(stderr).toContain('... and 5 more skipped files, all listed in');
    expect(stdout).toContain('skipped 25 files (the first 20 listed on stderr above, all in report.html)');
    expect(stdout).toMatch(/warning: 1 file\(s\) in .* have the same content as a file in another class: .*blue.0\.png \(blue\) and .*copy-of-blue\.png/);
  });

  it('prints labels with escape codes harmlessly, and card.md escapes them as Markdown', async () => {
    expect(stdout + stderr).not.toContain('\u001b');
    expect(stdout + stderr).not.toContain('\u0007');
    expect(stdout).toContain('red\\x1B]0;pwned\\x07*bold*');
    const card = await fs.readFile(path.join(model, 'card.md'), 'utf8');
    expect(card).not.toContain('\u001b');
    expect(card).toContain('red\\\\x1B\\]0;pwned\\\\x07\\*bold\\*');
  });

  it('--json keeps every skipped file and the warnings in the JSON; --val overlapping --data is named', async () => {
    const val = path.join(work, 'val');
    await fs.mkdir(path.join(val, 'blue'), { recursive: true });
    await fs.copyFile(path.join(data, 'blue', '3.png'), path.join(val, 'blue', 'same-as-3.png'));
    await writePng(path.join(val, 'blue', 'fresh.png'));
    const r = await run('train', '--data', data, '--val', val, '--out', path.join(work, 'model-val'), '--epochs', '2', '--json');
    expect(r.code, r.stderr).toBe(0);
    const result = JSON.parse(r.stdout) as TrainResult;
    expect(result.skipped).toHaveLength(25);
    expect(result.warnings.join('\n')).toMatch(/1 of the 2 validation file\(s\) in .* are also in the training data .*same-as-3\.png = .*3\.png/);
  });
});

describe('known system files and manifests', () => {
  it('Thumbs.db, desktop.ini and dotfiles do not make --strict refuse a run', async () => {
    const clean = path.join(work, 'clean');
    await writeImageFolder(clean, ['a', 'b'], 8);
    for (const name of ['Thumbs.db', 'desktop.ini', '.DS_Store', '._0.png']) await fs.writeFile(path.join(clean, 'a', name), 'system file');
    const r = await run('train', '--data', clean, '--out', path.join(work, 'model-strict'), '--strict', '--epochs', '2', '--json');
    expect(r.code, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as TrainResult).skipped).toEqual([]);
  });

  it('a manifest that reads files outside its folder is allowed, with one warning naming the first such file', async () => {
    const manifestDir = path.join(work, 'lists');
    await fs.mkdir(manifestDir, { recursive: true });
    const rows = ['a', 'b'].flatMap((cls) => Array.from({ length: 8 }, (_, i) => `../clean/${cls}/${i}.png,${cls}`));
    await fs.writeFile(path.join(manifestDir, 'train.csv'), `path,label\n${rows.join('\n')}\n`);
    const r = await run('train', '--data', path.join(manifestDir, 'train.csv'), '--out', path.join(work, 'model-manifest'), '--epochs', '2', '--json');
    expect(r.code, r.stderr).toBe(0);
    const warnings = (JSON.parse(r.stdout) as TrainResult).warnings.filter((w) => w.includes('outside its folder'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(path.join(work, 'clean', 'a', '0.png'));
  });
});

describe('nothing usable read is a failure', () => {
  it('predict given only unreadable images exits 1, and an image over the pixel limit says so with the limit', async () => {
    const huge = path.join(work, 'huge.png');
    await fs.writeFile(huge, pngHeader(30000, 30000));
    const garbage = path.join(work, 'garbage.jpg');
    await fs.writeFile(garbage, Buffer.from(Array.from({ length: 512 }, (_, i) => (i * 131 + 7) % 256)));
    const r = await run('predict', '--model', model, huge, garbage);
    expectCleanFailure(r, { code: 'HS_DATASET_EMPTY', mentions: 'none of the 2 input file(s) could be read' });
    expect(r.stdout).toContain(`${huge}  skipped: Cannot decode ${huge}: this PNG image is over the pixel limit (30000x30000 = 900000000 pixels; the limit is 268402689 pixels)`);
    expect(r.stdout).toContain('maxPixels');
  });

  it('a text file of random bytes is refused: its split holds nothing out', async () => {
    const file = path.join(work, 'random.txt');
    // Deterministic "random" bytes: a linear congruential sequence, with a few TABs so some lines parse as rows.
    let x = 12345;
    const bytes = Buffer.from(Array.from({ length: 3000 }, () => ((x = (x * 1103515245 + 12345) % 2 ** 31) >> 16) % 256));
    await fs.writeFile(file, bytes);
    const r = await run('train', '--data', file, '--out', path.join(work, 'model-random'), '--epochs', '2');
    expectCleanFailure(r, { code: 'HS_DATASET_INVALID', mentions: `Splitting ${file} left no validation or test sentences` });
  });
});

describe('audio pretrain', () => {
  it('exits 0 after a successful run that keeps the model in its run folder (audio is never published to the zoo)', async () => {
    const clips = path.join(work, 'fsdd');
    await fs.mkdir(clips);
    const names = (await fs.readdir(FSDD_RECORDINGS)).filter((n) => /^[0-2]_(jackson|nicolas)_[0-9]\.wav$/.test(n));
    expect(names).toHaveLength(60);
    for (const name of names) await fs.symlink(path.join(FSDD_RECORDINGS, name), path.join(clips, name));
    const r = await run('pretrain', '--data', clips, '--label-from', '{label}_{speaker}_{index}.wav', '--out', 'signals-audio', '--epochs', '2', '--width', '4', '--force', '--json');
    expect(r.code, r.stderr).toBe(0);
    const result = JSON.parse(r.stdout) as { published: boolean; unpublishedReason?: string; baselineCheck: string };
    expect(result.published).toBe(false);
    expect(result.unpublishedReason).toContain('audio model is kept in');
    expect(['passed', 'forced']).toContain(result.baselineCheck);
  });
});
