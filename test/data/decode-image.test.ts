import { promises as fs } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HeadstartError } from '../../src/core/index.js';
import { decodeImage, decodeImageFile, sniffImageType } from '../../src/data/index.js';
import type { InputSpec } from '../../src/data/index.js';
import { corruptMiddle, makeTempDir, noiseJpeg, solidImage, writeFixture } from './fixtures.js';

const spec: InputSpec = {
  height: 16,
  width: 16,
  channelOrder: 'rgb',
  resize: 'center-crop',
  mean: [127.5, 127.5, 127.5],
  std: [127.5, 127.5, 127.5],
};

/** Every pixel of an HWC output, checked against one expected triple. */
function expectEveryPixel(out: Float32Array, expected: [number, number, number], atol: number): void {
  expect(out.length % 3).toBe(0);
  let worst = 0;
  for (let i = 0; i < out.length; i++) worst = Math.max(worst, Math.abs((out[i] as number) - expected[i % 3]!));
  expect(worst).toBeLessThanOrEqual(atol);
}

function pixel(out: Float32Array, width: number, x: number, y: number): number[] {
  const o = (y * width + x) * 3;
  return [out[o]!, out[o + 1]!, out[o + 2]!];
}

async function expectUnreadable(promise: Promise<unknown>, file: string): Promise<HeadstartError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(HeadstartError);
  const hs = err as HeadstartError;
  expect(hs.code).toBe('HS_IMAGE_UNREADABLE');
  expect(hs.message).toContain(file);
  return hs;
}

