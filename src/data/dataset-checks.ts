import { promises as fs } from 'node:fs';
import path from 'node:path';
import { HeadstartError, sha256 } from '../core/index.js';
import type { ImageDataset, LabeledItem } from './types.js';

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

/**
 * Checks a train/validation/test split before any training: every class keeps training items, and a split that was
 * asked for held-out items (`heldOutRequested`) produced some, since a model nothing can score is not a result (a
 * file of random bytes read as a table of many one-row classes splits that way).
 * @throws HeadstartError `HS_DATASET_INVALID` naming the data and its smallest class.
 */
export function checkSplitParts(
  parts: { train: ImageDataset; val: ImageDataset; test: ImageDataset },
  options: { where: string; noun: string; heldOutRequested: boolean },
): void {
  const { where, noun } = options;
  const all = [...parts.train.items, ...parts.val.items, ...parts.test.items];
  const perClass = new Map<string, number>(parts.train.classes.map((c) => [c, 0]));
  for (const item of all) perClass.set(item.label, (perClass.get(item.label) ?? 0) + 1);
  for (const cls of parts.train.classes) {
    if (!parts.train.items.some((i) => i.label === cls)) {
      throw new HeadstartError(
        'HS_DATASET_INVALID',
        `After splitting ${where}, class '${cls}' has no training ${noun} (it has ${perClass.get(cls) ?? 0} in all). Add ${noun} to it, or give fewer to validation and test.`,
      );
    }
  }
  if (options.heldOutRequested && parts.val.items.length + parts.test.items.length === 0) {
    const smallest = Math.min(...perClass.values());
    throw new HeadstartError(
      'HS_DATASET_INVALID',
      `Splitting ${where} left no validation or test ${noun}: it has ${all.length} ${noun} in ${perClass.size} classes, the smallest with ${smallest}, ` +
        `too few to hold any out, so the model could not be scored. Check that ${where} is the data you meant; add ${noun} (7 or more per class for the default split), or pass --val with separate data.`,
    );
  }
}

/** Files hashed at once while looking for duplicates. */
const HASH_CONCURRENCY = 16;
/** Examples named in one warning. */
const EXAMPLES_SHOWN = 3;

/** Content hash of each item's file ('' when it cannot be read: the loaders report that file themselves). */
async function contentHashes(items: readonly LabeledItem[]): Promise<string[]> {
  const hashes: string[] = new Array<string>(items.length).fill('');
  for (let start = 0; start < items.length; start += HASH_CONCURRENCY) {
    const batch = items.slice(start, start + HASH_CONCURRENCY);
    const done = await Promise.all(batch.map((item) => fs.readFile(item.path).then((b) => sha256(b), () => '')));
    done.forEach((h, i) => (hashes[start + i] = h));
  }
  return hashes;
}

function examples(pairs: readonly string[]): string {
  const more = pairs.length > EXAMPLES_SHOWN ? `, and ${pairs.length - EXAMPLES_SHOWN} more` : '';
  return `${pairs.slice(0, EXAMPLES_SHOWN).join('; ')}${more}`;
}

/**
 * Warnings about what a listing hides, found by content rather than by name: the same file (same bytes) under two
 * classes of `data`, files of `val` that are also in `data` (validation scores would be optimistic), and a manifest
 * that reads files outside its own folder (allowed, but said once, naming the first).
 */
export async function datasetWarnings(data: ImageDataset, val?: ImageDataset): Promise<string[]> {
  const warnings: string[] = [];
  for (const ds of [data, val]) {
    if (!ds || !/\.(csv|jsonl)$/i.test(ds.source)) continue;
    const base = path.dirname(ds.source);
    const outside = ds.items.find((i) => path.relative(base, i.path).startsWith('..') || path.isAbsolute(path.relative(base, i.path)));
    if (outside) warnings.push(`The manifest ${ds.source} lists files outside its folder ${base}, the first being ${outside.path}.`);
  }
  const hashes = await contentHashes(data.items);
  const byHash = new Map<string, LabeledItem>();
  const conflicts: string[] = [];
  data.items.forEach((item, i) => {
    const hash = hashes[i] as string;
    if (hash === '') return;
    const first = byHash.get(hash);
    if (!first) byHash.set(hash, item);
    else if (first.label !== item.label) conflicts.push(`${first.path} (${first.label}) and ${item.path} (${item.label})`);
  });
  if (conflicts.length > 0) {
    warnings.push(`${conflicts.length} file(s) in ${data.source} have the same content as a file in another class: ${examples(conflicts)}. Remove the wrong copy, or the model learns contradictory labels.`);
  }
  if (val) {
    const valHashes = await contentHashes(val.items);
    const overlap = val.items.flatMap((item, i) => {
      const twin = byHash.get(valHashes[i] as string);
      return twin ? [`${item.path} = ${twin.path}`] : [];
    });
    if (overlap.length > 0) {
      warnings.push(`${overlap.length} of the ${val.items.length} validation file(s) in ${val.source} are also in the training data ${data.source}: ${examples(overlap)}. Validation scores will be optimistic; remove them from one side.`);
    }
  }
  return warnings;
}
