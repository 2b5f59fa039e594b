import { escapeHtml } from './escape.js';

/** One line of a chart. Points with a non-finite `y` break the line instead of being drawn. */
export interface LineSeries {
  name: string;
  color: string;
  /** Dashed stroke, so series stay distinguishable without colour. */
  dashed: boolean;
  points: { x: number; y: number }[];
}

export interface LineChartSpec {
  /** Accessible name of the chart (`aria-label`). */
  title: string;
  xLabel: string;
  yLabel: string;
  series: LineSeries[];
  /** Hard bounds the y axis never exceeds, such as [0, 1] for accuracies. */
  yClamp?: [number, number];
  /** Tick labels as percentages (0.25 becomes 25%). */
  yPercent?: boolean;
  /** A logarithmic x axis with ticks at powers of ten (learning rates), for positive x; otherwise x counts epochs. */
  xLog?: boolean;
}

const WIDTH = 520;
const HEIGHT = 300;
const MARGIN = { top: 40, right: 20, bottom: 46, left: 64 };
/** Approximate advance of a 12px system-ui character, for laying out legend entries. */
const CHAR_WIDTH = 6.8;
const MAX_MARKED_POINTS = 40;
/** Gap between the y axis and the first epoch, and after the last, so markers do not sit on the axes. */
const X_INSET = 10;

/** A 1, 2 or 5 times a power of ten step that splits `span` into about `count` intervals. */
function niceStep(span: number, count: number): number {
  const raw = span / Math.max(1, count);
  const power = 10 ** Math.floor(Math.log10(raw));
  const f = raw / power;
  return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * power;
}

function decimalsOf(step: number): number {
  return Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
}

function round(value: number, decimals: number): number {
  return Number(value.toFixed(Math.min(20, decimals + 2)));
}

/** Domain widened to whole steps around [min, max], with the ticks inside it. */
export function niceScale(min: number, max: number, count = 5): { domain: [number, number]; ticks: number[]; step: number } {
  let lo = min;
  let hi = max;
  if (lo === hi) {
    const pad = Math.abs(lo) * 0.1 || 1;
    lo -= pad;
    hi += pad;
  }
  const step = niceStep(hi - lo, count);
  const d = decimalsOf(step);
  const start = round(Math.floor(lo / step + 1e-9) * step, d);
  const end = round(Math.ceil(hi / step - 1e-9) * step, d);
  const ticks: number[] = [];
  for (let i = 0; start + i * step <= end + step * 1e-6; i++) ticks.push(round(start + i * step, d));
  return { domain: [start, end], ticks, step };
}

function formatTick(value: number, step: number, percent: boolean): string {
  if (percent) return `${(value * 100).toFixed(Math.max(0, decimalsOf(step * 100)))}%`;
  return value.toFixed(decimalsOf(step));
}

function fmt(n: number): string {
  return Number(n.toFixed(2)).toString();
}

/** Integer ticks for epochs: whole numbers only, about six of them, spanning exactly the data. */
function epochScale(xs: number[]): { domain: [number, number]; ticks: number[] } {
  let lo = Math.min(...xs);
  let hi = Math.max(...xs);
  if (lo === hi) {
    lo -= 1;
    hi += 1;
  }
  const step = Math.max(1, niceStep(hi - lo, 6));
  const ticks: number[] = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + 1e-9; t += step) ticks.push(round(t, decimalsOf(step)));
  // Label the first epoch too (1, 5, 10, ... rather than 5, 10, ...) when it is not crowded by the next tick.
  const first = ticks[0];
  if (Number.isInteger(lo) && first !== undefined && first - lo >= step / 2) ticks.unshift(lo);
  return { domain: [lo, hi], ticks };
}

/** Ticks at the powers of ten inside [lo, hi] (given as log10 values), at most about eight of them. */
function logScale(logs: number[]): { domain: [number, number]; ticks: number[] } {
  let lo = Math.min(...logs);
  let hi = Math.max(...logs);
  if (lo === hi) {
    lo -= 1;
    hi += 1;
  }
  const ticks: number[] = [];
  const every = Math.max(1, Math.ceil((Math.floor(hi) - Math.ceil(lo)) / 8));
  for (let t = Math.ceil(lo); t <= hi + 1e-9; t += every) ticks.push(t);
  return { domain: [lo, hi], ticks };
}

/** Splits a series into runs of finite points, so a NaN loss shows as a gap rather than a dive to zero. */
function finiteRuns(points: { x: number; y: number }[], xLog: boolean): { x: number; y: number }[][] {
  const runs: { x: number; y: number }[][] = [];
  let run: { x: number; y: number }[] = [];
  for (const p of points) {
    if (Number.isFinite(p.x) && Number.isFinite(p.y) && (!xLog || p.x > 0)) {
      run.push(p);
    } else if (run.length > 0) {
      runs.push(run);
      run = [];
    }
  }
  if (run.length > 0) runs.push(run);
  return runs;
}

/**
 * An inline SVG line chart with axes, ticks, grid lines and a legend. The x axis is treated as epochs
 * (integer ticks), or as a logarithmic scale with `xLog`. Series without a single finite point are left out, legend included.
 */
