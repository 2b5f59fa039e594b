import { promises as fs } from 'node:fs';
import path from 'node:path';
import { HeadstartError, invalidChoice, readInputText, rejectUnknownKeys, writeFileAtomic } from '../core/index.js';
import { AUDIO_EXTENSIONS, IMAGE_EXTENSIONS, checkDatasetClasses, unsupportedExtensionReason } from './dataset-checks.js';
import type { BadFilePolicy, ImageDataset, LabeledItem, SkippedFile } from './types.js';

export interface ReadManifestOptions {
  /**
   * What to do with a listed file that does not exist or is not an image by its extension: 'skip' records it in
   * `skipped` (reason 'missing' for a missing file), 'error' throws (`HS_FILE_NOT_FOUND` for a missing file,
   * `HS_IMAGE_UNREADABLE` for a non-image). @default 'skip'
   */
  onBadFile?: BadFilePolicy;
  /**
   * Accept a manifest with a single label. Training needs two classes; evaluation or prediction data may have one.
   * @default false
   */
  allowSingleClass?: boolean;
  /**
   * What the listed files are: 'image' accepts image extensions, 'audio' WAV files (a non-audio file is then
   * `HS_AUDIO_UNREADABLE` under 'error'). @default 'image'
   */
  media?: 'image' | 'audio';
}

const DEFAULTS: Required<ReadManifestOptions> = { onBadFile: 'skip', allowSingleClass: false, media: 'image' };
const MEDIA_CHOICES = ['image', 'audio'] as const;
const KNOWN_KEYS = Object.keys(DEFAULTS);

/** Manifest formats, by file extension (compared case-insensitively). */
export const MANIFEST_EXTENSIONS: readonly string[] = ['.csv', '.jsonl'];

interface ManifestRow {
  line: number;
  path: string;
  label: string;
}

function badLine(file: string, line: number, message: string): HeadstartError {
  return new HeadstartError('HS_DATASET_INVALID', `${file} line ${line}: ${message}`);
}

