import { promises as fs } from 'node:fs';
import path from 'node:path';
import { HeadstartError } from '../../core/index.js';
import { isImageFileName } from '../dataset-checks.js';
import { decodeText } from './decode-text.js';
import { parseCsv } from './delimited.js';
import type { DelimitedRecord } from './delimited.js';

/** What a dataset holds, as far as its layout on disk tells. */
export type DatasetKind = 'image' | 'text' | 'audio';

export interface DetectDatasetKindOptions {
  /** The text column a text table would have. @default 'text' */
  textColumn?: string;
}

/** Bytes read from a table to see its header and first row. */
const PEEK_BYTES = 64 * 1024;
/** Files looked at per class folder. */
const PEEK_FILES = 50;

function kindOfFileName(name: string): DatasetKind | undefined {
  const ext = path.extname(name).toLowerCase();
  if (isImageFileName(name)) return 'image';
  if (ext === '.txt') return 'text';
  if (ext === '.wav') return 'audio';
  return undefined;
}

/** A manifest row's path decides between image and audio; a text column (or none with a path) means text. */
function kindOfRecord(keys: string[], first: Record<string, string>, textColumn: string): DatasetKind {
  const lower = keys.map((k) => k.trim().toLowerCase());
  if (lower.includes(textColumn.toLowerCase())) return 'text';
  const pathKey = keys[lower.indexOf('path')];
  if (pathKey === undefined) return 'text';
  return kindOfFileName(first[pathKey] ?? '') === 'audio' ? 'audio' : 'image';
}

async function peek(file: string): Promise<string> {
  const handle = await fs.open(file, 'r');
  try {
    const buf = Buffer.alloc(PEEK_BYTES);
    const { bytesRead } = await handle.read(buf, 0, PEEK_BYTES, 0);
    return decodeText(buf.subarray(0, bytesRead), file).text;
  } finally {
    await handle.close();
  }
}

async function kindOfTable(file: string, ext: string, textColumn: string): Promise<DatasetKind> {
  const text = await peek(file);
  if (ext === '.jsonl') {
    const first = text.split('\n').find((l) => l.trim() !== '');
    let value: unknown;
    try {
      value = JSON.parse(first ?? '');
    } catch {
      return 'text'; // the text loader names the bad line
    }
    if (typeof value !== 'object' || value === null) return 'text';
    const record = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, String(v)]));
    return kindOfRecord(Object.keys(record), record, textColumn);
  }
  const records = parseCsv(text);
  const header: DelimitedRecord | undefined = records.next().value ?? undefined;
  const row: DelimitedRecord | undefined = records.next().value ?? undefined;
  if (!header || 'error' in header) return 'text';
  const fields = row && 'fields' in row ? row.fields : [];
  return kindOfRecord(header.fields, Object.fromEntries(header.fields.map((k, i) => [k, fields[i] ?? ''])), textColumn);
}

/**
 * Tells an image, text or audio dataset apart by its layout, before any loader runs:
 * - a folder: by the extensions of the files in its class sub-folders (the most common of image, .txt, .wav);
 * - .tsv and .txt files: text;
 * - .csv and .jsonl: text if the header (first object) has `textColumn`; else a `path` column makes it an image
 *   manifest, or an audio one when the first path ends in .wav; a table with neither is text (its loader then says
 *   which column is missing).
 *
 * @throws HeadstartError `HS_FILE_NOT_FOUND` if `source` does not exist; `HS_DATASET_INVALID` when nothing tells.
 */
export async function detectDatasetKind(source: string, options: DetectDatasetKindOptions = {}): Promise<DatasetKind> {
  const textColumn = options.textColumn ?? 'text';
  const st = await fs.stat(source).catch((err: unknown) => {
    throw new HeadstartError('HS_FILE_NOT_FOUND', `Dataset ${source} does not exist. Check the path.`, { cause: err });
  });
  if (!st.isDirectory()) {
    const ext = path.extname(source).toLowerCase();
    if (ext === '.tsv' || ext === '.txt') return 'text';
    if (ext === '.csv' || ext === '.jsonl') return kindOfTable(source, ext, textColumn);
    throw new HeadstartError(
      'HS_DATASET_INVALID',
      `Cannot tell what dataset ${source} holds: expected a folder with one sub-folder per class, or a .csv, .tsv, .jsonl or .txt file.`,
    );
  }
  const counts: Record<DatasetKind, number> = { image: 0, text: 0, audio: 0 };
  const top = await fs.readdir(source, { withFileTypes: true });
  for (const dir of top.filter((e) => e.isDirectory() && !e.name.startsWith('.'))) {
    const files = (await fs.readdir(path.join(source, dir.name))).filter((f) => !f.startsWith('.')).slice(0, PEEK_FILES);
    for (const f of files) {
      const kind = kindOfFileName(f);
      if (kind) counts[kind]++;
    }
  }
  const best = (Object.entries(counts) as [DatasetKind, number][]).sort((a, b) => b[1] - a[1])[0];
  if (!best || best[1] === 0) {
    throw new HeadstartError(
      'HS_DATASET_INVALID',
      `Cannot tell what dataset ${source} holds: its class sub-folders have no images, .txt or .wav files. Expected e.g. ${path.join(source, 'cats', '001.jpg')}.`,
    );
  }
  return best[0];
}
