import { promises as fs } from 'node:fs';
import path from 'node:path';
import { HeadstartError, invalidChoice, rejectUnknownKeys } from '../core/index.js';
import { listImageFolder } from './image-folder.js';
import { MANIFEST_EXTENSIONS, readManifest } from './manifest.js';
import type { BadFilePolicy, ImageDataset } from './types.js';

export interface LoadImageDatasetOptions {
  /**
   * What to do with a file that is not usable (not an image by its extension, or listed in a manifest but
   * missing): 'skip' records it in `skipped`, 'error' throws. @default 'skip'
   */
  onBadFile?: BadFilePolicy;
  /**
   * Accept a dataset with a single class. Training needs two classes; evaluation or prediction data may have one.
   * @default false
   */
  allowSingleClass?: boolean;
}

const DEFAULTS: Required<LoadImageDatasetOptions> = { onBadFile: 'skip', allowSingleClass: false };
const KNOWN_KEYS = Object.keys(DEFAULTS);

/**
 * Lists a labelled image dataset from a folder with one sub-folder per class ({@link listImageFolder}) or from a
 * .csv or .jsonl manifest ({@link readManifest}), chosen by what `source` is on disk.
 *
 * @throws HeadstartError `HS_FILE_NOT_FOUND` if `source` does not exist; `HS_DATASET_INVALID` if it is a file that is
 *   not a manifest; and the errors of the function it dispatches to.
 */
export async function loadImageDataset(source: string, options: LoadImageDatasetOptions = {}): Promise<ImageDataset> {
  rejectUnknownKeys('loadImageDataset', options, KNOWN_KEYS);
  const o: Required<LoadImageDatasetOptions> = { ...DEFAULTS, ...options };
  if (o.onBadFile !== 'skip' && o.onBadFile !== 'error') throw invalidChoice('onBadFile', o.onBadFile, ['skip', 'error']);
  const st = await fs.stat(source).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') {
      throw new HeadstartError(
        'HS_FILE_NOT_FOUND',
        `Dataset ${source} does not exist. Pass a folder with one sub-folder per class, or a .csv or .jsonl manifest.`,
        { cause: err },
      );
    }
    throw err;
  });
  if (st.isDirectory()) return listImageFolder(source, o);
  const ext = path.extname(source).toLowerCase();
  if (!MANIFEST_EXTENSIONS.includes(ext)) {
    throw new HeadstartError(
      'HS_DATASET_INVALID',
      `Cannot read dataset ${source}: expected a folder with one sub-folder per class, or a manifest ending in ` +
        `${MANIFEST_EXTENSIONS.join(' or ')}. Received a file ending in '${ext}'.`,
    );
  }
  return readManifest(source, o);
}
