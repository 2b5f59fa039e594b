import { readInputFile, throwIfAborted } from '../core/index.js';
import { decodeAugmentedImage } from '../data/index.js';
import type { AugmentOptions, FeatureSet } from '../data/index.js';
import type { Backbone } from '../zoo/index.js';

export interface AugmentedActivationsOptions {
  augment: Required<AugmentOptions>;
  /** Seeds every image's augmentation together with the epoch and the image's position. */
  seed: number;
  /** Images per trunk run. @default 16 */
  batchSize?: number;
  signal?: AbortSignal;
}

/**
 * Boundary activations of freshly augmented training images: decodes, augments (seeded by seed, epoch and image) and
 * runs the frozen trunk once per image. `set` names the files and labels (rows of the un-augmented activations).
 */
export async function augmentedActivations(trunk: Backbone, set: FeatureSet, epoch: number, options: AugmentedActivationsOptions): Promise<FeatureSet> {
  const { batchSize = 16 } = options;
  const dim = trunk.extractor.dim;
  const imageSize = trunk.input.height * trunk.input.width * 3;
  const values = new Float32Array(set.files.length * dim);
  for (let start = 0; start < set.files.length; start += batchSize) {
    throwIfAborted(options.signal);
    const files = set.files.slice(start, start + batchSize);
    const pixels = new Float32Array(files.length * imageSize);
    await Promise.all(
      files.map(async (file, j) => {
        const bytes = await readInputFile(file, 'image');
        pixels.set(await decodeAugmentedImage(bytes, file, trunk.input, options.seed * 1_000_003 + epoch * 100_003 + start + j, options.augment), j * imageSize);
      }),
    );
    values.set(await trunk.extractor.extract(pixels, files.length), start * dim);
  }
  return { ...set, values };
}
