import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRng } from '../../src/core/index.js';
import { decodeWav, encodeWav, extractMfccStats, listAudioFolder, readWav, WAV_SAMPLE_FORMATS } from '../../src/data/index.js';
import type { WavSampleFormat } from '../../src/data/index.js';
import type { ProgressEvent } from '../../src/core/index.js';
import { FSDD_RECORDINGS } from '../paths.js';
import { makeTempDir, writeFixture } from './fixtures.js';

const BITS: Record<WavSampleFormat, number> = { pcm8: 8, pcm16: 16, pcm24: 24, pcm32: 32, float32: 32, float64: 64 };

/** Random samples every format stores exactly: multiples of 2^-(bits-1) for PCM (at most 24 significant bits), float32 values for float. */
function exactSamples(format: WavSampleFormat, n: number, seed: number): Float32Array {
  const rng = createRng(seed);
  const out = new Float32Array(n);
  const step = format.startsWith('pcm') ? 2 ** -(Math.min(BITS[format], 24) - 1) : 0;
  for (let i = 0; i < n; i++) {
    const x = rng() * 2 - 1;
    out[i] = step > 0 ? Math.max(-1, Math.min(1 - step, Math.round(x / step) * step)) + 0 : Math.fround(x * 1.5); // + 0: no -0
  }
  return out;
}

interface HandWav {
  formatCode: number;
  channels: number;
  sampleRate: number;
  bits: number;
  /** Chunks placed between 'fmt ' and 'data', as [id, body]. */
  before?: [string, Uint8Array][];
  data: Uint8Array;
  /** Overrides the data chunk's declared size. */
  declaredDataSize?: number;
  /** WAVE_FORMAT_EXTENSIBLE with this sub-format code. */
  extensibleSubFormat?: number;
}

/** Builds a WAV byte by byte, independently of encodeWav. */
function handBuiltWav(w: HandWav): Uint8Array {
  const chunks: [string, Uint8Array][] = [];
  const fmt = new Uint8Array(w.extensibleSubFormat !== undefined ? 40 : 16);
  const f = new DataView(fmt.buffer);
  f.setUint16(0, w.extensibleSubFormat !== undefined ? 0xfffe : w.formatCode, true);
  f.setUint16(2, w.channels, true);
  f.setUint32(4, w.sampleRate, true);
  f.setUint32(8, (w.sampleRate * w.channels * w.bits) / 8, true);
  f.setUint16(12, (w.channels * w.bits) / 8, true);
  f.setUint16(14, w.bits, true);
  if (w.extensibleSubFormat !== undefined) {
    f.setUint16(16, 22, true);
    f.setUint16(18, w.bits, true);
    f.setUint16(24, w.extensibleSubFormat, true);
  }
  chunks.push(['fmt ', fmt], ...(w.before ?? []), ['data', w.data]);
  const size = 12 + chunks.reduce((s, [, body]) => s + 8 + body.length + (body.length % 2), 0);
  const bytes = new Uint8Array(size);
  const v = new DataView(bytes.buffer);
  const id = (at: number, s: string) => [...s].forEach((c, i) => (bytes[at + i] = c.charCodeAt(0)));
  id(0, 'RIFF');
  v.setUint32(4, size - 8, true);
  id(8, 'WAVE');
  let at = 12;
  for (const [name, body] of chunks) {
    id(at, name);
    v.setUint32(at + 4, name === 'data' && w.declaredDataSize !== undefined ? w.declaredDataSize : body.length, true);
    bytes.set(body, at + 8);
    at += 8 + body.length + (body.length % 2);
  }
  return bytes;
}

function int16Le(values: number[]): Uint8Array {
  const out = new Uint8Array(values.length * 2);
  const v = new DataView(out.buffer);
  values.forEach((x, i) => v.setInt16(i * 2, x, true));
  return out;
}

async function rejection(p: Promise<unknown>): Promise<{ code?: string; message: string }> {
  return p.then(
    () => expect.fail('expected a rejection'),
    (err: { code?: string; message: string }) => err,
  );
}

function thrown(fn: () => unknown): { code?: string; message: string } {
  try {
    fn();
  } catch (err) {
    return err as { code?: string; message: string };
  }
  return expect.fail('expected a throw');
}

