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
export { readManifest, MANIFEST_EXTENSIONS } from './manifest.js';
export type { ReadManifestOptions } from './manifest.js';
export { loadImageDataset } from './load-image-dataset.js';
export type { LoadImageDatasetOptions } from './load-image-dataset.js';
export { IMAGE_EXTENSIONS, isImageFileName } from './dataset-checks.js';

// Splitting
export { splitDataset } from './split.js';
export type { SplitDatasetOptions, SplitDatasetResult, PerClassCounts, SplitFractions } from './split.js';

// Decoding
export { decodeImage, decodeImageFile, sniffImageType } from './decode-image.js';
export type { ImageType } from './decode-image.js';

// Feature sets
export { selectFeatureRows } from './select-feature-rows.js';

// Feature cache
export { FeatureCache } from './feature-cache.js';
export type { FeatureCacheEntry } from './feature-cache.js';
