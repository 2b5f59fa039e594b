import { promises as fs } from 'node:fs';
import path from 'node:path';
import { HeadstartError, invalidChoice, invalidOption, readInputFile, rejectUnknownKeys } from '../../core/index.js';
import type { BadFilePolicy } from '../types.js';
import { decodeText } from './decode-text.js';
import type { TextEncoding } from './decode-text.js';
import { parseCsv, parseTsv } from './delimited.js';
import type { DelimitedRecord } from './delimited.js';

/** One labelled text: a row of a table, a line of a labelled-lines file, or a whole .txt file in a class folder. */
export interface TextItem {
  text: string;
  /** Class name. */
  label: string;
  /** The file it came from (absolute). */
  file: string;
  /** 1-based line the row starts on (1 for a whole file). */
  line: number;
}

/** A row (or file) that was passed over, where it is, and why. */
export interface BadRow {
  file: string;
  /** 1-based line; absent when the whole file was passed over. */
  line?: number;
  reason: string;
}

/**
 * How a text dataset is laid out on disk.
 * - 'csv': comma-separated with a header row, RFC 4180 quoting;
 * - 'tsv': TAB-separated with a header row, no quoting;
 * - 'jsonl': one JSON object per line;
 * - 'labelled-lines': a .txt file with `text<TAB>label` on each line and no header (the UCI sentiment files);
 * - 'folder': one sub-folder per class, one .txt file per item.
 */
export type TextFormat = 'csv' | 'tsv' | 'jsonl' | 'labelled-lines' | 'folder';
export const TEXT_FORMATS: readonly TextFormat[] = ['csv', 'tsv', 'jsonl', 'labelled-lines', 'folder'];

/** A labelled text dataset, read into memory. */
export interface TextDataset {
  /** The file or folder it came from (absolute). */
  source: string;
  format: TextFormat;
  /** Class names, sorted by code point; a label's index in this list is its class id. */
  classes: string[];
  items: TextItem[];
  /** Rows passed over (malformed, empty text or label), with their line numbers. */
  badRows: BadRow[];
  /** Encoding of each file read, by file. */
  encodings: Record<string, TextEncoding>;
  /** Encoding guesses and fallbacks; nothing here means every file had a BOM or was valid UTF-8. */
  warnings: string[];
}

export interface LoadTextDatasetOptions {
  /** Column (csv, tsv) or key (jsonl) holding the text. @default 'text' */
  textColumn?: string;
  /** Column (csv, tsv) or key (jsonl) holding the label. @default 'label' */
  labelColumn?: string;
  /** 'skip' records a malformed row in `badRows`; 'error' throws on the first one, naming its line. @default 'skip' */
  onBadRow?: BadFilePolicy;
  /** Layout of `source`. @default by extension: .csv, .tsv, .jsonl, .txt ('labelled-lines'), or a folder */
  format?: TextFormat;
  /** Accept a dataset with a single class (evaluation or prediction data). @default false */
  allowSingleClass?: boolean;
}

const DEFAULTS: Required<Omit<LoadTextDatasetOptions, 'format'>> = { textColumn: 'text', labelColumn: 'label', onBadRow: 'skip', allowSingleClass: false };
const KNOWN_KEYS = [...Object.keys(DEFAULTS), 'format'];

/** Extension of a file dataset, with the format it is read as. */
const FORMAT_OF_EXTENSION: Record<string, TextFormat> = { '.csv': 'csv', '.tsv': 'tsv', '.jsonl': 'jsonl', '.txt': 'labelled-lines' };

type Resolved = Required<Omit<LoadTextDatasetOptions, 'format'>>;

/** Collects rows and bad rows while a file is read; `bad` throws under onBadRow 'error'. */
class RowCollector {
  readonly items: TextItem[] = [];
  readonly badRows: BadRow[] = [];
  constructor(private readonly policy: BadFilePolicy) {}

  bad(file: string, line: number | undefined, reason: string): void {
    if (this.policy === 'error') {
      const where = line === undefined ? file : `${file} line ${line}`;
      throw new HeadstartError('HS_DATASET_INVALID', `${where}: ${reason}. Fix it, or pass onBadRow: 'skip' to leave it out.`);
    }
    this.badRows.push(line === undefined ? { file, reason } : { file, line, reason });
  }

  /** Adds a row after trimming; an empty text or label makes it a bad row. */
  add(file: string, line: number, text: string, label: string): void {
    const t = text.trim();
    const l = label.trim();
    if (t === '') return this.bad(file, line, 'the text is empty');
    if (l === '') return this.bad(file, line, 'the label is empty');
    this.items.push({ text: t, label: l, file, line });
  }
}

