import path from 'node:path';
import { invalidOption, writeFileAtomic } from '../core/index.js';
import type { ClassificationMetrics } from '../evaluate/index.js';
import { renderConfusionHeatmap } from './confusion-heatmap.js';
import { escapeHtml } from './escape.js';
import { renderLineChart, type LineSeries } from './line-chart.js';
import { checkReportInput, REPORT_INPUT_KEYS, type HistoryRecord, type ReportInput } from './report-input.js';

export type { HistoryRecord, ReportInput } from './report-input.js';

/** Result of {@link writeReport}: where the two files went. */
export interface WriteReportResult {
  htmlPath: string;
  jsonPath: string;
}

/** Above this many skipped files, the list starts collapsed. */
const SKIPPED_OPEN_LIMIT = 20;

const COLORS = { train: '#2563eb', val: '#ea580c' } as const;

const CSS = `
:root{--fg:#1f2937;--muted:#6b7280;--border:#e5e7eb;--panel:#f9fafb;--accent:#2563eb;--warn-bg:#fffbeb;--warn:#92400e}
*{box-sizing:border-box}
body{margin:0;background:#f3f4f6;color:var(--fg);line-height:1.45;
font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,"Noto Sans",sans-serif}
main{max-width:1100px;margin:0 auto;padding:28px 24px 48px}
h1{font-size:1.6rem;margin:0 0 4px;word-break:break-word}
h2{font-size:1.05rem;margin:0 0 12px}
.subtitle{color:var(--muted);margin:0 0 8px;font-size:.9rem}
section{background:#fff;border:1px solid var(--border);border-radius:8px;padding:18px 22px;margin:16px 0}
.cards{display:flex;flex-wrap:wrap;gap:12px}
.card{flex:1 1 150px;background:var(--panel);border:1px solid var(--border);border-radius:6px;padding:10px 14px}
.card .value{font-size:1.6rem;font-weight:600;font-variant-numeric:tabular-nums}
.card .label{color:var(--muted);font-size:.75rem;text-transform:uppercase;letter-spacing:.05em}
table{border-collapse:collapse;width:100%;font-size:.9rem}
th,td{padding:6px 10px;border-bottom:1px solid var(--border);text-align:left;vertical-align:top}
th{font-weight:600;color:var(--muted);font-size:.8rem;text-transform:uppercase;letter-spacing:.03em}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
td.bar{background:linear-gradient(90deg,#dbeafe var(--v),transparent var(--v))}
tr.absent td{color:var(--muted)}
table.facts th{width:30%;text-transform:none;letter-spacing:0;font-size:.9rem}
td.file{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.82rem;word-break:break-all}
.scroll{overflow-x:auto}
.charts{display:flex;flex-wrap:wrap;gap:20px}
figure{margin:0;flex:1 1 400px;max-width:560px;min-width:0}
figcaption{font-weight:600;font-size:.9rem;margin-bottom:4px}
svg{max-width:100%;height:auto;font-family:inherit}
svg text{font-size:12px;fill:var(--fg)}
svg .tick{fill:var(--muted);font-size:11px}
svg .axis{stroke:#9ca3af;stroke-width:1}
svg .grid{stroke:#eef0f3;stroke-width:1}
svg .axis-title{font-weight:600;fill:var(--muted)}
svg .muted{fill:var(--muted)}
svg .cell{fill:#111827;font-variant-numeric:tabular-nums}
svg .cell.dark{fill:#fff}
svg .cell.zero{fill:#cbd5e1}
svg.confusion{max-width:none}
.warnings{background:var(--warn-bg);border-color:#fcd34d}
.verdict{border-left:4px solid var(--accent)}
.verdict p{margin:4px 0}
.verdict.level-moderate{border-left-color:#ea580c}
.verdict.level-strong{border-left-color:#dc2626}
.warnings h2{color:var(--warn)}
.warnings li{margin:2px 0}
.note{color:var(--muted);font-size:.82rem;margin:8px 0 0}
summary{cursor:pointer;font-weight:600}
footer{color:var(--muted);font-size:.8rem;text-align:center;margin-top:24px}
`;

