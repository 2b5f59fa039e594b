import { escapeHtml } from './escape.js';

/** Approximate advance of a 12px system-ui character, for sizing label gutters. */
const CHAR_WIDTH = 6.8;
const LABEL_MAX_CHARS = 28;
const EMPTY = [248, 250, 252] as const;
/** Correct predictions (diagonal) shade towards blue, errors towards red. */
const DIAGONAL = [29, 78, 216] as const;
const ERROR = [220, 38, 38] as const;

type Rgb = readonly [number, number, number];

function mix(from: Rgb, to: Rgb, t: number): string {
  const c = from.map((f, i) => Math.round(f + ((to[i] as number) - f) * t));
  return `rgb(${c.join(',')})`;
}

function shortLabel(label: string): string {
  return label.length > LABEL_MAX_CHARS ? `${label.slice(0, LABEL_MAX_CHARS - 1)}…` : label;
}

function cellSize(k: number): number {
  if (k <= 6) return 64;
  if (k <= 12) return 48;
  if (k <= 25) return 36;
  return 28;
}

function f(n: number): string {
  return Number(n.toFixed(1)).toString();
}

/**
 * The confusion matrix as an inline SVG heatmap: rows are true classes, columns predicted classes, each cell shows
 * its count. Shading is the count's share of its row (so it reads as recall), blue on the diagonal and red off it.
 * Column labels are rotated when they do not fit across a cell; long labels are shortened, with the full name in a
 * tooltip.
 */
export function renderConfusionHeatmap(confusion: number[][], classes: string[]): string {
  const k = classes.length;
  const cell = cellSize(k);
  const labels = classes.map(shortLabel);
  const labelWidth = Math.max(...labels.map((l) => l.length)) * CHAR_WIDTH;
  const rotate = labelWidth > cell - 6;
  const diag = Math.SQRT1_2;

  const axisTitle = 22;
  const left = axisTitle + labelWidth + 12;
  const colLabelHeight = rotate ? labelWidth * diag + 14 : 22;
  const top = axisTitle + colLabelHeight;
  const right = rotate ? Math.max(12, labelWidth * diag - cell / 2 + 8) : 12;
  const width = Math.ceil(left + k * cell + right);
  const height = Math.ceil(top + k * cell + 8);

  const out: string[] = [];
  out.push(
    `<svg class="confusion" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" ` +
      `aria-label="Confusion matrix, rows are true classes, columns are predicted classes">`,
    `<text x="${f(left + (k * cell) / 2)}" y="15" text-anchor="middle" class="axis-title">Predicted class</text>`,
    `<text transform="translate(15 ${f(top + (k * cell) / 2)}) rotate(-90)" text-anchor="middle" class="axis-title">True class</text>`,
  );

  // Column labels (predicted).
  for (let c = 0; c < k; c++) {
    const cx = left + c * cell + cell / 2;
    const title = `<title>${escapeHtml(`predicted: ${classes[c] as string}`)}</title>`;
    const text = escapeHtml(labels[c] as string);
    if (rotate) {
      out.push(
        `<text transform="translate(${f(cx)} ${f(top - 6)}) rotate(-45)" text-anchor="start" class="label">${title}${text}</text>`,
      );
    } else {
      out.push(`<text x="${f(cx)}" y="${f(top - 7)}" text-anchor="middle" class="label">${title}${text}</text>`);
    }
  }

  for (let t = 0; t < k; t++) {
    const row = confusion[t] as number[];
    const support = row.reduce((a, b) => a + b, 0);
    const cy = top + t * cell + cell / 2;
    out.push(
      `<text x="${f(left - 8)}" y="${f(cy)}" dy="0.32em" text-anchor="end" class="label">` +
        `<title>${escapeHtml(`true: ${classes[t] as string}`)}</title>${escapeHtml(labels[t] as string)}</text>`,
    );
    for (let p = 0; p < k; p++) {
      const count = row[p] as number;
      const share = support === 0 ? 0 : count / support;
      // Keep any non-zero cell visibly tinted, even a single error among thousands.
      const strength = count === 0 ? 0 : 0.12 + 0.88 * share;
      const fill = mix(EMPTY, t === p ? DIAGONAL : ERROR, strength);
      const x = left + p * cell;
      const y = top + t * cell;
      const digits = String(count).length;
      const fontSize = Math.min(cell >= 48 ? 14 : 11, (cell - 6) / (digits * 0.62));
      const textClass = count === 0 ? 'cell zero' : strength > 0.55 ? 'cell dark' : 'cell';
      const tip = `true ${classes[t] as string}, predicted ${classes[p] as string}: ${count}` +
        (support > 0 ? ` (${(share * 100).toFixed(1)}% of the row)` : '');
      out.push(
        `<g data-true="${t}" data-pred="${p}"><title>${escapeHtml(tip)}</title>` +
          `<rect x="${f(x)}" y="${f(y)}" width="${cell}" height="${cell}" fill="${fill}" stroke="#fff" stroke-width="1"/>` +
          `<text x="${f(x + cell / 2)}" y="${f(y + cell / 2)}" dy="0.35em" text-anchor="middle" ` +
          `font-size="${f(fontSize)}" class="${textClass}">${count}</text></g>`,
      );
    }
  }
  out.push(
    `<rect x="${f(left)}" y="${f(top)}" width="${k * cell}" height="${k * cell}" fill="none" stroke="#cbd5e1" stroke-width="1"/>`,
    '</svg>',
  );
  return out.join('');
}
