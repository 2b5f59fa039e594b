import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeWav, listAudioFolder, loadAudioDataset } from '../../src/data/index.js';
import { FSDD_RECORDINGS } from '../paths.js';
import { makeTempDir, writeFixture } from './fixtures.js';

const FSDD_PATTERN = { pattern: '{label}_{speaker}_{index}.wav' };

async function rejection(p: Promise<unknown>): Promise<{ code?: string; message: string }> {
  return p.then(
    () => expect.fail('expected a rejection'),
    (err: { code?: string; message: string }) => err,
  );
}

describe('listAudioFolder on FSDD', () => {
  it('reads labels and speakers from the file names: 10 digits, 6 speakers, official split 2700 / 300', async () => {
    const fsdd = await listAudioFolder(FSDD_RECORDINGS, { labelFrom: FSDD_PATTERN });
    expect(fsdd.classes).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    expect(fsdd.items).toHaveLength(3000);
    expect(fsdd.skipped).toEqual([]);
    expect([...new Set(fsdd.items.map((i) => i.groups['speaker']))].sort()).toEqual(['george', 'jackson', 'lucas', 'nicolas', 'theo', 'yweweler']);
    const item = fsdd.items.find((i) => path.basename(i.path) === '7_theo_23.wav');
    expect(item).toEqual({ path: path.join(FSDD_RECORDINGS, '7_theo_23.wav'), label: '7', groups: { speaker: 'theo', index: '23' } });
    // The README's split: takes 0-4 are test, 5-49 train.
    const test = fsdd.items.filter((i) => Number(i.groups['index']) <= 4);
    expect(test).toHaveLength(300);
    expect(fsdd.items.length - test.length).toBe(2700);
    for (const digit of fsdd.classes) expect(test.filter((i) => i.label === digit)).toHaveLength(30);
  });
});

describe('listAudioFolder and loadAudioDataset', () => {
  let dir: string;
  const wav = encodeWav({ sampleRate: 8000, samples: [new Float32Array(800).fill(0.1)] });
  beforeAll(async () => {
    dir = await makeTempDir('headstart-audio-folder-');
    for (const name of ['yes_ann_0.wav', 'yes_bob_1.wav', 'no_ann_0.wav', 'no_bob_12.WAV', 'maybe.wav', 'notes.txt', '.hidden.wav']) {
      await writeFixture(path.join(dir, 'flat', name), wav);
    }
    await fs.mkdir(path.join(dir, 'flat', 'sub'));
  });
  afterAll(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('reports files that do not match the pattern, and refuses them with onBadFile error', async () => {
    const flat = path.join(dir, 'flat');
    const ds = await listAudioFolder(flat, { labelFrom: { pattern: '{label}_{speaker}_{take}.wav' } });
    expect(ds.classes).toEqual(['no', 'yes']);
    expect(ds.items.map((i) => [path.basename(i.path), i.label, i.groups['speaker'], i.groups['take']])).toEqual([
      ['no_ann_0.wav', 'no', 'ann', '0'],
      ['yes_ann_0.wav', 'yes', 'ann', '0'],
      ['yes_bob_1.wav', 'yes', 'bob', '1'],
    ]);
    expect(ds.skipped.map((s) => [path.basename(s.file), s.reason])).toEqual([
      ['maybe.wav', "name does not match the pattern '{label}_{speaker}_{take}.wav'"],
      ['no_bob_12.WAV', "name does not match the pattern '{label}_{speaker}_{take}.wav'"],
      ['notes.txt', "unsupported extension '.txt'; expected one of .wav"],
      ['sub', 'a folder; a file-name pattern reads only files directly in the folder'],
    ]);
    const strict = await rejection(listAudioFolder(flat, { labelFrom: { pattern: '{label}_{speaker}_{take}.wav' }, onBadFile: 'error' }));
    expect(strict.code).toBe('HS_AUDIO_UNREADABLE');
    expect(strict.message).toContain(path.join(flat, 'maybe.wav'));
  });

  it('rejects malformed patterns with the fix', async () => {
    const flat = path.join(dir, 'flat');
    await expect(listAudioFolder(flat, { labelFrom: { pattern: '{speaker}_{index}.wav' } })).rejects.toThrow(/no \{label\} placeholder/);
    await expect(listAudioFolder(flat, { labelFrom: { pattern: '{label}{speaker}.wav' } })).rejects.toThrow(/two placeholders in a row/);
    await expect(listAudioFolder(flat, { labelFrom: { pattern: '{label}_{label}.wav' } })).rejects.toThrow(/uses \{label\} twice/);
    await expect(listAudioFolder(flat, { labelFrom: 'name' as 'folder' })).rejects.toThrow(/Expected labelFrom to be 'folder' or \{ pattern/);
    const empty = await rejection(listAudioFolder(flat, { labelFrom: { pattern: 'clip-{label}.wav' } }));
    expect(empty.code).toBe('HS_DATASET_EMPTY');
  });

  it('reads class folders and manifests, and reports a class without audio', async () => {
    const root = path.join(dir, 'classes');
    await writeFixture(path.join(root, 'down', 'a.wav'), wav);
    await writeFixture(path.join(root, 'up', 'b.wav'), wav);
    const ds = await loadAudioDataset(root);
    expect(ds.classes).toEqual(['down', 'up']);
    expect(ds.items).toEqual([
      { path: path.join(root, 'down', 'a.wav'), label: 'down', groups: {} },
      { path: path.join(root, 'up', 'b.wav'), label: 'up', groups: {} },
    ]);

    const manifest = await writeFixture(path.join(dir, 'list.csv'), 'path,label\nclasses/down/a.wav,low\nclasses/up/b.wav,high\nclasses/up/gone.wav,high\nphoto.jpg,low\n');
    const fromManifest = await loadAudioDataset(manifest);
    expect(fromManifest.classes).toEqual(['high', 'low']);
    expect(fromManifest.items.map((i) => [path.basename(i.path), i.label])).toEqual([['a.wav', 'low'], ['b.wav', 'high']]);
    expect(fromManifest.skipped.map((s) => [path.basename(s.file), s.reason])).toEqual([
      ['gone.wav', 'missing'],
      ['photo.jpg', "unsupported extension '.jpg'; expected one of .wav"],
    ]);
    const strict = await rejection(loadAudioDataset(manifest, { onBadFile: 'error' }));
    expect(strict.code).toBe('HS_FILE_NOT_FOUND');

    await fs.mkdir(path.join(root, 'left'));
    await writeFixture(path.join(root, 'left', 'left.mp3'), 'id3');
    const noAudio = await rejection(listAudioFolder(root));
    expect(noAudio.code).toBe('HS_DATASET_INVALID');
    expect(noAudio.message).toMatch(/class 'left' in .* has no audio files \(1 file\(s\) were skipped/);
  });
});