describe('encodeWav / readWav round trip', () => {
  for (const format of WAV_SAMPLE_FORMATS) {
    for (const [channels, rate] of [[1, 8000], [2, 22050], [1, 44100], [2, 96000]] as const) {
      it(`${format}, ${channels} channel(s), ${rate} Hz`, async () => {
        const samples = Array.from({ length: channels }, (_, c) => exactSamples(format, 501, 7 + c));
        const bytes = encodeWav({ sampleRate: rate, samples }, { format });
        // Header fields, read directly: format code, channels, rate, bits.
        const view = new DataView(bytes.buffer);
        expect(view.getUint16(20, true)).toBe(format.startsWith('float') ? 3 : 1);
        expect(view.getUint16(22, true)).toBe(channels);
        expect(view.getUint32(24, true)).toBe(rate);
        expect(view.getUint16(34, true)).toBe(BITS[format]);
        expect(view.getUint32(4, true)).toBe(bytes.length - 8);

        const decoded = await readWav(bytes);
        expect(decoded).toMatchObject({ sampleRate: rate, channels, format });
        expect(decoded.samples).toHaveLength(channels);
        decoded.samples.forEach((ch, c) => expect(Array.from(ch)).toEqual(Array.from(samples[c]!)));
        expect(encodeWav(decoded, { format })).toEqual(bytes);

        const mono = decodeWav(bytes, { mono: true });
        expect(mono.samples).toHaveLength(1);
        const expectedMix = samples[0]!.map((x, i) => samples.reduce((s, ch) => s + ch[i]!, 0) / channels);
        mono.samples[0]!.forEach((x, i) => expect(x).toBeCloseTo(expectedMix[i]!, 6));
      });
    }
  }

  it('rounds and saturates out-of-range values for PCM', () => {
    const bytes = encodeWav({ sampleRate: 8000, samples: [Float32Array.from([1.5, -2, 0.5, 1 / 65536])] }, { format: 'pcm16' });
    const view = new DataView(bytes.buffer, 44);
    expect([0, 1, 2, 3].map((i) => view.getInt16(i * 2, true))).toEqual([32767, -32768, 16384, 1]);
    expect(bytes[0 + 44 + 8]).toBeUndefined(); // 4 samples, nothing after
  });

  it('writes FSDD files back byte for byte (files written by other software)', async () => {
    for (const name of ['0_george_0.wav', '7_jackson_32.wav', '9_yweweler_49.wav']) {
      const original = new Uint8Array(await fs.readFile(path.join(FSDD_RECORDINGS, name)));
      const audio = await readWav(path.join(FSDD_RECORDINGS, name));
      expect(audio).toMatchObject({ sampleRate: 8000, channels: 1, format: 'pcm16' });
      expect(audio.samples[0]!.length).toBe((original.length - 44) / 2);
      expect(encodeWav(audio)).toEqual(original);
    }
  });
});

describe('decodeWav on hand-built headers', () => {
  it('skips LIST and odd-sized chunks before data, and decodes 16-bit stereo by hand', () => {
    const list = new TextEncoder().encode('INFOISFT\x07\x00\x00\x00abcdefg'); // odd size: padded to even
    const bytes = handBuiltWav({
      formatCode: 1, channels: 2, sampleRate: 11025, bits: 16, before: [['LIST', list], ['junk', new Uint8Array(3)]],
      data: int16Le([16384, -16384, 32767, -32768, 0, 1]),
    });
    const audio = decodeWav(bytes);
    expect(audio).toMatchObject({ sampleRate: 11025, channels: 2, format: 'pcm16' });
    expect(Array.from(audio.samples[0]!)).toEqual([0.5, 32767 / 32768, 0]);
    expect(Array.from(audio.samples[1]!)).toEqual([-0.5, -1, 1 / 32768]);
  });

  it('reads 8-bit unsigned, 24-bit and WAVE_FORMAT_EXTENSIBLE float', () => {
    const u8 = decodeWav(handBuiltWav({ formatCode: 1, channels: 1, sampleRate: 8000, bits: 8, data: Uint8Array.from([0, 128, 255, 64]) }));
    expect(Array.from(u8.samples[0]!)).toEqual([-1, 0, 127 / 128, -0.5]);
    // 24-bit little-endian: 0x400000 = 0.5, 0xC00000 = -0.5, 0x000001 = 2^-23
    const s24 = decodeWav(handBuiltWav({ formatCode: 1, channels: 1, sampleRate: 8000, bits: 24, data: Uint8Array.from([0, 0, 0x40, 0, 0, 0xc0, 1, 0, 0]) }));
    expect(Array.from(s24.samples[0]!)).toEqual([0.5, -0.5, 2 ** -23]);
    const f = new Float32Array([0.25, -0.75]);
    const ext = decodeWav(handBuiltWav({ formatCode: 0, channels: 1, sampleRate: 48000, bits: 32, extensibleSubFormat: 3, data: new Uint8Array(f.buffer) }));
    expect(ext).toMatchObject({ format: 'float32', sampleRate: 48000 });
    expect(Array.from(ext.samples[0]!)).toEqual([0.25, -0.75]);
  });

  it('accepts the streaming placeholder size 0xFFFFFFFF as "to the end of the file"', () => {
    const bytes = handBuiltWav({ formatCode: 1, channels: 1, sampleRate: 8000, bits: 16, data: int16Le([1, 2, 3]), declaredDataSize: 0xffffffff });
    expect(decodeWav(bytes).samples[0]!.length).toBe(3);
  });
});