/** Splits one CSV line. Fields may be wrapped in double quotes, with "" for a quote inside; returns a string on error. */
function splitCsvLine(text: string): string[] | string {
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    while (text[i] === ' ' || text[i] === '\t') i++;
    if (text[i] === '"') {
      let value = '';
      i++;
      for (;;) {
        if (i >= text.length) return 'unterminated double quote';
        const ch = text[i] as string;
        if (ch === '"') {
          if (text[i + 1] === '"') {
            value += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        value += ch;
        i++;
      }
      while (text[i] === ' ' || text[i] === '\t') i++;
      fields.push(value);
      if (i >= text.length) return fields;
      if (text[i] !== ',') return `unexpected text after a closing quote at column ${i + 1}`;
      i++;
    } else {
      const end = text.indexOf(',', i);
      const raw = end === -1 ? text.slice(i) : text.slice(i, end);
      if (raw.includes('"')) return `stray double quote in field '${raw.trim()}'; wrap the whole field in quotes`;
      fields.push(raw.trim());
      if (end === -1) return fields;
      i = end + 1;
    }
  }
}

function parseCsv(file: string, text: string): ManifestRow[] {
  const lines = text.split(/\r?\n/);
  const headerIndex = lines.findIndex((l) => l.trim() !== '');
  if (headerIndex === -1) return [];
  const header = splitCsvLine(lines[headerIndex] as string);
  if (typeof header === 'string') throw badLine(file, headerIndex + 1, `${header}.`);
  const names = header.map((h) => h.toLowerCase());
  const pathCol = names.indexOf('path');
  const labelCol = names.indexOf('label');
  if (pathCol === -1 || labelCol === -1) {
    throw badLine(
      file,
      headerIndex + 1,
      `the header row must name a 'path' and a 'label' column; found: ${header.join(', ')}. Add the header 'path,label'.`,
    );
  }
  const rows: ManifestRow[] = [];
  for (let i = headerIndex + 1; i < lines.length; i++) {
    const raw = lines[i] as string;
    if (raw.trim() === '') continue;
    const line = i + 1;
    const fields = splitCsvLine(raw);
    if (typeof fields === 'string') throw badLine(file, line, `${fields}.`);
    if (fields.length !== header.length) {
      throw badLine(
        file,
        line,
        `expected ${header.length} fields (${header.join(',')}), found ${fields.length}. Quote fields that contain commas.`,
      );
    }
    const p = fields[pathCol] as string;
    const label = fields[labelCol] as string;
    if (p === '') throw badLine(file, line, 'the path is empty.');
    if (label === '') throw badLine(file, line, `the label of ${p} is empty.`);
    rows.push({ line, path: p, label });
  }
  return rows;
}

function parseJsonl(file: string, text: string): ManifestRow[] {
  const rows: ManifestRow[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const raw = (lines[i] as string).trim();
    if (raw === '') continue;
    const line = i + 1;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (err) {
      throw new HeadstartError('HS_DATASET_INVALID', `${file} line ${line}: not valid JSON (${(err as Error).message}).`, {
        cause: err,
      });
    }
    const record = typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
    const p = record?.['path'];
    const label = record?.['label'];
    if (typeof p !== 'string' || p === '' || typeof label !== 'string' || label === '') {
      const shown = raw.length > 80 ? `${raw.slice(0, 77)}...` : raw;
      throw badLine(file, line, `expected {"path": "<file>", "label": "<class>"} with non-empty strings. Received: ${shown}`);
    }
    rows.push({ line, path: p, label });
  }
  return rows;
}

async function isFile(p: string): Promise<boolean> {
  const st = await fs.stat(p).catch(() => undefined);
  return st?.isFile() ?? false;
}

/**
 * Reads a labelled manifest: a .csv file with a header row naming `path` and `label` columns (other columns are
 * ignored; fields may be double-quoted), or a .jsonl file with one `{"path": ..., "label": ...}` object per line.
 * Blank lines are ignored. Relative paths are resolved against the manifest's folder; item paths are absolute.
 * Class names are the distinct labels, sorted. Nothing is decoded.
 *
 * @throws HeadstartError `HS_FILE_NOT_FOUND` if the manifest (or, with `onBadFile: 'error'`, a listed file) does not
 *   exist; `HS_DATASET_INVALID` for a malformed line (the message names the file and line number), a class whose
 *   files are all missing, or a single class without `allowSingleClass`; `HS_DATASET_EMPTY` for a manifest without
 *   rows; `HS_INVALID_OPTION` for an extension other than .csv or .jsonl.
 */
export async function readManifest(file: string, options: ReadManifestOptions = {}): Promise<ImageDataset> {
  rejectUnknownKeys('readManifest', options, KNOWN_KEYS);
  const o: Required<ReadManifestOptions> = { ...DEFAULTS, ...options };
  if (o.onBadFile !== 'skip' && o.onBadFile !== 'error') throw invalidChoice('onBadFile', o.onBadFile, ['skip', 'error']);
  if (!MEDIA_CHOICES.includes(o.media)) throw invalidChoice('media', o.media, MEDIA_CHOICES);
  const extensions = o.media === 'audio' ? AUDIO_EXTENSIONS : IMAGE_EXTENSIONS;
  const ext = path.extname(file).toLowerCase();
  if (!MANIFEST_EXTENSIONS.includes(ext)) {
    throw invalidChoice(`the extension of manifest ${file}`, ext, MANIFEST_EXTENSIONS);
  }
  const source = path.resolve(file);
  let text = await readInputText(source);
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const rows = ext === '.csv' ? parseCsv(file, text) : parseJsonl(file, text);
  if (rows.length === 0) {
    throw new HeadstartError(
      'HS_DATASET_EMPTY',
      `Manifest ${file} lists no files. Add one line per image (${ext === '.csv' ? "after a 'path,label' header" : '{"path": ..., "label": ...}'}).`,
    );
  }

  const base = path.dirname(source);
  const resolved = rows.map((r) => ({ ...r, file: path.resolve(base, r.path) }));
  const exists: boolean[] = [];
  const batch = 64;
  for (let i = 0; i < resolved.length; i += batch) {
    exists.push(...(await Promise.all(resolved.slice(i, i + batch).map((r) => isFile(r.file)))));
  }

  const items: LabeledItem[] = [];
  const skipped: SkippedFile[] = [];
  resolved.forEach((r, i) => {
    if (!extensions.includes(path.extname(r.file).toLowerCase())) {
      const reason = unsupportedExtensionReason(r.file, extensions);
      if (o.onBadFile === 'error') {
        throw new HeadstartError(
          o.media === 'audio' ? 'HS_AUDIO_UNREADABLE' : 'HS_IMAGE_UNREADABLE',
          `${file} line ${r.line} lists ${r.file}: ${reason}. Remove the line, or pass --on-bad-file skip.`,
        );
      }
      skipped.push({ file: r.file, reason });
      return;
    }
    if (!exists[i]) {
      if (o.onBadFile === 'error') {
        throw new HeadstartError(
          'HS_FILE_NOT_FOUND',
          `${file} line ${r.line} lists ${r.file}, which does not exist. Fix the path, or pass --on-bad-file skip.`,
        );
      }
      skipped.push({ file: r.file, reason: 'missing' });
      return;
    }
    items.push({ path: r.file, label: r.label });
  });

  const classes = [...new Set(rows.map((r) => r.label))].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const dataset: ImageDataset = { source, classes, items, skipped };
  checkDatasetClasses(dataset, source, o.allowSingleClass, o.media === 'audio' ? 'audio files' : 'images');
  return dataset;
}

/** Writes items as a JSONL manifest (one `{"path", "label"}` per line) that readManifest reads back; atomic. */
export async function writeManifest(file: string, items: readonly LabeledItem[]): Promise<string> {
  await writeFileAtomic(file, `${items.map((i) => JSON.stringify({ path: i.path, label: i.label })).join('\n')}\n`);
  return file;
}
