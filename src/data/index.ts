export type {
  LabeledItem,
  SkippedFile,
  BadFilePolicy,
  ImageDataset,
  InputSpec,
  FeatureSet,
} from './types.js';

// Listing labelled images
export { listImageFolder } from './image-folder.js';
export type { ListImageFolderOptions } from './image-folder.js';
export { readManifest, writeManifest, MANIFEST_EXTENSIONS } from './manifest.js';
export type { ReadManifestOptions } from './manifest.js';
export { loadImageDataset } from './load-image-dataset.js';
export type { LoadImageDatasetOptions } from './load-image-dataset.js';
export { IMAGE_EXTENSIONS, isImageFileName, AUDIO_EXTENSIONS, isAudioFileName, checkSplitParts, datasetWarnings } from './dataset-checks.js';

// Splitting
export { splitDataset } from './split.js';
export type { SplitDatasetOptions, SplitDatasetResult, PerClassCounts, SplitFractions } from './split.js';

// Decoding
export { decodeImage, decodeImageFile, sniffImageType } from './decode-image.js';
export type { ImageType } from './decode-image.js';
export { augmentPixels, decodeAugmentedImage, resolveAugmentOptions, AUGMENT_DEFAULTS } from './augment.js';
export type { AugmentOptions } from './augment.js';

// Feature sets
export { selectFeatureRows } from './select-feature-rows.js';

// Feature cache
export { FeatureCache } from './feature-cache.js';
export { readMnistDigits, writeMnistImages, MNIST_CREDIT } from './mnist.js';
export { decodeImageSet } from './pixel-set.js';
export type { DecodeImageSetOptions } from './pixel-set.js';
export type { WriteMnistOptions } from './mnist.js';
export type { FeatureCacheEntry } from './feature-cache.js';

// Text datasets and tokenisers
export * from './text/index.js';

// Audio datasets, WAV files, log-mel and MFCC features
export * from './audio/index.js';