function byCodePoint(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Reads and decodes one file, recording its encoding and any warning. */
async function readText(file: string, encodings: Record<string, TextEncoding>, warnings: string[]): Promise<string> {
  const decoded = decodeText(await readInputFile(file, 'text'), file);
  encodings[file] = decoded.encoding;
  if (decoded.warning) warnings.push(decoded.warning);
  return decoded.text;
}

/** Finds a header column by exact name, then ignoring case; a missing one names the option that sets it. */
function columnIndex(header: string[], name: string, option: string, file: string, line: number): number {
  const names = header.map((h) => h.trim());
  let i = names.indexOf(name);
  if (i === -1) i = names.findIndex((h) => h.toLowerCase() === name.toLowerCase());
  if (i === -1) {
    throw new HeadstartError(
      'HS_DATASET_INVALID',
      `${file} line ${line}: no '${name}' column in the header (found: ${names.join(', ')}). Name the column with ${option}.`,
    );
  }
  return i;
}

function readTable(file: string, records: Iterable<DelimitedRecord>, o: Resolved, rows: RowCollector): void {
  let header: string[] | undefined;
  let textCol = -1;
  let labelCol = -1;
  for (const record of records) {
    if ('error' in record) {
      if (!header) throw new HeadstartError('HS_DATASET_INVALID', `${file} line ${record.line}: cannot read the header row: ${record.error}.`);
      rows.bad(file, record.line, record.error);
      continue;
    }
    if (!header) {
      header = record.fields;
      textCol = columnIndex(header, o.textColumn, 'textColumn (--text-column)', file, record.line);
      labelCol = columnIndex(header, o.labelColumn, 'labelColumn (--label-column)', file, record.line);
      continue;
    }
    if (record.fields.length !== header.length) {
      rows.bad(file, record.line, `expected ${header.length} fields (${header.join(', ')}), found ${record.fields.length}`);
      continue;
    }
    rows.add(file, record.line, record.fields[textCol] as string, record.fields[labelCol] as string);
  }
}

function readJsonl(file: string, text: string, o: Resolved, rows: RowCollector): void {
  const lines = text.split('\n');
  lines.forEach((raw, k) => {
    const line = k + 1;
    const trimmed = raw.trim();
    if (trimmed === '') return;
    let value: unknown;
    try {
      value = JSON.parse(trimmed);
    } catch (err) {
      return rows.bad(file, line, `not valid JSON (${(err as Error).message})`);
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return rows.bad(file, line, 'not a JSON object');
    const record = value as Record<string, unknown>;
    const t = record[o.textColumn];
    const l = record[o.labelColumn];
    if (typeof t !== 'string') return rows.bad(file, line, `"${o.textColumn}" is ${t === undefined ? 'missing' : `not a string (${JSON.stringify(t)})`}`);
    if (typeof l !== 'string' && typeof l !== 'number' && typeof l !== 'boolean') {
      return rows.bad(file, line, `"${o.labelColumn}" is ${l === undefined ? 'missing' : `not a string or number (${JSON.stringify(l)})`}`);
    }
    rows.add(file, line, t, String(l));
  });
}

/**
 * `text<TAB>label` per line, split on the line's last TAB, with no quoting (the UCI sentiment files hold unbalanced
 * quotes, which a CSV reader would merge across lines). Lines split on '\n' only: U+0085 inside a sentence is text.
 */
function readLabelledLines(file: string, text: string, rows: RowCollector): void {
  const lines = text.split('\n');
  lines.forEach((raw, k) => {
    const content = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (content.trim() === '') return;
    const tab = content.lastIndexOf('\t');
    if (tab === -1) return rows.bad(file, k + 1, 'no TAB between the text and the label');
    rows.add(file, k + 1, content.slice(0, tab), content.slice(tab + 1));
  });
}

async function readClassFolders(root: string, rows: RowCollector, encodings: Record<string, TextEncoding>, warnings: string[]): Promise<void> {
  const entries = (await fs.readdir(root, { withFileTypes: true })).filter((e) => !e.name.startsWith('.')).sort((a, b) => byCodePoint(a.name, b.name));
  const classDirs = entries.filter((e) => e.isDirectory());
  if (classDirs.length === 0) {
    throw new HeadstartError('HS_DATASET_EMPTY', `No class folders in ${root}. Expected one sub-folder per class, e.g. ${path.join(root, 'positive', '001.txt')}.`);
  }
  for (const dir of classDirs) {
    const classDir = path.join(root, dir.name);
    const files = (await fs.readdir(classDir, { withFileTypes: true })).filter((e) => !e.name.startsWith('.')).sort((a, b) => byCodePoint(a.name, b.name));
    for (const f of files) {
      const file = path.join(classDir, f.name);
      if (!f.isFile() || path.extname(f.name).toLowerCase() !== '.txt') {
        rows.bad(file, undefined, f.isFile() ? 'not a .txt file' : 'not a regular file');
        continue;
      }
      const text = await readText(file, encodings, warnings);
      if (text.trim() === '') rows.bad(file, undefined, 'the file is empty');
      else rows.add(file, 1, text, dir.name);
    }
  }
}

/**
 * Reads a labelled text dataset: a .csv (RFC 4180 quoting) or .tsv (no quoting) table with a header row, a .jsonl
 * file, a .txt file of `text<TAB>label` lines, or a folder with one sub-folder of .txt files per class. Texts and
 * labels are trimmed; blank lines are ignored; malformed rows are reported in `badRows` with their line numbers.
 * Each file's encoding comes from its byte-order mark, else UTF-8, else Windows-1252 with a warning.
 *
 * @example
 * const ds = await loadTextDataset('reviews.csv', { textColumn: 'review', labelColumn: 'stars' });
 * @throws HeadstartError `HS_FILE_NOT_FOUND` if `source` does not exist; `HS_DATASET_INVALID` for a header without
 *   the text or label column, a bad row under onBadRow 'error', or a single class; `HS_DATASET_EMPTY` with no rows;
 *   `HS_INVALID_OPTION` for an unknown option, format or extension.
 */
export async function loadTextDataset(source: string, options: LoadTextDatasetOptions = {}): Promise<TextDataset> {
  rejectUnknownKeys('loadTextDataset', options, KNOWN_KEYS);
  const o: Resolved = { ...DEFAULTS, ...options };
  if (o.onBadRow !== 'skip' && o.onBadRow !== 'error') throw invalidChoice('onBadRow', o.onBadRow, ['skip', 'error']);
  for (const key of ['textColumn', 'labelColumn'] as const) {
    if (typeof o[key] !== 'string' || o[key] === '') throw invalidOption(`Expected ${key} to be a non-empty string. Received: ${JSON.stringify(o[key])}.`);
  }
  if (options.format !== undefined && !TEXT_FORMATS.includes(options.format)) throw invalidChoice('format', options.format, TEXT_FORMATS);
  const root = path.resolve(source);
  const st = await fs.stat(root).catch((err: NodeJS.ErrnoException) => {
    throw new HeadstartError('HS_FILE_NOT_FOUND', `Text dataset ${source} does not exist. Check the path.`, { cause: err });
  });
  const format = options.format ?? (st.isDirectory() ? 'folder' : FORMAT_OF_EXTENSION[path.extname(root).toLowerCase()]);
  if (format === undefined) {
    throw invalidChoice(`the extension of text dataset ${source} (or pass format)`, path.extname(root), Object.keys(FORMAT_OF_EXTENSION));
  }
  if ((format === 'folder') !== st.isDirectory()) {
    throw invalidOption(`format '${format}' needs ${format === 'folder' ? 'a folder' : 'a file'}, but ${source} is ${st.isDirectory() ? 'a folder' : 'a file'}.`);
  }

  const rows = new RowCollector(o.onBadRow);
  const encodings: Record<string, TextEncoding> = {};
  const warnings: string[] = [];
  if (format === 'folder') {
    await readClassFolders(root, rows, encodings, warnings);
  } else {
    const text = await readText(root, encodings, warnings);
    if (format === 'csv') readTable(root, parseCsv(text), o, rows);
    else if (format === 'tsv') readTable(root, parseTsv(text), o, rows);
    else if (format === 'jsonl') readJsonl(root, text, o, rows);
    else readLabelledLines(root, text, rows);
  }

  if (rows.items.length === 0) {
    const bad = rows.badRows.length > 0 ? ` (${rows.badRows.length} bad row(s), the first: ${rows.badRows[0]?.reason})` : '';
    throw new HeadstartError('HS_DATASET_EMPTY', `Text dataset ${source} has no usable rows${bad}.`);
  }
  const classes = [...new Set(rows.items.map((item) => item.label))].sort(byCodePoint);
  if (classes.length === 1 && !o.allowSingleClass) {
    throw new HeadstartError(
      'HS_DATASET_INVALID',
      `${source} has only one class ('${classes[0] ?? ''}'); training needs at least two. Check labelColumn, or set allowSingleClass for evaluation or prediction data.`,
    );
  }
  return { source: root, format, classes, items: rows.items, badRows: rows.badRows, encodings, warnings };
}