function formatFact(value: string | number): string {
  if (typeof value === 'string') return value;
  if (Number.isInteger(value) || !Number.isFinite(value)) return String(value);
  return String(Number(value.toPrecision(6)));
}

function percent(x: number): string {
  return `${(x * 100).toFixed(1)}%`;
}

function ratio(x: number): string {
  return x.toFixed(3);
}

/** " (95% CI 78.7%-97.2%)" when the metrics carry their Wilson interval. */
function intervalNote(metrics: ClassificationMetrics): string {
  const ci = (metrics as Partial<ClassificationMetrics>).accuracyInterval;
  return ci ? ` (95% CI ${percent(ci.low)}-${percent(ci.high)})` : '';
}

function renderSummary(metrics: ClassificationMetrics, classes: string[]): string {
  const correct = metrics.confusion.reduce((a, row, i) => a + (row[i] ?? 0), 0);
  const cards: [string, string, string][] = [
    ['Accuracy', `${percent(metrics.accuracy)}${intervalNote(metrics)}`, `${correct} of ${metrics.n} correct; the 95% Wilson interval says how far the figure can be trusted`],
    ['Macro-F1', ratio(metrics.macroF1), 'mean F1 over classes present'],
    ['Samples', String(metrics.n), 'evaluated'],
    ['Classes', String(classes.length), ''],
  ];
  const html = cards
    .map(
      ([label, value, title]) =>
        `<div class="card"${title ? ` title="${escapeHtml(title)}"` : ''}><div class="label">${escapeHtml(label)}</div>` +
        `<div class="value">${escapeHtml(value)}</div></div>`,
    )
    .join('');
  return `<section class="summary"><h2>Summary</h2><div class="cards">${html}</div></section>`;
}

export function renderWarnings(warnings: string[] | undefined): string {
  if (!warnings || warnings.length === 0) return '';
  const items = warnings.map((w) => `<li>${escapeHtml(w)}</li>`).join('');
  return `<section class="warnings"><h2>Warnings (${warnings.length})</h2><ul>${items}</ul></section>`;
}

export function renderFacts(facts: Record<string, string | number> | undefined): string {
  const entries = Object.entries(facts ?? {});
  if (entries.length === 0) return '';
  const rows = entries
    .map(([k, v]) => `<tr><th scope="row">${escapeHtml(k)}</th><td>${escapeHtml(formatFact(v))}</td></tr>`)
    .join('');
  return `<section><h2>Run</h2><table class="facts"><tbody>${rows}</tbody></table></section>`;
}

function renderPerClass(metrics: ClassificationMetrics): string {
  const cell = (x: number, bar = false): string =>
    `<td class="num${bar ? ' bar' : ''}"${bar ? ` style="--v:${(x * 100).toFixed(1)}%"` : ''}>${ratio(x)}</td>`;
  const rows = metrics.perClass
    .map(
      (c) =>
        `<tr${c.support === 0 ? ' class="absent"' : ''}><td>${escapeHtml(c.label)}</td>` +
        `${cell(c.precision)}${cell(c.recall)}${cell(c.f1, true)}<td class="num">${c.support}</td></tr>`,
    )
    .join('');
  const absent = metrics.perClass.filter((c) => c.support === 0).length;
  const note =
    '<p class="note">Precision is 0 for a class that was never predicted, recall is 0 for a class with no samples.' +
    (absent > 0 ? ` ${absent} class${absent > 1 ? 'es have' : ' has'} no samples here and ${absent > 1 ? 'are' : 'is'} left out of macro-F1.` : '') +
    '</p>';
  return (
    '<section><h2>Per-class metrics</h2><div class="scroll"><table class="per-class"><thead><tr><th>Class</th>' +
    '<th class="num">Precision</th><th class="num">Recall</th><th class="num">F1</th><th class="num">Support</th></tr>' +
    `</thead><tbody>${rows}</tbody></table></div>${note}</section>`
  );
}

