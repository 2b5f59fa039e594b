import { promises as fs } from 'node:fs';
import path from 'node:path';
import { HeadstartError, invalidChoice, invalidOption, rejectUnknownKeys } from '../../core/index.js';
import { AUDIO_EXTENSIONS, checkDatasetClasses, isAudioFileName, unsupportedExtensionReason } from '../dataset-checks.js';
import { readEntries } from '../image-folder.js';
import { MANIFEST_EXTENSIONS, readManifest } from '../manifest.js';
import type { BadFilePolicy, LabeledItem, SkippedFile } from '../types.js';

/** One labelled audio file; `groups` holds the other named parts of a file-name pattern (speaker, index ...). */
export interface AudioItem extends LabeledItem {
  groups: Record<string, string>;
}

/** A labelled audio dataset, as listed from a folder or a manifest. Nothing is decoded yet. */
export interface AudioDataset {
  /** The folder or manifest it came from. */
  source: string;
  /** Class names, sorted by code point; a label's index in this list is its class id. */
  classes: string[];
  items: AudioItem[];
  /** Files found but not usable (not a .wav, name not matching the pattern, missing). */
  skipped: SkippedFile[];
}

/** Where an item's label comes from: its class sub-folder, or named parts of its file name. */
export type AudioLabelSource = 'folder' | { pattern: string };

export interface ListAudioFolderOptions {
  /**
   * 'folder': one sub-folder per class (`dir/<label>/<file>.wav`). `{ pattern }`: the .wav files directly in `dir`,
   * labelled by their names, e.g. `{label}_{speaker}_{index}.wav` for the Free Spoken Digit Dataset. Placeholders
   * are `{name}`, `{label}` is required, and each match becomes `item.groups[name]`. @default 'folder'
   */
  labelFrom?: AudioLabelSource;
  /** Not a .wav file, or a name that does not match the pattern: 'skip' records it, 'error' throws. @default 'skip' */
  onBadFile?: BadFilePolicy;
  /** Accept a single class (evaluation or prediction data). @default false */
  allowSingleClass?: boolean;
}

const DEFAULTS: Required<ListAudioFolderOptions> = { labelFrom: 'folder', onBadFile: 'skip', allowSingleClass: false };
const KNOWN_KEYS = Object.keys(DEFAULTS);
const NOUN = 'audio files';

/** A compiled file-name pattern: literal text matches itself, each `{name}` the shortest non-empty run. */
interface FileNamePattern {
  source: string;
  regex: RegExp;
}

function compileFileNamePattern(pattern: string): FileNamePattern {
  const parts = pattern.split(/(\{[^{}]*\})/);
  const names = new Set<string>();
  let regex = '^';
  let previousWasPlaceholder = false;
  for (const part of parts) {
    if (part === '') continue;
    const m = /^\{(.*)\}$/.exec(part);
    if (!m) {
      if (/[{}/\\]/.test(part)) throw invalidOption(`File-name pattern '${pattern}' has a stray brace or a path separator in '${part}'. Use {name} placeholders in a plain file name.`);
      regex += part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      previousWasPlaceholder = false;
      continue;
    }
    const name = m[1] ?? '';
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw invalidOption(`File-name pattern '${pattern}': '{${name}}' is not a valid placeholder; use letters, digits and _, e.g. {speaker}.`);
    if (names.has(name)) throw invalidOption(`File-name pattern '${pattern}' uses {${name}} twice.`);
    if (previousWasPlaceholder) throw invalidOption(`File-name pattern '${pattern}' has two placeholders in a row; separate them with literal text such as _ so the split is unambiguous.`);
    names.add(name);
    regex += `(?<${name}>.+?)`;
    previousWasPlaceholder = true;
  }
  if (!names.has('label')) throw invalidOption(`File-name pattern '${pattern}' has no {label} placeholder. Example: '{label}_{speaker}_{index}.wav'.`);
  return { source: pattern, regex: new RegExp(`${regex}$`) };
}

async function checkFolder(dir: string): Promise<string> {
  const root = path.resolve(dir);
  const st = await fs.stat(root).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') throw new HeadstartError('HS_FILE_NOT_FOUND', `Audio folder ${dir} does not exist. Check the path.`, { cause: err });
    throw err;
  });
  if (!st.isDirectory()) {
    throw new HeadstartError('HS_DATASET_INVALID', `${dir} is a file, not a folder. Pass a folder of .wav files, or a .csv or .jsonl manifest.`);
  }
  return root;
}

function badFile(file: string, reason: string): HeadstartError {
  return new HeadstartError('HS_AUDIO_UNREADABLE', `Cannot use ${file}: ${reason}. Remove it, or pass --on-bad-file skip.`);
}

/**
 * Lists a labelled audio folder, either one sub-folder per class or flat with labels in the file names (see
 * {@link ListAudioFolderOptions.labelFrom}). Nothing is decoded: a corrupt .wav is reported when features are
 * extracted. Items are sorted by file name, paths are absolute, hidden files are ignored, and top-level files are
 * ignored in 'folder' mode.
 *
 * @throws HeadstartError `HS_FILE_NOT_FOUND` if `dir` does not exist; `HS_DATASET_EMPTY` if nothing is labelled;
 *   `HS_DATASET_INVALID` for an empty class or a single class without `allowSingleClass`; `HS_AUDIO_UNREADABLE`
 *   for an unusable file when `onBadFile` is 'error'; `HS_INVALID_OPTION` for a malformed pattern.
 */
