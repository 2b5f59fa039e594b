import { escapeHtml } from './escape.js';
import { niceScale } from './line-chart.js';

/** One bar; a `null` value is drawn as "n/a" without a bar (a score that does not apply). */
export interface Bar {
  label: string;
  value: number | null;
  /** Drawn in the accent colour, the others in grey. */
  highlight?: boolean;
}

export interface BarChartSpec {
  /** Accessible name of the chart (`aria-label`). */
  title: string;
  /** Axis title under the bars. */
  valueLabel: string;
  bars: Bar[];
  /** Tick and value labels as percentages (0.25 becomes 25%). */
  percent?: boolean;
}

const WIDTH = 520;
const ROW = 28;
const MARGIN = { top: 12, right: 64, bottom: 40, left: 150 };
const LABEL_CHARS = 22;

function shorten(label: string): string {
  return label.length > LABEL_CHARS ? `${label.slice(0, LABEL_CHARS - 1)}…` : label;
}

function fmt(n: number): string {
  return Number(n.toFixed(2)).toString();
}

function formatValue(value: number, percent: boolean): string {
  if (percent) return `${(value * 100).toFixed(1)}%`;
  return Math.abs(value) >= 100 || value === 0 ? value.toFixed(0) : value.toPrecision(3);
}

/**
 * An inline SVG horizontal bar chart, one row per bar, bars drawn from zero (so negative scores point left), with a
 * value label beside each bar and a value axis underneath.
 */
export function renderBarChart(spec: BarChartSpec): string {
  const percent = spec.percent === true;
  const height = MARGIN.top + MARGIN.bottom + ROW * Math.max(1, spec.bars.length);
  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  const values = spec.bars.map((b) => b.value).filter((v): v is number => v !== null && Number.isFinite(v));
  const scale = niceScale(Math.min(0, ...values), Math.max(0, ...values), 4);
  const [lo, hi] = scale.domain;
  const sx = (v: number) => MARGIN.left + ((v - lo) / (hi - lo)) * plotW;
  const bottom = height - MARGIN.bottom;
  const out: string[] = [
    `<svg class="chart bars" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" role="img" aria-label="${escapeHtml(spec.title)}">`,
  ];
  for (const t of scale.ticks) {
    const px = fmt(sx(t));
    out.push(
      `<line x1="${px}" x2="${px}" y1="${MARGIN.top}" y2="${bottom}" class="grid"/>`,
      `<text x="${px}" y="${bottom + 16}" text-anchor="middle" class="tick">${escapeHtml(percent ? `${fmt(t * 100)}%` : fmt(t))}</text>`,
    );
  }
  spec.bars.forEach((bar, i) => {
    const y = MARGIN.top + i * ROW;
    const mid = fmt(y + ROW / 2);
    out.push(`<text x="${MARGIN.left - 8}" y="${mid}" dy="0.32em" text-anchor="end">${escapeHtml(shorten(bar.label))}<title>${escapeHtml(bar.label)}</title></text>`);
    if (bar.value === null || !Number.isFinite(bar.value)) {
      out.push(`<text x="${fmt(sx(0) + 6)}" y="${mid}" dy="0.32em" class="muted">n/a</text>`);
      return;
    }
    const x0 = sx(0);
    const x1 = sx(bar.value);
    const color = bar.highlight ? '#2563eb' : '#9ca3af';
    out.push(
      `<rect x="${fmt(Math.min(x0, x1))}" y="${fmt(y + 5)}" width="${fmt(Math.max(1, Math.abs(x1 - x0)))}" height="${ROW - 10}" fill="${color}">` +
        `<title>${escapeHtml(`${bar.label}: ${formatValue(bar.value, percent)}`)}</title></rect>`,
      `<text x="${fmt(Math.max(x0, x1) + 6)}" y="${mid}" dy="0.32em" class="tick">${escapeHtml(formatValue(bar.value, percent))}</text>`,
    );
  });
  out.push(
    `<line x1="${fmt(sx(0))}" x2="${fmt(sx(0))}" y1="${MARGIN.top}" y2="${bottom}" class="axis"/>`,
    `<line x1="${MARGIN.left}" x2="${MARGIN.left + plotW}" y1="${bottom}" y2="${bottom}" class="axis"/>`,
    `<text x="${MARGIN.left + plotW / 2}" y="${height - 6}" text-anchor="middle" class="axis-title">${escapeHtml(spec.valueLabel)}</text>`,
    '</svg>',
  );
  return out.join('');
}
