import { HeadstartError, throwIfAborted } from '../core/index.js';
import type { ProgressCallback } from '../core/index.js';
import { decodeImageFile } from './decode-image.js';
import type { BadFilePolicy, FeatureSet, ImageDataset, InputSpec, SkippedFile } from './types.js';

export interface DecodeImageSetOptions {
  /** @default 'skip' */
  onBadFile?: BadFilePolicy;
  /** Images decoded at once. @default 16 */
  batchSize?: number;
  signal?: AbortSignal;
  onProgress?: ProgressCallback;
}

/**
 * Every image of a dataset decoded as the spec says, one row of HWC pixels per image: the input of a network trained
 * from scratch, and of the naive baselines that work on raw pixels. Bad files are skipped (and reported) or refused.
 */
export async function decodeImageSet(
  dataset: Pick<ImageDataset, 'items' | 'classes'>,
  spec: InputSpec,
  options: DecodeImageSetOptions = {},
): Promise<{ set: FeatureSet; skipped: SkippedFile[] }> {
  const { onBadFile = 'skip', batchSize = 16, signal, onProgress } = options;
  const dim = spec.height * spec.width * 3;
  const rows: { file: string; label: number; pixels: Float32Array }[] = [];
  const skipped: SkippedFile[] = [];
  const total = dataset.items.length;
  for (let start = 0; start < total; start += batchSize) {
    throwIfAborted(signal);
    const batch = dataset.items.slice(start, start + batchSize);
    const decoded = await Promise.allSettled(batch.map((item) => decodeImageFile(item.path, spec)));
    decoded.forEach((result, j) => {
      const item = batch[j] as (typeof batch)[number];
      if (result.status === 'fulfilled') {
        rows.push({ file: item.path, label: dataset.classes.indexOf(item.label), pixels: result.value });
        return;
      }
      const err: unknown = result.reason;
      if (onBadFile === 'error' || !(err instanceof HeadstartError)) throw err;
      skipped.push({ file: item.path, reason: err.message });
      onProgress?.({ stage: 'skip', file: item.path, reason: err.message });
    });
    onProgress?.({ stage: 'extract', done: Math.min(start + batchSize, total), total, cached: 0 });
  }
  const values = new Float32Array(rows.length * dim);
  rows.forEach((r, i) => values.set(r.pixels, i * dim));
  return {
    set: { values, dim, files: rows.map((r) => r.file), labels: Int32Array.from(rows, (r) => r.label), classes: dataset.classes },
    skipped,
  };
}
