import sharp from 'sharp';
import { HeadstartError, invalidChoice, invalidOption, readInputFile } from '../core/index.js';
import type { InputSpec } from './types.js';

/** Image containers headstart decodes, recognised by their first bytes rather than by file extension. */
export type ImageType = 'jpeg' | 'png' | 'webp' | 'gif';

const TYPE_NAMES: Record<ImageType, string> = { jpeg: 'JPEG', png: 'PNG', webp: 'WebP', gif: 'GIF' };

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

function startsWith(bytes: Uint8Array, prefix: readonly number[], offset = 0): boolean {
  if (bytes.length < offset + prefix.length) return false;
  return prefix.every((b, i) => bytes[offset + i] === b);
}

/**
 * Identifies an image container from its magic bytes: JPEG `FF D8 FF`, PNG `89 'PNG' 0D 0A 1A 0A`, GIF `'GIF8'`,
 * WebP `'RIFF' <size> 'WEBP'`. Returns `undefined` for anything else, including an empty or too short buffer.
 */
export function sniffImageType(bytes: Uint8Array): ImageType | undefined {
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return 'jpeg';
  if (startsWith(bytes, PNG_SIGNATURE)) return 'png';
  if (startsWith(bytes, [0x47, 0x49, 0x46, 0x38])) return 'gif';
  if (startsWith(bytes, [0x52, 0x49, 0x46, 0x46]) && startsWith(bytes, [0x57, 0x45, 0x42, 0x50], 8)) return 'webp';
  return undefined;
}

/** The first bytes of a file for an error message: as text when they are printable ASCII, otherwise as hex. */
export function describeStart(bytes: Uint8Array): string {
  const head = bytes.subarray(0, 8);
  const printable = head.every((b) => b >= 0x20 && b <= 0x7e);
  if (printable) return `file starts with "${String.fromCharCode(...head)}"`;
  const hex = Array.from(head, (b) => b.toString(16).padStart(2, '0').toUpperCase()).join(' ');
  return `file starts with "${hex}"`;
}

function validateSpec(spec: InputSpec): void {
  for (const key of ['height', 'width'] as const) {
    const v = spec[key];
    if (!Number.isInteger(v) || v < 1) {
      throw invalidOption(`Expected input spec ${key} to be a positive integer. Received: ${String(v)}.`);
    }
  }
  if (spec.channelOrder !== 'rgb' && spec.channelOrder !== 'bgr') {
    throw invalidChoice('input spec channelOrder', spec.channelOrder, ['rgb', 'bgr']);
  }
  if (spec.resize !== 'center-crop' && spec.resize !== 'stretch') {
    throw invalidChoice('input spec resize', spec.resize, ['center-crop', 'stretch']);
  }
  for (const key of ['mean', 'std'] as const) {
    const v = spec[key];
    if (!Array.isArray(v) || v.length !== 3 || !v.every((x) => typeof x === 'number' && Number.isFinite(x))) {
      throw invalidOption(`Expected input spec ${key} to be 3 finite numbers. Received: ${JSON.stringify(v)}.`);
    }
  }
  if (spec.std.some((s) => s === 0)) {
    throw invalidOption(`Expected input spec std to be non-zero. Received: ${JSON.stringify(spec.std)}.`);
  }
}

/** sharp's default limit on width x height (0x3FFF squared): a bigger image is refused before it is decoded. */
export const DEFAULT_MAX_PIXELS = 0x3fff * 0x3fff;

export interface DecodeImageOptions {
  /**
   * Largest width x height decoded; bigger images are refused before any pixel is decoded, so one huge file cannot
   * take gigabytes of memory. @default DEFAULT_MAX_PIXELS (268402689, sharp's limitInputPixels)
   */
  maxPixels?: number;
}

/** The message for an image over the pixel limit: its size, the limit, and how to get past it. */
async function overPixelLimit(bytes: Uint8Array, file: string, type: ImageType, maxPixels: number, cause: unknown): Promise<HeadstartError> {
  const meta = await sharp(bytes, { limitInputPixels: false }).metadata().catch(() => undefined);
  const size = meta?.width && meta.height ? `${meta.width}x${meta.height} = ${meta.width * meta.height} pixels` : 'its size';
  return new HeadstartError(
    'HS_IMAGE_UNREADABLE',
    `Cannot decode ${file}: this ${TYPE_NAMES[type]} image is over the pixel limit (${size}; the limit is ${maxPixels} pixels). ` +
      'Downscale it, or raise the limit with the maxPixels option of decodeImage (sharp\'s limitInputPixels); or pass --on-bad-file skip.',
    { cause },
  );
}

function firstLine(message: string): string {
  return (message.split('\n')[0] ?? message).trim();
}

