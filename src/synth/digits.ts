import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { HeadstartError, createRng, invalidOption, prepareOutput, rejectUnknownKeys, throwIfAborted, writeDirAtomic } from '../core/index.js';
import type { ProgressCallback } from '../core/index.js';

/** Font families tried by default: print, rounded, condensed, serif and handwriting-like faces from Debian's free fonts. */
export const DIGIT_FONTS = [
  'DejaVu Sans', 'DejaVu Serif', 'DejaVu Sans Mono', 'Liberation Sans', 'Liberation Serif', 'Liberation Sans Narrow',
  'Nimbus Sans', 'Nimbus Roman', 'URW Gothic', 'URW Bookman', 'C059', 'P052', 'Z003', 'Comic Neue', 'Humor Sans',
  'Dancing Script',
] as const;

export interface SynthDigitsOptions {
  /** Folder to write: one sub-folder per digit (0-9) of PNG images, replaced atomically when it is a dataset headstart wrote (see `force`). */
  out: string;
  /** Replace `out` even when it is not a dataset headstart wrote (its contents are deleted). @default false */
  force?: boolean;
  /** Images per digit. @default 500 */
  perClass?: number;
  /** Side of the square images; the digit fits a box of 20/28 of it, as in MNIST. @default 28 */
  size?: number;
  /** Font families to render with; those not installed are left out and listed in the result. @default DIGIT_FONTS */
  fonts?: readonly string[];
  /** Seeds every random choice: the same seed writes the same images. @default 42 */
  seed?: number;
  signal?: AbortSignal;
  onProgress?: ProgressCallback;
}

export interface SynthDigitsResult {
  out: string;
  /** Images written per digit. */
  perClass: number;
  fontsUsed: string[];
  fontsMissing: string[];
  durationMs: number;
}

/** Ranges the random variations are drawn from, uniformly; recorded in the folder's SYNTH.json. */
const VARIATION = {
  rotationDegrees: [-15, 15],
  skewDegrees: [-12, 12],
  strokeWidth: [0, 5],
  /** Multiplies the digit's box before it is fitted into the MNIST 20/28 box. */
  scale: [0.75, 1.05],
  /** Pixels (at 28 px) the centre of mass moves from the image centre. */
  offset: [-2, 2],
  blurSigma: [0, 1.2],
  /** Standard deviation of added Gaussian pixel noise, out of 255. */
  noise: [0, 20],
} as const;

const RENDER = 112;
const options = ['out', 'force', 'perClass', 'size', 'fonts', 'seed', 'signal', 'onProgress'];

async function installedFamilies(): Promise<Set<string>> {
  try {
    const { stdout } = await promisify(execFile)('fc-list', [':', 'family']);
    return new Set(stdout.split('\n').flatMap((line) => line.split(',')).map((f) => f.trim()).filter(Boolean));
  } catch (err) {
    throw new HeadstartError('HS_MISSING_TOOL', 'Cannot list fonts: fc-list (fontconfig) is not installed. Install Debian package fontconfig and fonts-dejavu-core.', { cause: err });
  }
}

/**
 * Checks what `synthDigits` needs: fontconfig and at least one of the fonts. Call it before long work that ends
 * in synthetic digits, so missing fonts fail at once with the packages to install.
 * @throws HeadstartError `HS_MISSING_TOOL`
 */
