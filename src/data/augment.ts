import { createRng, invalidOption, rejectUnknownKeys } from '../core/index.js';
import { decodeImage } from './decode-image.js';
import type { InputSpec } from './types.js';

/** Random image augmentation for training, torchvision-style, on decoded pixels. Every draw comes from one seeded generator. */
export interface AugmentOptions {
  /** Random resized crop: the crop's share of the image area is drawn from this range. [1, 1] disables it. @default [0.5, 1] */
  scale?: [number, number];
  /** Random resized crop: range of the crop's width / height. @default [0.75, 1.3333] */
  ratio?: [number, number];
  /** Probability of a horizontal flip. @default 0.5 */
  flip?: number;
  /** Colour jitter: brightness, contrast and saturation each scale by a factor drawn from [1 - j, 1 + j]. 0 disables it. @default 0.2 */
  colorJitter?: number;
}

export const AUGMENT_DEFAULTS: Required<AugmentOptions> = { scale: [0.5, 1], ratio: [0.75, 4 / 3], flip: 0.5, colorJitter: 0.2 };

/** Fills in and checks augmentation options once, at the public boundary. */
export function resolveAugmentOptions(options: AugmentOptions = {}): Required<AugmentOptions> {
  rejectUnknownKeys('augment', options, Object.keys(AUGMENT_DEFAULTS));
  const o = { ...AUGMENT_DEFAULTS, ...options };
  const range = (name: string, r: unknown, min: number, max: number) => {
    if (!Array.isArray(r) || r.length !== 2 || !(r[0] > min && r[0] <= r[1] && r[1] <= max)) {
      throw invalidOption(`Expected augment.${name} to be [low, high] with ${min} < low <= high <= ${max}. Received: ${JSON.stringify(r)}.`);
    }
  };
  range('scale', o.scale, 0, 1);
  range('ratio', o.ratio, 0, Infinity);
  if (!(o.flip >= 0 && o.flip <= 1)) throw invalidOption(`Expected augment.flip to be a probability from 0 to 1. Received: ${String(o.flip)}.`);
  if (!(o.colorJitter >= 0 && o.colorJitter < 1)) throw invalidOption(`Expected augment.colorJitter to be from 0 to below 1. Received: ${String(o.colorJitter)}.`);
  return o;
}

/** Bilinear sample of channel c at (y, x) of an HWC image. */
function sample(src: Float32Array, height: number, width: number, y: number, x: number, c: number): number {
  const y0 = Math.max(0, Math.min(height - 1, Math.floor(y)));
  const x0 = Math.max(0, Math.min(width - 1, Math.floor(x)));
  const y1 = Math.min(height - 1, y0 + 1);
  const x1 = Math.min(width - 1, x0 + 1);
  const fy = Math.max(0, Math.min(1, y - y0));
  const fx = Math.max(0, Math.min(1, x - x0));
  const at = (yy: number, xx: number) => src[(yy * width + xx) * 3 + c] as number;
  return (at(y0, x0) * (1 - fx) + at(y0, x1) * fx) * (1 - fy) + (at(y1, x0) * (1 - fx) + at(y1, x1) * fx) * fy;
}

/**
 * Augments one HWC image of 0..255 values (before normalisation) and returns a new one of the same size: a random
 * crop resized back to full size, a horizontal flip, then brightness, contrast and saturation jitter, clamped to
 * 0..255. The same `rng` state gives the same pixels.
 */
export function augmentPixels(pixels: Float32Array, height: number, width: number, rng: () => number, options: Required<AugmentOptions>): Float32Array {
  const area = height * width;
  // Random resized crop (Szegedy et al.'s "inception crop"): ten tries at a box that fits, else the whole image.
  let box = { y: 0, x: 0, h: height, w: width };
  for (let attempt = 0; attempt < 10; attempt++) {
    const share = options.scale[0] + rng() * (options.scale[1] - options.scale[0]);
    const logRatio = Math.log(options.ratio[0]) + rng() * (Math.log(options.ratio[1]) - Math.log(options.ratio[0]));
    const ratio = Math.exp(logRatio);
    const w = Math.round(Math.sqrt(area * share * ratio));
    const h = Math.round(Math.sqrt((area * share) / ratio));
    if (w >= 1 && h >= 1 && w <= width && h <= height) {
      box = { y: Math.floor(rng() * (height - h + 1)), x: Math.floor(rng() * (width - w + 1)), h, w };
      break;
    }
  }
  const flip = rng() < options.flip;
  const j = options.colorJitter;
  const brightness = 1 + j * (2 * rng() - 1);
  const contrast = 1 + j * (2 * rng() - 1);
  const saturation = 1 + j * (2 * rng() - 1);

  const out = new Float32Array(pixels.length);
  for (let y = 0; y < height; y++) {
    const sy = box.y + ((y + 0.5) * box.h) / height - 0.5;
    for (let x = 0; x < width; x++) {
      const xx = flip ? width - 1 - x : x;
      const sx = box.x + ((xx + 0.5) * box.w) / width - 0.5;
      for (let c = 0; c < 3; c++) out[(y * width + x) * 3 + c] = sample(pixels, height, width, sy, sx, c) * brightness;
    }
  }
  if (j > 0) {
    let mean = 0;
    for (let i = 0; i < out.length; i++) mean += out[i] as number;
    mean /= out.length;
    for (let p = 0; p < area; p++) {
      const grey = ((out[p * 3] as number) + (out[p * 3 + 1] as number) + (out[p * 3 + 2] as number)) / 3;
      for (let c = 0; c < 3; c++) {
        const i = p * 3 + c;
        const saturated = grey + ((out[i] as number) - grey) * saturation;
        out[i] = Math.max(0, Math.min(255, mean + (saturated - mean) * contrast));
      }
    }
  }
  return out;
}

/**
 * Decodes an image as the model's input spec says, augmented: decoding, resizing and channel order follow `spec`,
 * augmentation acts on the 0..255 pixels, then the spec's mean and std normalise them. Seeded per image.
 */
export async function decodeAugmentedImage(bytes: Uint8Array, file: string, spec: InputSpec, seed: number, options: Required<AugmentOptions>): Promise<Float32Array> {
  const raw = await decodeImage(bytes, file, { ...spec, mean: [0, 0, 0], std: [1, 1, 1] });
  const out = augmentPixels(raw, spec.height, spec.width, createRng(seed), options);
  for (let i = 0; i < out.length; i++) out[i] = ((out[i] as number) - (spec.mean[i % 3] as number)) / (spec.std[i % 3] as number);
  return out;
}
