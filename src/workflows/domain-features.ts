import type { ImageDataset, SkippedFile } from '../data/index.js';
import type { Pooling } from '../engines/index.js';
import { extractFeatures, loadBackbone } from '../zoo/index.js';
import type { Backbone, ExtractFeaturesResult } from '../zoo/index.js';
import { openFeatureCache, resolveHome } from './shared-options.js';
import type { WorkflowOptions } from './shared-options.js';
import { TRAIN_DEFAULTS } from './train.js';

/** Two image sets seen through one backbone: what `shift` and `adapt` measure and align. */
export interface DomainFeatures {
  backbone: Backbone;
  /** The backbone as results report it. */
  backboneRecord: { id: string; cut: string; pooling: Pooling; dim: number };
  source: ExtractFeaturesResult;
  target: ExtractFeaturesResult;
  /** Bad files of both datasets, found while listing or while decoding. */
  skipped: SkippedFile[];
}

/**
 * Loads the backbone (train's default unless named), extracts features of `source` and `target` through the feature
 * cache, hands them to `use`, and releases the backbone and the cache whatever `use` does. Target rows are labelled
 * by `target.classes` (-1 for unlabelled items).
 */
export async function withDomainFeatures<T>(
  options: WorkflowOptions & { backbone?: string; cut?: string; pooling?: Pooling },
  source: ImageDataset,
  target: Pick<ImageDataset, 'classes' | 'items' | 'skipped'>,
  use: (features: DomainFeatures) => Promise<T>,
): Promise<T> {
  const onBadFile = options.onBadFile ?? 'skip';
  const backbone = await loadBackbone(options.backbone ?? TRAIN_DEFAULTS.backbone, {
    cut: options.cut,
    pooling: options.pooling,
    engine: options.engine,
    home: resolveHome(options),
    onProgress: options.onProgress,
  });
  const cache = openFeatureCache(options);
  try {
    const extractOptions = { cache, onBadFile, signal: options.signal, onProgress: options.onProgress };
    const sourceFeatures = await extractFeatures(backbone, source, extractOptions);
    const targetFeatures = await extractFeatures(backbone, target, extractOptions);
    return await use({
      backbone,
      backboneRecord: { id: backbone.card.id, cut: backbone.cut, pooling: backbone.pooling, dim: backbone.extractor.dim },
      source: sourceFeatures,
      target: targetFeatures,
      skipped: [...source.skipped, ...target.skipped, ...sourceFeatures.skipped, ...targetFeatures.skipped],
    });
  } finally {
    backbone.dispose();
    cache?.close();
  }
}