function renderConfusion(metrics: ClassificationMetrics, classes: string[]): string {
  return (
    '<section><h2>Confusion matrix</h2>' +
    `<div class="scroll">${renderConfusionHeatmap(metrics.confusion, classes)}</div>` +
    '<p class="note">Rows are true classes, columns predicted classes. Shading is the share of the row: ' +
    'blue for correct predictions, red for errors.</p></section>'
  );
}

function series(history: HistoryRecord[], name: string, key: keyof HistoryRecord, color: string, dashed: boolean): LineSeries {
  const points = history
    .filter((h) => h[key] !== undefined)
    .map((h) => ({ x: h.epoch, y: h[key] as number }));
  return { name, color, dashed, points };
}

function hasFinite(s: LineSeries): boolean {
  return s.points.some((p) => Number.isFinite(p.y));
}

/** Loss and accuracy per epoch as SVG line charts in a <section>; empty for no history. */
export function renderTrainingCurves(history: HistoryRecord[] | undefined): string {
  if (!history || history.length === 0) return '';
  const sorted = [...history].sort((a, b) => a.epoch - b.epoch);
  const figures: string[] = [];
  const lossSeries = [
    series(sorted, 'loss', 'loss', COLORS.train, false),
    series(sorted, 'val loss', 'valLoss', COLORS.val, true),
  ].filter((s) => s.points.length > 0);
  figures.push(
    '<figure class="loss-curve"><figcaption>Loss</figcaption>' +
      renderLineChart({ title: 'Training and validation loss per epoch', xLabel: 'Epoch', yLabel: 'Loss', series: lossSeries }) +
      '</figure>',
  );
  const accSeries = [
    series(sorted, 'train accuracy', 'trainAccuracy', COLORS.train, false),
    series(sorted, 'val accuracy', 'valAccuracy', COLORS.val, true),
  ].filter(hasFinite);
  if (accSeries.length > 0) {
    figures.push(
      '<figure class="accuracy-curve"><figcaption>Accuracy</figcaption>' +
        renderLineChart({
          title: 'Training and validation accuracy per epoch',
          xLabel: 'Epoch',
          yLabel: 'Accuracy',
          series: accSeries,
          yClamp: [0, 1],
          yPercent: true,
        }) +
        '</figure>',
    );
  }
  const epochs = sorted.length === 1 ? '1 epoch' : `${sorted.length} epochs`;
  return `<section class="training"><h2>Training curves <span class="subtitle">(${epochs})</span></h2><div class="charts">${figures.join('')}</div></section>`;
}

/** One row per training phase: its epochs and where its curves ended, so phases can be told apart on the charts. */
function renderPhases(phases: ReportInput['phases'], history: HistoryRecord[] | undefined): string {
  if (!phases || phases.length === 0) return '';
  const num = (x: number | undefined, f: (v: number) => string) => (x === undefined || !Number.isFinite(x) ? '–' : f(x));
  const rows = phases
    .map((p) => {
      const inPhase = (history ?? []).filter((h) => h.epoch >= p.firstEpoch && h.epoch <= p.lastEpoch);
      const last = inPhase[inPhase.length - 1];
      const bestVal = Math.min(...inPhase.map((h) => h.valLoss ?? Infinity));
      const epochs = p.lastEpoch < p.firstEpoch ? 'none' : p.firstEpoch === p.lastEpoch ? String(p.firstEpoch) : `${p.firstEpoch}–${p.lastEpoch}`;
      return (
        `<tr><td>${escapeHtml(p.name)}</td><td class="num">${escapeHtml(epochs)}</td>` +
        `<td class="num">${num(last?.loss, ratio)}</td><td class="num">${num(last?.trainAccuracy, percent)}</td>` +
        `<td class="num">${num(Number.isFinite(bestVal) ? bestVal : undefined, ratio)}</td><td class="num">${num(last?.valAccuracy, percent)}</td></tr>`
      );
    })
    .join('');
  return (
    '<section class="phases"><h2>Training phases</h2><div class="scroll"><table><thead><tr><th>Phase</th><th class="num">Epochs</th>' +
    '<th class="num">Last loss</th><th class="num">Last train acc.</th><th class="num">Best val loss</th><th class="num">Last val acc.</th></tr>' +
    `</thead><tbody>${rows}</tbody></table></div></section>`
  );
}