describe('unreadable WAVs', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await makeTempDir('headstart-wav-');
  });
  afterAll(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('reports a truncated file, naming it', async () => {
    const good = encodeWav({ sampleRate: 8000, samples: [exactSamples('pcm16', 4000, 3)] });
    const file = await writeFixture(path.join(dir, 'cut.wav'), good.subarray(0, 3000));
    const err = await rejection(readWav(file));
    expect(err.code).toBe('HS_AUDIO_UNREADABLE');
    expect(err.message).toContain(file);
    expect(err.message).toMatch(/truncated: the header declares 8000 bytes of audio, but only 2956 follow/);
    // Cut inside the header: no data chunk at all.
    const head = await writeFixture(path.join(dir, 'head.wav'), good.subarray(0, 30));
    expect((await rejection(readWav(head))).message).toMatch(/truncated/);
  });

  it('reports a file that is not a WAV, and an empty one', async () => {
    const text = await writeFixture(path.join(dir, 'notes.wav'), 'these are notes, not audio');
    const err = await rejection(readWav(text));
    expect(err.code).toBe('HS_AUDIO_UNREADABLE');
    expect(err.message).toContain(text);
    expect(err.message).toContain('file starts with "these ar"');
    expect(err.message).toMatch(/not a RIFF\/WAVE header/);
    const empty = await writeFixture(path.join(dir, 'empty.wav'), new Uint8Array(0));
    expect((await rejection(readWav(empty))).message).toMatch(/empty\.wav: the file is empty/);
    expect((await rejection(readWav(path.join(dir, 'absent.wav')))).code).toBe('HS_FILE_NOT_FOUND');
  });

  it('reports an unsupported format code or sample width', () => {
    const alaw = thrown(() => decodeWav(handBuiltWav({ formatCode: 6, channels: 1, sampleRate: 8000, bits: 8, data: new Uint8Array(4) }), { name: 'phone.wav' }));
    expect(alaw.code).toBe('HS_AUDIO_UNREADABLE');
    expect(alaw.message).toMatch(/^Cannot decode phone\.wav: format code 6 \(A-law\) is not supported/);
    const pcm12 = thrown(() => decodeWav(handBuiltWav({ formatCode: 1, channels: 1, sampleRate: 8000, bits: 12, data: new Uint8Array(4) })));
    expect(pcm12.message).toMatch(/12-bit PCM samples are not supported/);
    const noFmt = new Uint8Array(handBuiltWav({ formatCode: 1, channels: 1, sampleRate: 8000, bits: 16, data: int16Le([1]) }));
    noFmt.set(new TextEncoder().encode('data'), 12); // the fmt chunk now claims to be data, before any fmt
    expect(thrown(() => decodeWav(noFmt)).message).toMatch(/'data' chunk comes before the 'fmt ' chunk/);
  });

  it('skips a corrupt WAV in a folder with policy skip, and refuses with policy error', async () => {
    const root = path.join(dir, 'words');
    const tone = (f: number) => Float32Array.from({ length: 4000 }, (_, i) => 0.5 * Math.sin((2 * Math.PI * f * i) / 8000));
    for (const [label, f] of [['high', 1500], ['low', 300]] as const) {
      for (const i of [0, 1]) await writeFixture(path.join(root, label, `${i}.wav`), encodeWav({ sampleRate: 8000, samples: [tone(f + i * 50)] }));
    }
    const broken = await writeFixture(path.join(root, 'low', '2.wav'), encodeWav({ sampleRate: 8000, samples: [tone(200)] }).subarray(0, 500));
    await writeFixture(path.join(root, 'low', 'readme.txt'), 'not audio');

    const dataset = await listAudioFolder(root);
    expect(dataset.classes).toEqual(['high', 'low']);
    expect(dataset.items.map((i) => path.basename(i.path))).toEqual(['0.wav', '1.wav', '0.wav', '1.wav', '2.wav']);
    expect(dataset.skipped).toEqual([{ file: path.join(root, 'low', 'readme.txt'), reason: "unsupported extension '.txt'; expected one of .wav" }]);
    const strictList = await rejection(listAudioFolder(root, { onBadFile: 'error' }));
    expect(strictList.code).toBe('HS_AUDIO_UNREADABLE');
    expect(strictList.message).toContain('readme.txt');

    const events: ProgressEvent[] = [];
    const result = await extractMfccStats(dataset, { onProgress: (e) => events.push(e) });
    expect(result.features.files).toHaveLength(4);
    expect(result.features.files).not.toContain(broken);
    expect(result.skipped).toHaveLength(1);
    expect(result.skipped[0]!.file).toBe(broken);
    expect(result.skipped[0]!.reason).toMatch(/truncated/);
    expect(events.filter((e) => e.stage === 'skip')).toEqual([{ stage: 'skip', file: broken, reason: result.skipped[0]!.reason }]);
    const extracts = events.filter((e) => e.stage === 'extract');
    expect(extracts.at(-1)).toEqual({ stage: 'extract', done: 5, total: 5, cached: 0 });

    const strict = await rejection(extractMfccStats(dataset, { onBadFile: 'error' }));
    expect(strict.code).toBe('HS_AUDIO_UNREADABLE');
    expect(strict.message).toContain(broken);
  });
});