export async function listAudioFolder(dir: string, options: ListAudioFolderOptions = {}): Promise<AudioDataset> {
  rejectUnknownKeys('listAudioFolder', options, KNOWN_KEYS);
  const o: Required<ListAudioFolderOptions> = { ...DEFAULTS, ...options };
  if (o.onBadFile !== 'skip' && o.onBadFile !== 'error') throw invalidChoice('onBadFile', o.onBadFile, ['skip', 'error']);
  const { labelFrom } = o;
  if (labelFrom !== 'folder' && typeof labelFrom?.pattern !== 'string') {
    throw invalidOption(`Expected labelFrom to be 'folder' or { pattern: '{label}_{speaker}_{index}.wav' }. Received: ${JSON.stringify(labelFrom)}.`);
  }
  const pattern = labelFrom === 'folder' ? undefined : compileFileNamePattern(labelFrom.pattern);
  const root = await checkFolder(dir);

  const items: AudioItem[] = [];
  const skipped: SkippedFile[] = [];
  const consider = (file: string, kind: 'file' | 'dir' | 'other', label: string | undefined): void => {
    let reason: string;
    if (kind === 'dir') reason = pattern ? 'a folder; a file-name pattern reads only files directly in the folder' : 'folder inside a class folder; only files directly inside a class folder are read';
    else if (kind === 'other') reason = 'not a regular file';
    else if (!isAudioFileName(file)) reason = unsupportedExtensionReason(file, AUDIO_EXTENSIONS);
    else if (label !== undefined) return void items.push({ path: file, label, groups: {} });
    else {
      const match = pattern?.regex.exec(path.basename(file));
      const groups = { ...match?.groups };
      const matchedLabel = groups['label'];
      if (matchedLabel !== undefined) {
        delete groups['label'];
        return void items.push({ path: file, label: matchedLabel, groups });
      }
      reason = `name does not match the pattern '${pattern?.source ?? ''}'`;
    }
    if (o.onBadFile === 'error' && kind === 'file') throw badFile(file, reason);
    skipped.push({ file, reason });
  };

  const top = await readEntries(root);
  const classDirs = pattern ? [] : top.filter((e) => e.kind === 'dir').map((e) => e.name);
  if (pattern) {
    for (const entry of top) consider(path.join(root, entry.name), entry.kind, undefined);
  } else {
    for (const cls of classDirs) {
      for (const entry of await readEntries(path.join(root, cls))) consider(path.join(root, cls, entry.name), entry.kind, cls);
    }
  }
  if (items.length === 0 && (pattern || skipped.length === 0)) {
    const how = pattern ? `.wav files named like '${pattern.source}'` : `one sub-folder per class, e.g. ${path.join(dir, 'yes', '001.wav')}`;
    throw new HeadstartError('HS_DATASET_EMPTY', `No labelled audio in ${dir}. Expected ${how}.`);
  }
  // Folder mode keeps every class folder, so an empty one is reported rather than silently dropped.
  const classes = (pattern ? [...new Set(items.map((i) => i.label))] : classDirs).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const dataset: AudioDataset = { source: root, classes, items, skipped };
  checkDatasetClasses(dataset, root, o.allowSingleClass, NOUN);
  return dataset;
}

/** Options of {@link loadAudioDataset}: those of {@link listAudioFolder}; `labelFrom` applies to folders only. */
export type LoadAudioDatasetOptions = ListAudioFolderOptions;

/**
 * Lists a labelled audio dataset from a folder ({@link listAudioFolder}) or from a .csv or .jsonl manifest of
 * `path,label` rows ({@link readManifest} with `media: 'audio'`; manifest items have no groups), chosen by what
 * `source` is on disk. `labelFrom` applies to folders only.
 */
export async function loadAudioDataset(source: string, options: LoadAudioDatasetOptions = {}): Promise<AudioDataset> {
  rejectUnknownKeys('loadAudioDataset', options, KNOWN_KEYS);
  const st = await fs.stat(source).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') {
      throw new HeadstartError('HS_FILE_NOT_FOUND', `Dataset ${source} does not exist. Pass a folder of .wav files, or a .csv or .jsonl manifest.`, { cause: err });
    }
    throw err;
  });
  if (st.isDirectory()) return listAudioFolder(source, options);
  const ext = path.extname(source).toLowerCase();
  if (!MANIFEST_EXTENSIONS.includes(ext)) {
    throw new HeadstartError(
      'HS_DATASET_INVALID',
      `Cannot read dataset ${source}: expected a folder of .wav files, or a manifest ending in ${MANIFEST_EXTENSIONS.join(' or ')}. Received a file ending in '${ext}'.`,
    );
  }
  if (options.labelFrom !== undefined && options.labelFrom !== 'folder') {
    throw invalidOption(`labelFrom applies to folders; manifest ${source} names each file's label in its 'label' column.`);
  }
  const manifestOptions = { media: 'audio' as const, ...(options.onBadFile ? { onBadFile: options.onBadFile } : {}), ...(options.allowSingleClass !== undefined ? { allowSingleClass: options.allowSingleClass } : {}) };
  const listed = await readManifest(source, manifestOptions);
  return { ...listed, items: listed.items.map((i) => ({ ...i, groups: {} })) };
}