export function renderSkipped(skipped: { file: string; reason: string }[] | undefined): string {
  if (!skipped || skipped.length === 0) return '';
  const rows = skipped
    .map((s) => `<tr><td class="file">${escapeHtml(s.file)}</td><td>${escapeHtml(s.reason)}</td></tr>`)
    .join('');
  const open = skipped.length <= SKIPPED_OPEN_LIMIT ? ' open' : '';
  const noun = skipped.length === 1 ? 'file' : 'files';
  return (
    `<section class="skipped"><details${open}><summary>Skipped ${noun} (${skipped.length})</summary>` +
    `<div class="scroll"><table><thead><tr><th>File</th><th>Reason</th></tr></thead><tbody>${rows}</tbody></table></div>` +
    '</details></section>'
  );
}

/**
 * Renders a self-contained HTML report: summary, warnings, run facts, per-class metrics, the confusion matrix as an
 * SVG heatmap, training curves (when `history` has at least one record) and the skipped files.
 *
 * The page has inline CSS and inline SVG only: no scripts, fonts, images or other external resources, so it can be
 * opened offline or attached to an issue. All text is escaped.
 *
 * @throws HeadstartError `HS_INVALID_OPTION` when the input is malformed (unknown keys, a confusion matrix that does
 *   not match `classes`, non-numeric history, ...).
 */
export function renderHtmlReport(input: ReportInput): string {
  checkReportInput(input);
  const { title, metrics, classes } = input;
  const body = [
    `<header><h1>${escapeHtml(title)}</h1><p class="subtitle">Classification report · ${classes.length} classes · ${metrics.n} samples</p></header>`,
    renderSummary(metrics, classes),
    renderWarnings(input.warnings),
    renderFacts(input.facts),
    renderPerClass(metrics),
    renderConfusion(metrics, classes),
    renderTrainingCurves(input.history),
    renderPhases(input.phases, input.history),
    renderSkipped(input.skipped),
  ].join('\n');
  return renderHtmlDocument(title, body);
}

/** The page around a report's sections: inline CSS, no scripts or external resources, and the footer. */
export function renderHtmlDocument(title: string, body: string): string {
  return (
    '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n' +
    '<meta name="viewport" content="width=device-width, initial-scale=1">\n' +
    `<title>${escapeHtml(title)}</title>\n<style>${CSS}</style>\n</head>\n<body>\n<main>\n${body}\n` +
    '<footer>Generated by headstart</footer>\n</main>\n</body>\n</html>\n'
  );
}

/**
 * Writes `report.html` and `metrics.json` into `dir` (created if missing), each atomically. `metrics.json` holds the
 * report input itself (title, classes, metrics, history, facts, skipped, warnings; absent fields omitted), so a report
 * can be re-rendered from it. Non-finite numbers (a NaN loss) become `null` in JSON.
 *
 * @throws HeadstartError `HS_INVALID_OPTION` when `dir` is empty or the input is malformed; nothing is written then.
 */
export async function writeReport(dir: string, input: ReportInput): Promise<WriteReportResult> {
  if (typeof dir !== 'string' || dir.length === 0) {
    throw invalidOption(`Expected dir to be a non-empty directory path. Received: ${JSON.stringify(dir)}.`);
  }
  const html = renderHtmlReport(input);
  const ordered: Record<string, unknown> = {};
  for (const key of REPORT_INPUT_KEYS) if (input[key] !== undefined) ordered[key] = input[key];
  const json = `${JSON.stringify(ordered, null, 2)}\n`;
  const jsonPath = path.join(dir, 'metrics.json');
  const htmlPath = path.join(dir, 'report.html');
  await writeFileAtomic(jsonPath, json);
  await writeFileAtomic(htmlPath, html);
  return { htmlPath, jsonPath };
}