export async function checkDigitPrerequisites(fonts: readonly string[] = DIGIT_FONTS): Promise<{ fontsUsed: string[]; fontsMissing: string[] }> {
  const installed = await installedFamilies();
  const fontsUsed = fonts.filter((f) => installed.has(f));
  if (fontsUsed.length === 0) {
    throw new HeadstartError('HS_MISSING_TOOL', `None of the fonts ${fonts.join(', ')} is installed. Install Debian packages fonts-dejavu-core and fonts-urw-base35, or pass fonts that fc-list shows.`);
  }
  return { fontsUsed, fontsMissing: fonts.filter((f) => !installed.has(f)) };
}

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Renders one digit white on black at RENDER px, returning grey levels. */
async function renderGlyph(digit: number, font: string, rng: () => number): Promise<Uint8Array> {
  const pick = ([lo, hi]: readonly [number, number]) => lo + (hi - lo) * rng();
  const rotation = pick(VARIATION.rotationDegrees);
  const skew = pick(VARIATION.skewDegrees);
  const stroke = pick(VARIATION.strokeWidth);
  const bold = rng() < 0.3;
  const c = RENDER / 2;
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" width="${RENDER}" height="${RENDER}">` +
    `<rect width="${RENDER}" height="${RENDER}" fill="black"/>` +
    `<g transform="rotate(${rotation.toFixed(2)} ${c} ${c}) translate(${c} ${c}) skewX(${skew.toFixed(2)}) translate(${-c} ${-c})">` +
    `<text x="${c}" y="${RENDER * 0.78}" font-family="${escapeXml(font)}" font-size="${RENDER * 0.7}" font-weight="${bold ? 'bold' : 'normal'}" ` +
    `fill="white" stroke="white" stroke-width="${stroke.toFixed(2)}" stroke-linejoin="round" text-anchor="middle">${digit}</text></g></svg>`;
  // White on black: one colour channel holds the grey levels.
  const data = await sharp(Buffer.from(svg)).flatten({ background: '#000000' }).extractChannel(0).raw().toBuffer();
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/**
 * MNIST's normalisation: the glyph's bounding box scaled to fit a 20/28 box keeping its aspect ratio, then placed
 * so that its centre of mass sits at the image centre (here moved by a random offset), blurred and noised.
 */
async function toDigitImage(glyph: Uint8Array, size: number, rng: () => number, file: string): Promise<Uint8Array> {
  const pick = ([lo, hi]: readonly [number, number]) => lo + (hi - lo) * rng();
  let [x0, y0, x1, y1] = [RENDER, RENDER, -1, -1];
  for (let y = 0; y < RENDER; y++) {
    for (let x = 0; x < RENDER; x++) {
      if ((glyph[y * RENDER + x] as number) > 32) [x0, y0, x1, y1] = [Math.min(x0, x), Math.min(y0, y), Math.max(x1, x), Math.max(y1, y)];
    }
  }
  if (x1 < 0) throw new HeadstartError('HS_GENERATE_FAILED', `Rendering ${file} produced an empty image: the font draws no digit.`);
  const box = Math.max(1, Math.round((size * 20) / 28 * pick(VARIATION.scale)));
  const [w, h] = [x1 - x0 + 1, y1 - y0 + 1];
  const fit = box / Math.max(w, h);
  const [fw, fh] = [Math.max(1, Math.round(w * fit)), Math.max(1, Math.round(h * fit))];
  const small = await sharp(Buffer.from(glyph), { raw: { width: RENDER, height: RENDER, channels: 1 } })
    .extract({ left: x0, top: y0, width: w, height: h })
    .resize({ width: fw, height: fh, fit: 'fill', kernel: 'lanczos3' })
    .toColourspace('b-w')
    .raw()
    .toBuffer();
  let mass = 0;
  let mx = 0;
  let my = 0;
  for (let y = 0; y < fh; y++) {
    for (let x = 0; x < fw; x++) {
      const v = small[y * fw + x] as number;
      mass += v;
      mx += v * x;
      my += v * y;
    }
  }
  const half = (size - 1) / 2;
  const left = Math.round(half + pick(VARIATION.offset) - mx / mass);
  const top = Math.round(half + pick(VARIATION.offset) - my / mass);
  const canvas = new Uint8Array(size * size);
  for (let y = 0; y < fh; y++) {
    for (let x = 0; x < fw; x++) {
      const [cx, cy] = [left + x, top + y];
      if (cx >= 0 && cy >= 0 && cx < size && cy < size) canvas[cy * size + cx] = small[y * fw + x] as number;
    }
  }
  const sigma = pick(VARIATION.blurSigma);
  const blurred = sigma >= 0.3
    ? new Uint8Array(await sharp(Buffer.from(canvas), { raw: { width: size, height: size, channels: 1 } }).blur(sigma).toColourspace('b-w').raw().toBuffer())
    : canvas;
  const noise = pick(VARIATION.noise);
  for (let i = 0; i < blurred.length; i++) {
    // Box-Muller from the seeded generator, so the noise is reproducible too.
    const g = Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());
    blurred[i] = Math.max(0, Math.min(255, Math.round((blurred[i] as number) + g * noise)));
  }
  return blurred;
}

/**
 * Writes a synthetic digit dataset: digits 0-9 rendered from installed fonts with random rotation, slant, stroke
 * width, scale, offset, blur and noise, normalised the way MNIST was (white on black, 20/28 box, centred by mass).
 * A simulated source domain for the real handwritten digits of MNIST.
 */
export async function synthDigits(opts: SynthDigitsOptions): Promise<SynthDigitsResult> {
  rejectUnknownKeys('synthDigits', opts, options);
  const { out, perClass = 500, size = 28, seed = 42, signal, onProgress } = opts;
  if (!out) throw invalidOption('synthDigits needs out: the folder to write the digits to.');
  if (!Number.isInteger(perClass) || perClass < 1) throw invalidOption(`Expected perClass to be a positive integer. Received: ${String(perClass)}.`);
  if (!Number.isInteger(size) || size < 8) throw invalidOption(`Expected size to be an integer of at least 8. Received: ${String(size)}.`);
  await prepareOutput(out, { kind: 'dataset', force: opts.force ?? false });
  const started = performance.now();
  const { fontsUsed, fontsMissing } = await checkDigitPrerequisites(opts.fonts);
  const total = perClass * 10;
  await writeDirAtomic(out, async (dir) => {
    const rng = createRng(seed);
    let done = 0;
    for (let digit = 0; digit < 10; digit++) {
      await fs.mkdir(path.join(dir, String(digit)));
      for (let i = 0; i < perClass; i++) {
        throwIfAborted(signal);
        const font = fontsUsed[Math.floor(rng() * fontsUsed.length)] as string;
        const file = path.join(String(digit), `${String(i).padStart(5, '0')}.png`);
        const pixels = await toDigitImage(await renderGlyph(digit, font, rng), size, rng, file);
        const png = await sharp(Buffer.from(pixels), { raw: { width: size, height: size, channels: 1 } }).toColourspace('b-w').png().toBuffer();
        await fs.writeFile(path.join(dir, file), png);
        done++;
        if (done % 50 === 0 || done === total) onProgress?.({ stage: 'generate', done, total, what: 'digits' });
      }
    }
    const record = { generator: 'headstart synth digits', seed, perClass, size, fonts: fontsUsed, variation: VARIATION };
    await fs.writeFile(path.join(dir, 'SYNTH.json'), `${JSON.stringify(record, null, 2)}\n`);
  }, { marker: 'dataset' });
  return { out: path.resolve(out), perClass, fontsUsed, fontsMissing, durationMs: performance.now() - started };
}
