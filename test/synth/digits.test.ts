import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readMnistDigits, writeMnistImages } from '../../src/data/mnist.js';
import { synthDigits } from '../../src/synth/digits.js';

let tmp: string;
beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'headstart-digits-'));
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

async function grey(file: string): Promise<{ pixels: Buffer; width: number; height: number }> {
  const { data, info } = await sharp(file).extractChannel(0).raw().toBuffer({ resolveWithObject: true });
  return { pixels: data, width: info.width, height: info.height };
}

function centreOfMass(pixels: Uint8Array, size: number): [number, number] {
  let [mass, mx, my] = [0, 0, 0];
  pixels.forEach((v, i) => {
    mass += v;
    mx += v * (i % size);
    my += v * Math.floor(i / size);
  });
  return [mx / mass, my / mass];
}

describe('synthDigits', () => {
  it('writes 28x28 digits, white on black, centred by mass, the same bytes for the same seed', async () => {
    const a = await synthDigits({ out: path.join(tmp, 'a'), perClass: 3, seed: 7 });
    const b = await synthDigits({ out: path.join(tmp, 'b'), perClass: 3, seed: 7, fonts: a.fontsUsed });
    const c = await synthDigits({ out: path.join(tmp, 'c'), perClass: 3, seed: 8, fonts: a.fontsUsed });
    expect(a.fontsUsed.length).toBeGreaterThanOrEqual(3);
    const classes = (await fs.readdir(a.out, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name).sort();
    expect(classes).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    let differ = 0;
    for (const digit of classes) {
      for (const file of await fs.readdir(path.join(a.out, digit))) {
        const [fa, fb, fc] = [a, b, c].map((r) => path.join(r.out, digit, file)) as [string, string, string];
        expect(Buffer.compare(await fs.readFile(fa), await fs.readFile(fb))).toBe(0);
        if (Buffer.compare(await fs.readFile(fa), await fs.readFile(fc)) !== 0) differ++;
        const { pixels, width, height } = await grey(fa);
        expect([width, height]).toEqual([28, 28]);
        // Background dark (corners), ink bright, centre of mass within the offset range (2 px) plus rounding.
        expect(pixels[0]).toBeLessThan(90);
        expect(Math.max(...pixels)).toBeGreaterThan(150);
        const [x, y] = centreOfMass(pixels, 28);
        expect(Math.abs(x - 13.5)).toBeLessThan(3.2);
        expect(Math.abs(y - 13.5)).toBeLessThan(3.2);
      }
    }
    expect(differ).toBe(30);
    const record = JSON.parse(await fs.readFile(path.join(a.out, 'SYNTH.json'), 'utf8')) as { seed: number; fonts: string[] };
    expect(record.seed).toBe(7);
  });

  it('refuses fonts that are not installed, naming them and the fix', async () => {
    await expect(synthDigits({ out: path.join(tmp, 'none'), fonts: ['No Such Font 123'] })).rejects.toThrow(/No Such Font 123.*fonts-dejavu-core/);
    await expect(fs.stat(path.join(tmp, 'none'))).rejects.toThrow();
  });
});

describe('MNIST digits from the mnist package', () => {
  it('holds 10,000 digits with fewer than 1,000 for some classes', () => {
    const { images, labels } = readMnistDigits();
    expect(images).toHaveLength(10_000);
    const counts = Array.from({ length: 10 }, (_, d) => labels.filter((l) => l === d).length);
    expect(Math.min(...counts)).toBeLessThan(1000);
    expect(counts.reduce((a, b) => a + b)).toBe(10_000);
  });

  it('writes an image folder whose PNGs hold the package pixels exactly', async () => {
    const { images } = readMnistDigits();
    const result = await writeMnistImages({ out: path.join(tmp, 'mnist'), perClass: 4, seed: 3 });
    expect(result.counts).toEqual(Array(10).fill(4));
    for (const digit of ['0', '7']) {
      for (const file of await fs.readdir(path.join(result.out, digit))) {
        const index = Number(/mnist-(\d+)\.png/.exec(file)?.[1]);
        const { pixels } = await grey(path.join(result.out, digit, file));
        expect(Buffer.compare(pixels, Buffer.from(images[index] as Uint8Array))).toBe(0);
      }
    }
  });
});
