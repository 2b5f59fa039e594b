import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { extractMfccStats, listAudioFolder, readWav } from '../../src/data/index.js';
import { OUTPUT_MARKER_FILE } from '../../src/core/index.js';
import type { ProgressEvent } from '../../src/core/index.js';
import { synthSpeech } from '../../src/synth/index.js';

const espeakFound = spawnSync('espeak-ng', ['--version']).status === 0;
const log = (line: string) => process.stdout.write(`${line}\n`);

let tmp: string;
beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'headstart-speech-'));
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

async function filesOf(dir: string): Promise<string[]> {
  const entries = await fs.readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => path.relative(dir, path.join(e.parentPath, e.name))).sort();
}

const title = espeakFound ? 'synthSpeech with espeak-ng' : 'synthSpeech (SKIPPED: espeak-ng is not installed; apt-get install espeak-ng)';

describe.skipIf(!espeakFound)(title, () => {
  it('writes decodable, non-silent 8 kHz clips per word, voice and take; the same seed gives the same bytes', async () => {
    const options = { words: ['seven', 'two'], labels: ['7', '2'], voices: ['en-us', 'en-gb-scotland'], perWord: 2, seed: 3 };
    const events: ProgressEvent[] = [];
    const started = performance.now();
    const a = await synthSpeech({ ...options, out: path.join(tmp, 'a'), onProgress: (e) => events.push(e) });
    log(`synth speech: ${((performance.now() - started) / a.clips.length).toFixed(0)} ms per clip (${a.clips.length} clips, ${a.espeakVersion})`);
    const b = await synthSpeech({ ...options, out: path.join(tmp, 'b') });
    const c = await synthSpeech({ ...options, out: path.join(tmp, 'c'), seed: 4 });

    expect(a.voicesUsed).toEqual(['en-us', 'en-gb-scotland']);
    expect(a.espeakVersion).toMatch(/^eSpeak NG text-to-speech: [\d.]+$/);
    const files = await filesOf(a.out);
    const wavs = ['2', '7'].flatMap((label) => ['en-gb-scotland', 'en-us'].flatMap((voice) => [0, 1].map((take) => path.join(label, `${label}_${voice}_${take}.wav`))));
    expect(files).toEqual([...wavs, 'SYNTH.json', OUTPUT_MARKER_FILE].sort());
    expect(a.clips.map((clip) => clip.file).sort()).toEqual(wavs);
    for (const clip of a.clips) {
      const audio = await readWav(path.join(a.out, clip.file));
      expect(audio).toMatchObject({ sampleRate: 8000, channels: 1, format: 'pcm16' });
      const x = audio.samples[0]!;
      expect(x.length / 8000).toBeCloseTo(clip.durationSeconds, 6);
      expect(clip.durationSeconds).toBeGreaterThan(0.15);
      expect(clip.durationSeconds).toBeLessThan(1.5);
      const rms = Math.sqrt(x.reduce((s, v) => s + v * v, 0) / x.length);
      expect(rms).toBeGreaterThan(0.02);
      expect([120, 140, 160, 180, 200]).toContain(clip.rate);
      expect([25, 35, 50, 65, 75]).toContain(clip.pitch);
    }
    // Same seed: identical bytes, SYNTH.json included. Another seed draws other rates and pitches.
    for (const file of files) expect(await fs.readFile(path.join(b.out, file))).toEqual(await fs.readFile(path.join(a.out, file)));
    expect(c.clips.map((clip) => [clip.rate, clip.pitch])).not.toEqual(a.clips.map((clip) => [clip.rate, clip.pitch]));

    const generated = events.filter((e) => e.stage === 'generate');
    expect(generated.at(-1)).toEqual({ stage: 'generate', done: 8, total: 8, what: 'speech clips' });

    // The folder reads back as a labelled dataset whose features are finite.
    const dataset = await listAudioFolder(a.out);
    expect(dataset.classes).toEqual(['2', '7']);
    const { features, skipped } = await extractMfccStats(dataset);
    expect(skipped).toEqual([]);
    expect(features.values.every(Number.isFinite)).toBe(true);
  });

  it('writes a flat folder that a file-name pattern reads back, and lists voices espeak-ng lacks', async () => {
    const result = await synthSpeech({ out: path.join(tmp, 'flat'), words: ['yes', 'no'], voices: ['de', 'en-us+f3', 'xx-nowhere', 'en-us+nosuchvariant'], perWord: 1, layout: 'flat' });
    expect(result.voicesUsed).toEqual(['de', 'en-us+f3']);
    expect(result.voicesMissing).toEqual(['xx-nowhere', 'en-us+nosuchvariant']);
    const dataset = await listAudioFolder(result.out, { labelFrom: { pattern: '{label}_{speaker}_{take}.wav' } });
    expect(dataset.items.map((i) => [i.label, i.groups['speaker']])).toEqual([
      ['no', 'de'], ['no', 'en-us+f3'], ['yes', 'de'], ['yes', 'en-us+f3'],
    ]);
    expect(dataset.skipped.map((s) => path.basename(s.file))).toEqual(['SYNTH.json']);
  });
});

describe('synthSpeech errors', () => {
  it('says how to install espeak-ng when it is missing', async () => {
    const err = await synthSpeech({ out: path.join(tmp, 'none'), espeak: path.join(tmp, 'no-espeak-here') }).then(
      () => expect.fail('expected a rejection'),
      (e: { code: string; message: string }) => e,
    );
    expect(err.code).toBe('HS_MISSING_TOOL');
    expect(err.message).toMatch(/Install Debian package espeak-ng/);
    await expect(fs.stat(path.join(tmp, 'none'))).rejects.toThrow();
  });

  it('rejects bad options before running anything', async () => {
    const out = path.join(tmp, 'bad');
    await expect(synthSpeech({ out, words: ['one_two'] })).rejects.toThrow(/Expected words to be a non-empty list/);
    await expect(synthSpeech({ out, words: ['a', 'b'], labels: ['x'] })).rejects.toThrow(/one label per word: 2 words, 1 labels/);
    await expect(synthSpeech({ out, pitches: [120] })).rejects.toThrow(/pitches from 0 to 99/);
    await expect(synthSpeech({ out, voices: ['en us'] })).rejects.toThrow(/espeak-ng voice names/);
    await expect(synthSpeech({ out, perWord: 0 })).rejects.toThrow(/perWord to be an integer of at least 1/);
    await expect(synthSpeech({ out, speed: 3 } as object as { out: string })).rejects.toThrow(/Unknown synthSpeech option: speed/);
  });
});
