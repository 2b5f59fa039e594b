import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';

/** A fresh folder under the OS temp dir; remove it with `fs.rm(dir, { recursive: true, force: true })`. */
export async function makeTempDir(prefix = 'headstart-data-'): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), prefix));
}

export type Rgb = { r: number; g: number; b: number };

/** A solid-colour image in the given format. */
export async function solidImage(
  format: 'jpeg' | 'png' | 'webp' | 'gif',
  colour: Rgb,
  size: { width: number; height: number } = { width: 40, height: 30 },
): Promise<Buffer> {
  const img = sharp({ create: { ...size, channels: 3, background: colour } });
  if (format === 'jpeg') return img.jpeg({ quality: 95 }).toBuffer();
  if (format === 'png') return img.png().toBuffer();
  if (format === 'webp') return img.webp({ lossless: true }).toBuffer();
  return img.gif().toBuffer();
}

/** A 256x256 RGB image of pseudo-random noise (plenty of entropy-coded data to damage), as a JPEG. */
export async function noiseJpeg(seed = 7): Promise<Buffer> {
  const size = 256;
  const raw = Buffer.alloc(size * size * 3);
  let s = seed >>> 0;
  for (let i = 0; i < raw.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    raw[i] = s >>> 24;
  }
  return sharp(raw, { raw: { width: size, height: size, channels: 3 } }).jpeg({ quality: 90 }).toBuffer();
}

/** Overwrites the middle 10% of a copy of `bytes` with pseudo-random garbage. */
export function corruptMiddle(bytes: Buffer, seed = 1): Buffer {
  const out = Buffer.from(bytes);
  let s = seed >>> 0;
  for (let i = Math.floor(out.length * 0.45); i < Math.floor(out.length * 0.55); i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    out[i] = s >>> 24;
  }
  return out;
}

/** Writes `bytes` to `file`, creating its folder. Returns `file`. */
export async function writeFixture(file: string, bytes: string | Uint8Array): Promise<string> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  await fs.writeFile(file, bytes);
  return file;
}
