import path from 'node:path';
import { invalidOption, writeFileAtomic } from '../core/index.js';
import { renderBarChart } from './bar-chart.js';
import type { BarChartSpec } from './bar-chart.js';
import { escapeHtml } from './escape.js';
import { renderLineChart } from './line-chart.js';
import type { LineChartSpec } from './line-chart.js';
import { renderFacts, renderHtmlDocument, renderSkipped, renderWarnings } from './html-report.js';

export type { Bar, BarChartSpec } from './bar-chart.js';

/** A table of a diagnostics report; `null` cells show as "—" (not applicable). */
export interface ReportTable {
  title: string;
  header: string[];
  rows: (string | number | null)[][];
  note?: string;
}

/** A row of charts (bar charts, or line charts: those have `series`) under one heading. */
export interface ReportCharts {
  title: string;
  charts: (BarChartSpec | LineChartSpec)[];
  note?: string;
}

/**
 * A report of diagnostics that are not one classifier's metrics (backbone ranking, domain shift): verdict lines
 * first, then tables, bar charts and the run's facts.
 */
export interface DiagnosticsReportInput {
  title: string;
  subtitle?: string;
  /** Plain-language findings, shown first. */
  verdict?: string[];
  /** Colours the verdict's margin: 'strong' red, 'moderate' orange, anything else blue. */
  verdictLevel?: string;
  tables?: ReportTable[];
  charts?: ReportCharts[];
  facts?: Record<string, string | number>;
  skipped?: { file: string; reason: string }[];
  warnings?: string[];
}

function cellHtml(value: string | number | null): string {
  if (value === null) return '<td class="num muted" title="not applicable">—</td>';
  return typeof value === 'number' ? `<td class="num">${escapeHtml(String(value))}</td>` : `<td>${escapeHtml(value)}</td>`;
}

function renderTable(table: ReportTable): string {
  const head = table.header.map((h) => `<th>${escapeHtml(h)}</th>`).join('');
  const rows = table.rows.map((r) => `<tr>${r.map(cellHtml).join('')}</tr>`).join('');
  const note = table.note ? `<p class="note">${escapeHtml(table.note)}</p>` : '';
  return `<section><h2>${escapeHtml(table.title)}</h2><div class="scroll"><table><thead><tr>${head}</tr></thead><tbody>${rows}</tbody></table></div>${note}</section>`;
}

function renderCharts(group: ReportCharts): string {
  const figures = group.charts
    .map((c) => `<figure><figcaption>${escapeHtml(c.title)}</figcaption>${'series' in c ? renderLineChart(c) : renderBarChart(c)}</figure>`)
    .join('');
  const note = group.note ? `<p class="note">${escapeHtml(group.note)}</p>` : '';
  return `<section><h2>${escapeHtml(group.title)}</h2><div class="charts">${figures}</div>${note}</section>`;
}

/** Renders a self-contained HTML page (inline CSS and SVG, no scripts or external resources); all text is escaped. */
export function renderDiagnosticsReport(input: DiagnosticsReportInput): string {
  if (typeof input.title !== 'string' || input.title === '') throw invalidOption('Expected the report title to be a non-empty string.');
  const verdict =
    input.verdict && input.verdict.length > 0
      ? `<section class="verdict level-${escapeHtml(input.verdictLevel ?? 'info')}"><h2>Verdict</h2>${input.verdict.map((l) => `<p>${escapeHtml(l)}</p>`).join('')}</section>`
      : '';
  const body = [
    `<header><h1>${escapeHtml(input.title)}</h1>${input.subtitle ? `<p class="subtitle">${escapeHtml(input.subtitle)}</p>` : ''}</header>`,
    verdict,
    renderWarnings(input.warnings),
    ...(input.tables ?? []).map(renderTable),
    ...(input.charts ?? []).map(renderCharts),
    renderFacts(input.facts),
    renderSkipped(input.skipped),
  ].join('\n');
  return renderHtmlDocument(input.title, body);
}

/**
 * Writes `report.html` (from `report`) and `results.json` (`results`, verbatim) into `dir`, each atomically.
 * Non-finite numbers become `null` in JSON.
 */
export async function writeDiagnosticsReport(dir: string, report: DiagnosticsReportInput, results: unknown): Promise<{ htmlPath: string; jsonPath: string }> {
  const html = renderDiagnosticsReport(report);
  const htmlPath = path.join(dir, 'report.html');
  const jsonPath = path.join(dir, 'results.json');
  await writeFileAtomic(jsonPath, `${JSON.stringify(results, null, 2)}\n`);
  await writeFileAtomic(htmlPath, html);
  return { htmlPath, jsonPath };
}