/**
 * Decodes an image into a model input: a Float32Array of `height * width * 3` values, row-major HWC, channels in
 * `spec.channelOrder`, each value `(pixel - spec.mean[c]) / spec.std[c]` with pixels in 0..255.
 *
 * `mean[c]` and `std[c]` apply to output channel `c`, i.e. they are listed in the model's channel order
 * (for a 'bgr' model, `mean[0]` is the blue mean).
 *
 * The image is auto-oriented from EXIF, only the first frame of an animated GIF or WebP is used, greyscale becomes
 * three equal channels, transparency is flattened onto white, and colours are converted to sRGB. It is then resized
 * with a bilinear kernel: 'center-crop' scales the short side to fit and crops the centre, 'stretch' resizes to the
 * exact size. Corrupt or truncated data is rejected, never decoded into grey pixels.
 *
 * @param bytes the file's content.
 * @param file the file name, used in error messages only.
 * @throws HeadstartError `HS_IMAGE_UNREADABLE` when the bytes are not a JPEG, PNG, WebP or GIF image, do not decode,
 *   or hold more than `maxPixels` pixels.
 * @throws HeadstartError `HS_INVALID_OPTION` when the spec is malformed.
 */
export async function decodeImage(bytes: Uint8Array, file: string, spec: InputSpec, options: DecodeImageOptions = {}): Promise<Float32Array> {
  validateSpec(spec);
  const maxPixels = options.maxPixels ?? DEFAULT_MAX_PIXELS;
  if (!Number.isInteger(maxPixels) || maxPixels < 1) throw invalidOption(`Expected maxPixels to be a positive integer. Received: ${String(maxPixels)}.`);
  const type = sniffImageType(bytes);
  if (type === undefined) {
    const start = bytes.length === 0 ? 'file is empty' : describeStart(bytes);
    throw new HeadstartError(
      'HS_IMAGE_UNREADABLE',
      `Cannot decode ${file}: ${start}, not a JPEG, PNG, WebP or GIF image. Remove it, or pass --on-bad-file skip.`,
    );
  }
  const { height, width } = spec;
  let pixels: Buffer;
  let channels: number;
  try {
    // failOn 'warning' (the strictest level) is needed: with 'error', a JPEG with garbage in its entropy-coded data
    // decodes with only a libjpeg warning, and with 'none' a truncated JPEG decodes with its lower half grey.
    const out = await sharp(bytes, { failOn: 'warning', pages: 1, page: 0, autoOrient: true, limitInputPixels: maxPixels })
      .flatten({ background: { r: 255, g: 255, b: 255 } })
      .toColourspace('srgb')
      .resize({
        width,
        height,
        fit: spec.resize === 'center-crop' ? 'cover' : 'fill',
        position: 'centre',
        kernel: 'linear',
      })
      .removeAlpha()
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    pixels = out.data;
    channels = out.info.channels;
    if (out.info.width !== width || out.info.height !== height || channels < 3) {
      throw new Error(`decoder returned ${out.info.width}x${out.info.height}x${channels}, expected ${width}x${height}x3`);
    }
  } catch (err) {
    const reason = err instanceof Error ? firstLine(err.message) : String(err);
    if (/pixel limit/i.test(reason)) throw await overPixelLimit(bytes, file, type, maxPixels, err);
    throw new HeadstartError(
      'HS_IMAGE_UNREADABLE',
      `Cannot decode ${file}: it starts like a ${TYPE_NAMES[type]} image but is corrupt or truncated (${reason}). ` +
        'Remove or re-export it, or pass --on-bad-file skip.',
      { cause: err },
    );
  }

  const [m0, m1, m2] = spec.mean;
  const [s0, s1, s2] = spec.std;
  const bgr = spec.channelOrder === 'bgr';
  const n = height * width;
  const result = new Float32Array(n * 3);
  for (let i = 0, src = 0, dst = 0; i < n; i++, src += channels, dst += 3) {
    const r = pixels[src] as number;
    const g = pixels[src + 1] as number;
    const b = pixels[src + 2] as number;
    result[dst] = ((bgr ? b : r) - m0) / s0;
    result[dst + 1] = (g - m1) / s1;
    result[dst + 2] = ((bgr ? r : b) - m2) / s2;
  }
  return result;
}

/**
 * Reads a file and decodes it with {@link decodeImage}.
 * @throws HeadstartError `HS_FILE_NOT_FOUND` when the file cannot be read, `HS_INPUT_NOT_A_FILE` or `HS_INPUT_TOO_LARGE`
 * (see readInputFile), `HS_IMAGE_UNREADABLE` when it does not decode.
 */
export async function decodeImageFile(file: string, spec: InputSpec): Promise<Float32Array> {
  return decodeImage(await readInputFile(file, 'image'), file, spec);
}
