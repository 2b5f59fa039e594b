import { HeadstartError, invalidChoice } from '../core/index.js';
import type { InputSpec } from '../data/index.js';
import type { Backbone } from './backbone.js';

/** Test-time augmentation of image features: 'flip' averages the features of each image and of its mirror image. */
export type TestTimeAugmentation = 'none' | 'flip';
export const TEST_TIME_AUGMENTATIONS: readonly TestTimeAugmentation[] = ['none', 'flip'];

export interface CombineBackbonesOptions {
  /** @default 'none' */
  tta?: TestTimeAugmentation;
}

/** Mirrors `count` HWC images (RGB) left to right. */
function mirrorImages(pixels: Float32Array, count: number, height: number, width: number): Float32Array {
  const out = new Float32Array(pixels.length);
  const row = width * 3;
  for (let image = 0; image < count; image++) {
    for (let y = 0; y < height; y++) {
      const base = (image * height + y) * row;
      for (let x = 0; x < width; x++) {
        const from = base + (width - 1 - x) * 3;
        const to = base + x * 3;
        out[to] = pixels[from] as number;
        out[to + 1] = pixels[from + 1] as number;
        out[to + 2] = pixels[from + 2] as number;
      }
    }
  }
  return out;
}

/** Whether images decoded for `a` can be fed to `b` after a per-channel affine map (same size, crop, channel order, layout). */
function sameGeometry(a: InputSpec, b: InputSpec): boolean {
  return a.height === b.height && a.width === b.width && a.resize === b.resize && a.channelOrder === b.channelOrder && (a.layout ?? 'nhwc') === (b.layout ?? 'nhwc');
}

/** Pixels preprocessed for `from` re-expressed as `to` expects them: p = x * std_from + mean_from, x' = (p - mean_to) / std_to. */
function reexpress(pixels: Float32Array, from: InputSpec, to: InputSpec): Float32Array {
  const same = [0, 1, 2].every((c) => from.mean[c] === to.mean[c] && from.std[c] === to.std[c]);
  if (same) return pixels;
  const out = new Float32Array(pixels.length);
  for (let i = 0; i < pixels.length; i++) {
    const c = i % 3;
    out[i] = ((pixels[i] as number) * (from.std[c] as number) + (from.mean[c] as number) - (to.mean[c] as number)) / (to.std[c] as number);
  }
  return out;
}

/**
 * `count` rows of several backbones' features joined as a concatenated backbone computes them: each block's rows
 * divided by their Euclidean length (rows of zeros stay zero), then the blocks side by side in order.
 */
export function joinFeatureRows(blocks: readonly { values: Float32Array; dim: number }[], count: number): Float32Array {
  const dim = blocks.reduce((sum, b) => sum + b.dim, 0);
  const out = new Float32Array(count * dim);
  let offset = 0;
  for (const block of blocks) {
    for (let r = 0; r < count; r++) {
      const row = block.values.subarray(r * block.dim, (r + 1) * block.dim);
      let sum = 0;
      for (const v of row) sum += v * v;
      const norm = Math.sqrt(sum);
      const at = r * dim + offset;
      for (let k = 0; k < block.dim; k++) out[at + k] = norm > 0 ? (row[k] as number) / norm : 0;
    }
    offset += block.dim;
  }
  return out;
}

/**
 * One backbone made of several frozen ones and/or test-time augmentation, usable wherever a Backbone is
 * (`extractFeatures`, predict, evaluate). With two or more parts, each part's features are L2-normalised, then
 * concatenated in order (their scales differ, and normalising keeps one from drowning the other); the parts must
 * share the first part's image size and crop. With tta 'flip', each part's features are the mean of the image's and
 * its mirror image's. The feature key names every part and the augmentation, so cached features never mix.
 */
export function combineBackbones(parts: readonly Backbone[], options: CombineBackbonesOptions = {}): Backbone {
  const tta = options.tta ?? 'none';
  if (!TEST_TIME_AUGMENTATIONS.includes(tta)) throw invalidChoice('tta', tta, TEST_TIME_AUGMENTATIONS);
  const [first] = parts;
  if (!first) throw new HeadstartError('HS_INVALID_OPTION', 'combineBackbones needs at least one backbone.');
  const input = first.input;
  for (const part of parts.slice(1)) {
    if (!sameGeometry(input, part.input)) {
      throw new HeadstartError(
        'HS_INVALID_OPTION',
        `Cannot concatenate ${first.card.id} (${input.width}x${input.height}, ${input.resize}) with ${part.card.id} (${part.input.width}x${part.input.height}, ${part.input.resize}): ` +
          'their features come from differently sized or cropped images. Choose backbones with the same input size.',
      );
    }
  }
  const concatenated = parts.length > 1;
  const dim = parts.reduce((sum, p) => sum + p.extractor.dim, 0);
  async function extractPart(part: Backbone, pixels: Float32Array, mirrored: Float32Array | undefined, count: number): Promise<Float32Array> {
    const values = await part.extractor.extract(reexpress(pixels, input, part.input), count);
    if (!mirrored) return values;
    const flipped = await part.extractor.extract(reexpress(mirrored, input, part.input), count);
    const mean = new Float32Array(values.length);
    for (let i = 0; i < values.length; i++) mean[i] = ((values[i] as number) + (flipped[i] as number)) / 2;
    return mean;
  }
  return {
    ...first,
    extractor: {
      dim,
      cutShape: [dim],
      async extract(pixels, count) {
        const mirrored = tta === 'flip' ? mirrorImages(pixels, count, input.height, input.width) : undefined;
        const blocks: { values: Float32Array; dim: number }[] = [];
        for (const part of parts) blocks.push({ values: await extractPart(part, pixels, mirrored, count), dim: part.extractor.dim });
        return concatenated ? joinFeatureRows(blocks, count) : (blocks[0] as { values: Float32Array }).values;
      },
      dispose() {
        for (const part of parts) part.extractor.dispose();
      },
    },
    featureKey: JSON.stringify({ parts: parts.map((p) => p.featureKey), normalize: concatenated ? 'l2' : 'none', tta }),
    dispose() {
      for (const part of parts) part.dispose();
    },
  };
}
