import path from 'node:path';
import { HeadstartError } from '../core/index.js';
import type { ImageDataset } from './types.js';

/** File extensions read as images (compared case-insensitively). The decoder still checks the bytes. */
export const IMAGE_EXTENSIONS: readonly string[] = ['.jpg', '.jpeg', '.png', '.webp', '.gif'];

/** Whether a file name has one of the {@link IMAGE_EXTENSIONS}. */
export function isImageFileName(name: string): boolean {
  return IMAGE_EXTENSIONS.includes(path.extname(name).toLowerCase());
}

/** File extensions read as audio (compared case-insensitively). The decoder still checks the bytes. */
export const AUDIO_EXTENSIONS: readonly string[] = ['.wav'];

/** Whether a file name has one of the {@link AUDIO_EXTENSIONS}. */
export function isAudioFileName(name: string): boolean {
  return AUDIO_EXTENSIONS.includes(path.extname(name).toLowerCase());
}

/** The `reason` recorded for a file whose extension is not one of `extensions` (image extensions by default). */
export function unsupportedExtensionReason(name: string, extensions: readonly string[] = IMAGE_EXTENSIONS): string {
  const ext = path.extname(name);
  const what = ext === '' ? 'no file extension' : `unsupported extension '${ext}'`;
  return `${what}; expected one of ${extensions.join(', ')}`;
}

/**
 * Checks the class structure every labelled dataset must have: each class has at least one item, and there are at
 * least two classes unless `allowSingleClass` is set. `where` describes the source in messages, `noun` its files.
 */
export function checkDatasetClasses(dataset: ImageDataset, where: string, allowSingleClass: boolean, noun = 'images'): void {
  const counts = new Map<string, number>(dataset.classes.map((c) => [c, 0]));
  for (const item of dataset.items) counts.set(item.label, (counts.get(item.label) ?? 0) + 1);
  for (const [cls, n] of counts) {
    if (n === 0) {
      const skipped = dataset.skipped.length > 0 ? ` (${dataset.skipped.length} file(s) were skipped, see 'skipped')` : '';
      throw new HeadstartError(
        'HS_DATASET_INVALID',
        `class '${cls}' in ${where} has no ${noun}${skipped}. Add ${noun} to it, or remove the class.`,
      );
    }
  }
  if (dataset.classes.length === 1 && !allowSingleClass) {
    throw new HeadstartError(
      'HS_DATASET_INVALID',
      `${where} has only one class ('${dataset.classes[0] ?? ''}'); training needs at least two. ` +
        'Add a class, or set allowSingleClass for evaluation or prediction data.',
    );
  }
}