export function renderLineChart(spec: LineChartSpec): string {
  const series = spec.series
    .map((s) => ({ ...s, runs: finiteRuns(s.points, spec.xLog === true) }))
    .filter((s) => s.runs.length > 0);
  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
  const out: string[] = [];
  out.push(
    `<svg class="chart" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" ` +
      `aria-label="${escapeHtml(spec.title)}">`,
  );
  if (series.length === 0) {
    out.push(
      `<text x="${WIDTH / 2}" y="${HEIGHT / 2}" text-anchor="middle" class="muted">No finite values to plot</text>`,
      '</svg>',
    );
    return out.join('');
  }

  const all = series.flatMap((s) => s.runs.flat());
  // On a log axis positions and ticks are log10 values; tooltips keep the rates themselves.
  const xOf = spec.xLog ? Math.log10 : (v: number) => v;
  const x = spec.xLog ? logScale(all.map((p) => Math.log10(p.x))) : epochScale(all.map((p) => p.x));
  let yMin = Math.min(...all.map((p) => p.y));
  let yMax = Math.max(...all.map((p) => p.y));
  // A little headroom, so extreme points do not sit on the x axis or the top edge.
  const pad = (yMax - yMin) * 0.03;
  const y0 = niceScale(yMin - pad, yMax + pad);
  [yMin, yMax] = y0.domain;
  if (spec.yClamp) {
    yMin = Math.max(yMin, spec.yClamp[0]);
    yMax = Math.min(yMax, spec.yClamp[1]);
  }
  const yTicks = y0.ticks.filter((t) => t >= yMin - 1e-9 && t <= yMax + 1e-9);
  const sxOf = (v: number): number =>
    MARGIN.left + X_INSET + ((v - x.domain[0]) / (x.domain[1] - x.domain[0])) * (plotW - 2 * X_INSET);
  const sx = (v: number): number => sxOf(xOf(v));
  const sy = (v: number): number => MARGIN.top + plotH - ((v - yMin) / (yMax - yMin)) * plotH;
  const bottom = MARGIN.top + plotH;

  // Grid and y ticks.
  for (const t of yTicks) {
    const py = fmt(sy(t));
    out.push(
      `<line x1="${MARGIN.left}" x2="${MARGIN.left + plotW}" y1="${py}" y2="${py}" class="grid"/>`,
      `<text x="${MARGIN.left - 8}" y="${py}" dy="0.32em" text-anchor="end" class="tick">` +
        `${escapeHtml(formatTick(t, y0.step, spec.yPercent === true))}</text>`,
    );
  }
  // x ticks.
  for (const t of x.ticks) {
    const px = fmt(sxOf(t));
    const label = !spec.xLog ? String(t) : Math.abs(t) >= 4 ? `1e${t}` : String(Number((10 ** t).toPrecision(1)));
    out.push(
      `<line x1="${px}" x2="${px}" y1="${bottom}" y2="${bottom + 5}" class="axis"/>`,
      `<text x="${px}" y="${bottom + 18}" text-anchor="middle" class="tick">${escapeHtml(label)}</text>`,
    );
  }
  // Axes.
  out.push(
    `<line x1="${MARGIN.left}" x2="${MARGIN.left}" y1="${MARGIN.top}" y2="${bottom}" class="axis"/>`,
    `<line x1="${MARGIN.left}" x2="${MARGIN.left + plotW}" y1="${bottom}" y2="${bottom}" class="axis"/>`,
    `<text x="${MARGIN.left + plotW / 2}" y="${HEIGHT - 8}" text-anchor="middle" class="axis-title">${escapeHtml(spec.xLabel)}</text>`,
    `<text transform="translate(16 ${MARGIN.top + plotH / 2}) rotate(-90)" text-anchor="middle" class="axis-title">` +
      `${escapeHtml(spec.yLabel)}</text>`,
  );

  // Lines and markers.
  for (const s of series) {
    const dash = s.dashed ? ' stroke-dasharray="6 4"' : '';
    for (const run of s.runs) {
      if (run.length > 1) {
        const d = run.map((p, i) => `${i === 0 ? 'M' : 'L'}${fmt(sx(p.x))} ${fmt(sy(p.y))}`).join(' ');
        out.push(`<path d="${d}" fill="none" stroke="${s.color}" stroke-width="2"${dash} stroke-linejoin="round"/>`);
      }
    }
    const count = s.runs.reduce((a, r) => a + r.length, 0);
    if (count <= MAX_MARKED_POINTS) {
      for (const p of s.runs.flat()) {
        out.push(
          `<circle cx="${fmt(sx(p.x))}" cy="${fmt(sy(p.y))}" r="3" fill="#fff" stroke="${s.color}" stroke-width="2">` +
            `<title>${escapeHtml(`${s.name}, ${spec.xLabel.toLowerCase()} ${p.x}: ${Number(p.y.toPrecision(4))}`)}</title></circle>`,
        );
      }
    }
  }

  // Legend, right-aligned above the plot.
  const entries = series.map((s) => ({ s, width: 28 + s.name.length * CHAR_WIDTH + 14 }));
  let lx = MARGIN.left + plotW - entries.reduce((a, e) => a + e.width, 0) + 14;
  lx = Math.max(MARGIN.left, lx);
  const ly = 18;
  out.push('<g class="legend">');
  for (const { s, width } of entries) {
    const dash = s.dashed ? ' stroke-dasharray="6 4"' : '';
    out.push(
      `<line x1="${fmt(lx)}" x2="${fmt(lx + 22)}" y1="${ly}" y2="${ly}" stroke="${s.color}" stroke-width="2"${dash}/>`,
      `<text x="${fmt(lx + 28)}" y="${ly}" dy="0.32em" class="legend-label">${escapeHtml(s.name)}</text>`,
    );
    lx += width;
  }
  out.push('</g></svg>');
  return out.join('');
}
