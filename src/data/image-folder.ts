import { promises as fs, type Dirent } from 'node:fs';
import path from 'node:path';
import { HeadstartError, invalidChoice, rejectUnknownKeys } from '../core/index.js';
import { checkDatasetClasses, isImageFileName, unsupportedExtensionReason } from './dataset-checks.js';
import type { BadFilePolicy, ImageDataset, LabeledItem, SkippedFile } from './types.js';

export interface ListImageFolderOptions {
  /**
   * Accept a folder with a single class sub-folder. Training needs two classes; evaluation or prediction data may
   * have one. @default false
   */
  allowSingleClass?: boolean;
  /**
   * What to do with a file in a class folder that is not an image by its extension: 'skip' records it in
   * `skipped`, 'error' throws `HS_IMAGE_UNREADABLE`. @default 'skip'
   */
  onBadFile?: BadFilePolicy;
}

const DEFAULTS: Required<ListImageFolderOptions> = { allowSingleClass: false, onBadFile: 'skip' };
const KNOWN_KEYS = Object.keys(DEFAULTS);

/** Compares by code points, so the order does not depend on the machine's locale. */
function byCodePoint(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

async function kindOf(dir: string, entry: Dirent): Promise<'file' | 'dir' | 'other'> {
  if (entry.isFile()) return 'file';
  if (entry.isDirectory()) return 'dir';
  if (entry.isSymbolicLink()) {
    const st = await fs.stat(path.join(dir, entry.name)).catch(() => undefined);
    if (st?.isFile()) return 'file';
    if (st?.isDirectory()) return 'dir';
  }
  return 'other';
}

/** Files operating systems and file managers leave in folders (thumbnails, view settings): never data, never reported. */
const SYSTEM_FILES: readonly string[] = ['thumbs.db', 'ehthumbs.db', 'desktop.ini', 'icon\r'];

/** Whether a folder entry is hidden (a dotfile such as .DS_Store) or a known system file such as Thumbs.db. */
export function isIgnoredEntry(name: string): boolean {
  return name.startsWith('.') || SYSTEM_FILES.includes(name.toLowerCase());
}

/** The visible entries of a folder, sorted by code point, each with what it is (symbolic links followed). */
export async function readEntries(dir: string): Promise<{ name: string; kind: 'file' | 'dir' | 'other' }[]> {
  const entries = await fs.readdir(dir, { withFileTypes: true });
  const visible = entries.filter((e) => !isIgnoredEntry(e.name));
  const kinds = await Promise.all(visible.map((e) => kindOf(dir, e)));
  return visible.map((e, i) => ({ name: e.name, kind: kinds[i] ?? 'other' })).sort((a, b) => byCodePoint(a.name, b.name));
}

/**
 * Lists an image folder with one sub-folder per class (`dir/<class>/<image>`). Nothing is decoded.
 *
 * Class names are the sub-folder names, sorted. Files with an image extension (.jpg .jpeg .png .webp .gif, any
 * case) become items, sorted by name; hidden files and folders and system files (Thumbs.db, desktop.ini) are
 * ignored; other files in a class folder, and
 * folders nested inside one, are recorded in `skipped`. Files at the top level (README, LICENSE, ATTRIBUTION.txt)
 * are ignored. Item paths are absolute.
 *
 * @throws HeadstartError `HS_FILE_NOT_FOUND` if `dir` does not exist; `HS_DATASET_EMPTY` if it has no class
 *   sub-folders; `HS_DATASET_INVALID` if a class has no images, or there is only one class and `allowSingleClass`
 *   is not set; `HS_IMAGE_UNREADABLE` for a non-image file when `onBadFile` is 'error'.
 */
export async function listImageFolder(dir: string, options: ListImageFolderOptions = {}): Promise<ImageDataset> {
  rejectUnknownKeys('listImageFolder', options, KNOWN_KEYS);
  const o: Required<ListImageFolderOptions> = { ...DEFAULTS, ...options };
  if (o.onBadFile !== 'skip' && o.onBadFile !== 'error') throw invalidChoice('onBadFile', o.onBadFile, ['skip', 'error']);
  const root = path.resolve(dir);
  const st = await fs.stat(root).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') {
      throw new HeadstartError('HS_FILE_NOT_FOUND', `Image folder ${dir} does not exist. Check the path.`, { cause: err });
    }
    throw err;
  });
  if (!st.isDirectory()) {
    throw new HeadstartError(
      'HS_DATASET_INVALID',
      `${dir} is a file, not a folder. Pass a folder with one sub-folder per class, or a .csv or .jsonl manifest.`,
    );
  }

  const top = await readEntries(root);
  const classes = top.filter((e) => e.kind === 'dir').map((e) => e.name);
  if (classes.length === 0) {
    const loose = top.filter((e) => e.kind === 'file' && isImageFileName(e.name)).length;
    const hint = loose > 0 ? ` It holds ${loose} image(s) directly; move them into one sub-folder per class.` : '';
    throw new HeadstartError(
      'HS_DATASET_EMPTY',
      `No class folders in ${dir}. Expected one sub-folder per class, e.g. ${path.join(dir, 'cats', '001.jpg')}.${hint}`,
    );
  }

  const items: LabeledItem[] = [];
  const skipped: SkippedFile[] = [];
  for (const cls of classes) {
    const classDir = path.join(root, cls);
    for (const entry of await readEntries(classDir)) {
      const file = path.join(classDir, entry.name);
      if (entry.kind === 'file' && isImageFileName(entry.name)) {
        items.push({ path: file, label: cls });
        continue;
      }
      const reason =
        entry.kind === 'dir'
          ? 'folder inside a class folder; only files directly inside a class folder are read'
          : entry.kind === 'other'
            ? 'not a regular file'
            : unsupportedExtensionReason(entry.name);
      if (o.onBadFile === 'error' && entry.kind === 'file') {
        throw new HeadstartError(
          'HS_IMAGE_UNREADABLE',
          `Cannot use ${file}: ${reason}. Remove it, or pass --on-bad-file skip.`,
        );
      }
      skipped.push({ file, reason });
    }
  }

  const dataset: ImageDataset = { source: root, classes, items, skipped };
  checkDatasetClasses(dataset, root, o.allowSingleClass);
  return dataset;
}
