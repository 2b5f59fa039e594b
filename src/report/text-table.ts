import { invalidChoice, invalidOption, rejectUnknownKeys } from '../core/index.js';
import type { ClassificationMetrics } from '../evaluate/index.js';
import { checkMetrics } from './report-input.js';

export type ColumnAlign = 'left' | 'right';

export interface FormatTableOptions {
  /** Column titles, printed above a rule. @default undefined (no header) */
  header?: string[];
  /**
   * Alignment per column; columns beyond the list use the default.
   * @default 'right' for columns whose body cells are all numbers or numeric strings ("0.912", "87.5%"), else 'left'
   */
  align?: ColumnAlign[];
}

const FORMAT_TABLE_KEYS = ['header', 'align'] as const;
const ALIGNS: readonly ColumnAlign[] = ['left', 'right'];
const COLUMN_GAP = '  ';
/** Class names longer than this are replaced by `#id` in confusion-matrix column headers. */
const CONFUSION_LABEL_MAX = 10;
const NUMERIC = /^[+-]?(\d[\d,]*\.?\d*|\.\d+)(e[+-]?\d+)?%?$/i;

function cellText(value: string | number): string {
  return String(value).replace(/\s*[\r\n]+\s*/g, ' ');
}

function isNumericCell(value: string | number | undefined): boolean {
  if (value === undefined || value === '') return true;
  return typeof value === 'number' || NUMERIC.test(value.trim());
}

/**
 * Lays rows out as a monospace table for the terminal: columns padded to their widest cell, separated by two
 * spaces, with an optional header and rule. Numbers are printed with `String()`, so format them first. Ragged rows
 * are padded with empty cells; lines carry no trailing spaces.
 *
 * @example
 * formatTable([['cat', '0.91'], ['dog', '0.8']], { header: ['class', 'f1'] });
 * // class    f1
 * // -----  ----
 * // cat    0.91
 * // dog     0.8
 */
export function formatTable(rows: (string | number)[][], options: FormatTableOptions = {}): string {
  if (!Array.isArray(rows) || !rows.every(Array.isArray)) {
    throw invalidOption('Expected rows to be an array of rows, each an array of strings or numbers.');
  }
  rejectUnknownKeys('formatTable', options, FORMAT_TABLE_KEYS);
  const { header, align = [] } = options;
  if (header !== undefined && !Array.isArray(header)) {
    throw invalidOption(`Expected header to be an array of column titles. Received: ${typeof header}.`);
  }
  align.forEach((a, i) => {
    if (!ALIGNS.includes(a)) throw invalidChoice(`align[${i}]`, a, ALIGNS);
  });
  const columns = Math.max(header?.length ?? 0, ...rows.map((r) => r.length));
  if (align.length > columns) {
    throw invalidOption(`align has ${align.length} entries but the table has only ${columns} columns.`);
  }
  if (columns === 0) return '';

  const resolvedAlign: ColumnAlign[] = [];
  for (let c = 0; c < columns; c++) {
    resolvedAlign.push(align[c] ?? (rows.length > 0 && rows.every((r) => isNumericCell(r[c])) ? 'right' : 'left'));
  }
  const body = rows.map((r) => Array.from({ length: columns }, (_, c) => (r[c] === undefined ? '' : cellText(r[c]))));
  const head = header ? Array.from({ length: columns }, (_, c) => cellText(header[c] ?? '')) : undefined;
  const widths = Array.from({ length: columns }, (_, c) =>
    Math.max(head ? (head[c] as string).length : 0, ...body.map((r) => (r[c] as string).length)),
  );
  const line = (cells: string[]): string =>
    cells
      .map((cell, c) => (resolvedAlign[c] === 'right' ? cell.padStart(widths[c] as number) : cell.padEnd(widths[c] as number)))
      .join(COLUMN_GAP)
      .trimEnd();

  const lines: string[] = [];
  if (head) {
    lines.push(line(head));
    lines.push(widths.map((w) => '-'.repeat(w)).join(COLUMN_GAP));
  }
  for (const r of body) lines.push(line(r));
  return lines.join('\n');
}

/**
 * A plain-text summary of classification metrics for the terminal: an accuracy / macro-F1 line, the per-class
 * precision/recall/F1/support table and the confusion matrix (rows true, columns predicted). Long class names are
 * shown as `#id` in the matrix's column headers.
 *
 * @throws HeadstartError `HS_INVALID_OPTION` when the metrics do not match `classes`.
 */
/** "; 95% CI 78.7-97.2%" when the metrics carry their interval (metrics.json written before intervals do not). */
function intervalText(metrics: ClassificationMetrics): string {
  const ci = (metrics as Partial<ClassificationMetrics>).accuracyInterval;
  return ci ? `; 95% CI ${(ci.low * 100).toFixed(1)}-${(ci.high * 100).toFixed(1)}%` : '';
}

export function formatMetricsSummary(metrics: ClassificationMetrics, classes: string[]): string {
  checkMetrics(metrics, classes);
  const correct = metrics.confusion.reduce((a, row, i) => a + (row[i] ?? 0), 0);
  const headline =
    `Accuracy ${(metrics.accuracy * 100).toFixed(1)}% (${correct}/${metrics.n}${intervalText(metrics)})` +
    `   Macro-F1 ${metrics.macroF1.toFixed(3)}   Classes ${classes.length}`;

  const perClass = formatTable(
    metrics.perClass.map((c, i) => [
      classes[i] as string,
      c.precision.toFixed(3),
      c.recall.toFixed(3),
      c.f1.toFixed(3),
      c.support,
    ]),
    { header: ['class', 'precision', 'recall', 'f1', 'support'], align: ['left', 'right', 'right', 'right', 'right'] },
  );

  const short = classes.every((c) => c.length <= CONFUSION_LABEL_MAX);
  const colHeads = classes.map((c, i) => (short ? c : `#${i}`));
  const confusion = formatTable(
    metrics.confusion.map((row, i) => [short ? (classes[i] as string) : `#${i} ${classes[i] as string}`, ...row]),
    { header: ['true \\ pred', ...colHeads], align: ['left', ...classes.map((): ColumnAlign => 'right')] },
  );
  return `${headline}\n\n${perClass}\n\nConfusion matrix (rows = true class, columns = predicted)\n${confusion}`;
}