let dir: string;
beforeAll(async () => {
  dir = await makeTempDir();
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

describe('sniffImageType', () => {
  it('recognises the four containers by magic bytes', async () => {
    const red = { r: 255, g: 0, b: 0 };
    expect(sniffImageType(await solidImage('jpeg', red))).toBe('jpeg');
    expect(sniffImageType(await solidImage('png', red))).toBe('png');
    expect(sniffImageType(await solidImage('webp', red))).toBe('webp');
    expect(sniffImageType(await solidImage('gif', red))).toBe('gif');
  });

  it('returns undefined for anything else', () => {
    expect(sniffImageType(new Uint8Array())).toBeUndefined();
    expect(sniffImageType(Buffer.from('hello world'))).toBeUndefined();
    expect(sniffImageType(Buffer.from('RIFF\0\0\0\0WAVEfmt '))).toBeUndefined();
    expect(sniffImageType(new Uint8Array([0xff, 0xd8]))).toBeUndefined();
  });
});

describe('decodeImage', () => {
  it('decodes an RGB JPEG to HWC floats of the right length and range', async () => {
    const out = await decodeImage(await noiseJpeg(), 'noise.jpg', { ...spec, height: 24, width: 32 });
    expect(out).toBeInstanceOf(Float32Array);
    expect(out.length).toBe(24 * 32 * 3);
    for (const v of out) {
      expect(v).toBeGreaterThanOrEqual(-1);
      expect(v).toBeLessThanOrEqual(1);
    }
  });

  it('maps a solid red JPEG to [1, -1, -1], and to [-1, -1, 1] in bgr order', async () => {
    const bytes = await solidImage('jpeg', { r: 255, g: 0, b: 0 });
    expectEveryPixel(await decodeImage(bytes, 'red.jpg', spec), [1, -1, -1], 0.06);
    expectEveryPixel(await decodeImage(bytes, 'red.jpg', { ...spec, channelOrder: 'bgr' }), [-1, -1, 1], 0.06);
  });

  it('applies mean and std per output channel (in the model channel order)', async () => {
    const bytes = await solidImage('png', { r: 200, g: 100, b: 50 });
    const s: InputSpec = { ...spec, mean: [10, 20, 30], std: [2, 4, 5] };
    expectEveryPixel(await decodeImage(bytes, 'c.png', s), [(200 - 10) / 2, (100 - 20) / 4, (50 - 30) / 5], 1e-5);
    const bgr: InputSpec = { ...s, channelOrder: 'bgr' };
    expectEveryPixel(await decodeImage(bytes, 'c.png', bgr), [(50 - 10) / 2, (100 - 20) / 4, (200 - 30) / 5], 1e-5);
  });

  it('decodes a lossless WebP exactly', async () => {
    const bytes = await solidImage('webp', { r: 0, g: 0, b: 255 });
    expectEveryPixel(await decodeImage(bytes, 'blue.webp', spec), [-1, -1, 1], 1e-6);
  });

  it('turns a greyscale PNG into three equal channels', async () => {
    const grey = Buffer.alloc(20 * 10, 100);
    const bytes = await sharp(grey, { raw: { width: 20, height: 10, channels: 1 } })
      .toColourspace('b-w')
      .png()
      .toBuffer();
    expect((await sharp(bytes).metadata()).channels).toBe(1);
    const v = (100 - 127.5) / 127.5;
    expectEveryPixel(await decodeImage(bytes, 'grey.png', spec), [v, v, v], 1e-6);
  });

  it('flattens alpha onto white', async () => {
    const transparent = await sharp({ create: { width: 8, height: 8, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } } })
      .png()
      .toBuffer();
    expectEveryPixel(await decodeImage(transparent, 'clear.png', spec), [1, 1, 1], 1e-6);

    const halfRed = await sharp({ create: { width: 8, height: 8, channels: 4, background: { r: 255, g: 0, b: 0, alpha: 0.5 } } })
      .png()
      .toBuffer();
    // 50% red over white is (255, ~128, ~128).
    expectEveryPixel(await decodeImage(halfRed, 'half.png', spec), [1, 0, 0], 0.02);
  });

  it('uses the first frame of an animated GIF', async () => {
    const w = 8;
    const h = 8;
    const frames = Buffer.alloc(w * h * 2 * 3);
    for (let i = 0; i < w * h * 2; i++) {
      const first = i < w * h;
      frames[i * 3] = first ? 255 : 0;
      frames[i * 3 + 2] = first ? 0 : 255;
    }
    const gif = await sharp(frames, { raw: { width: w, height: h * 2, channels: 3, pageHeight: h } }).gif().toBuffer();
    expect((await sharp(gif).metadata()).pages).toBe(2);
    const out = await decodeImage(gif, 'anim.gif', spec);
    expect(out.length).toBe(16 * 16 * 3);
    expectEveryPixel(out, [1, -1, -1], 0.02);
  });

  it('decodes a plain GIF', async () => {
    const bytes = await solidImage('gif', { r: 0, g: 255, b: 0 });
    expectEveryPixel(await decodeImage(bytes, 'green.gif', spec), [-1, 1, -1], 0.02);
  });

  it("crops the centre with 'center-crop' and keeps the borders with 'stretch'", async () => {
    // 200x100: green from x = 40 to 159 (a margin around the centre 100x100 crop), blue on both sides.
    const w = 200;
    const h = 100;
    const raw = Buffer.alloc(w * h * 3);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const green = x >= 40 && x < 160;
        raw[(y * w + x) * 3 + 1] = green ? 255 : 0;
        raw[(y * w + x) * 3 + 2] = green ? 0 : 255;
      }
    }
    const bytes = await sharp(raw, { raw: { width: w, height: h, channels: 3 } }).png().toBuffer();
    const small: InputSpec = { ...spec, width: 10, height: 10 };
    const cropped = await decodeImage(bytes, 'bands.png', small);
    expectEveryPixel(cropped, [-1, 1, -1], 0.05);
    const stretched = await decodeImage(bytes, 'bands.png', { ...small, resize: 'stretch' });
    expect(pixel(stretched, 10, 0, 5)[2]).toBeCloseTo(1, 1);
    expect(pixel(stretched, 10, 5, 5)[1]).toBeCloseTo(1, 1);
  });

  it('applies the EXIF orientation', async () => {
    // Stored 40x20 with the left half red and the right half blue; orientation 6 rotates it 90 degrees clockwise
    // for display, so the red half ends up on top.
    const w = 40;
    const h = 20;
    const raw = Buffer.alloc(w * h * 3);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) raw[(y * w + x) * 3 + (x < w / 2 ? 0 : 2)] = 255;
    const bytes = await sharp(raw, { raw: { width: w, height: h, channels: 3 } })
      .jpeg({ quality: 95 })
      .withMetadata({ orientation: 6 })
      .toBuffer();
    expect((await sharp(bytes).metadata()).orientation).toBe(6);
    const out = await decodeImage(bytes, 'rotated.jpg', { ...spec, width: 8, height: 8, resize: 'stretch' });
    expect(pixel(out, 8, 4, 0)[0]).toBeGreaterThan(0.8);
    expect(pixel(out, 8, 4, 7)[2]).toBeGreaterThan(0.8);
  });

  it('rejects a text file named .jpg, quoting its first bytes', async () => {
    const err = await expectUnreadable(decodeImage(Buffer.from('hello world, not an image'), '/data/cats/x.jpg', spec), '/data/cats/x.jpg');
    expect(err.message).toBe(
      'Cannot decode /data/cats/x.jpg: file starts with "hello wo", not a JPEG, PNG, WebP or GIF image. Remove it, or pass --on-bad-file skip.',
    );
  });

  it('shows unknown binary starts as hex, and names an empty file', async () => {
    const err = await expectUnreadable(decodeImage(new Uint8Array([0, 1, 2, 0xab]), 'bin.png', spec), 'bin.png');
    expect(err.message).toContain('file starts with "00 01 02 AB"');
    const empty = await expectUnreadable(decodeImage(new Uint8Array(), 'empty.png', spec), 'empty.png');
    expect(empty.message).toContain('file is empty');
  });

  it('rejects a JPEG truncated to half its length', async () => {
    const bytes = await noiseJpeg();
    const err = await expectUnreadable(decodeImage(bytes.subarray(0, bytes.length >> 1), 'half.jpg', spec), 'half.jpg');
    expect(err.cause).toBeInstanceOf(Error);
  });

  it('rejects a JPEG with garbage in the middle', async () => {
    const bytes = await noiseJpeg();
    for (const seed of [1, 2, 3]) {
      await expectUnreadable(decodeImage(corruptMiddle(bytes, seed), 'garbled.jpg', spec), 'garbled.jpg');
    }
  });

  it('rejects a malformed spec', async () => {
    const bytes = await solidImage('png', { r: 1, g: 2, b: 3 });
    const bad = [{ ...spec, width: 0 }, { ...spec, std: [1, 0, 1] }, { ...spec, resize: 'crop' }, { ...spec, channelOrder: 'rgba' }];
    for (const s of bad) {
      await expect(decodeImage(bytes, 'x.png', s as InputSpec)).rejects.toMatchObject({ code: 'HS_INVALID_OPTION' });
    }
  });
});

describe('decodeImageFile', () => {
  it('reads and decodes a file', async () => {
    const file = await writeFixture(path.join(dir, 'red.png'), await solidImage('png', { r: 255, g: 0, b: 0 }));
    expectEveryPixel(await decodeImageFile(file, spec), [1, -1, -1], 1e-6);
  });

  it('names the file when its content is bad', async () => {
    const file = await writeFixture(path.join(dir, 'notes.jpg'), 'just some text');
    await expectUnreadable(decodeImageFile(file, spec), file);
    const bytes = await noiseJpeg();
    const truncated = await writeFixture(path.join(dir, 'truncated.jpg'), bytes.subarray(0, bytes.length >> 1));
    await expectUnreadable(decodeImageFile(truncated, spec), truncated);
    const garbled = await writeFixture(path.join(dir, 'garbled.jpg'), corruptMiddle(bytes));
    await expectUnreadable(decodeImageFile(garbled, spec), garbled);
  });

  it('throws HS_FILE_NOT_FOUND for a missing file', async () => {
    const file = path.join(dir, 'nope.jpg');
    await expect(decodeImageFile(file, spec)).rejects.toMatchObject({ code: 'HS_FILE_NOT_FOUND', message: expect.stringContaining(file) });
  });
});
