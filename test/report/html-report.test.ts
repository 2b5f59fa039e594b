import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HeadstartError } from '../../src/core/index.js';
import { computeMetrics } from '../../src/evaluate/index.js';
import { renderHtmlReport, writeReport, type ReportInput } from '../../src/report/index.js';

const classes = ['cat', '<b>&"x', 'bird'];
const metrics = computeMetrics([0, 0, 0, 0, 1, 1, 1, 2, 2, 2], [0, 0, 1, 2, 1, 1, 0, 2, 2, 1], classes);
// confusion: [[2, 1, 1], [1, 2, 0], [0, 1, 2]]

const history = [
  { epoch: 1, loss: 1.1, valLoss: 1.2, trainAccuracy: 0.4, valAccuracy: 0.35 },
  { epoch: 2, loss: 0.8, valLoss: 0.95, trainAccuracy: 0.6, valAccuracy: 0.5 },
  { epoch: 3, loss: 0.6, valLoss: 0.9, trainAccuracy: 0.7, valAccuracy: 0.6 },
];

function baseInput(extra: Partial<ReportInput> = {}): ReportInput {
  return { title: 'Pets <test> & co', metrics, classes, ...extra };
}

/** Counts per confusion cell, read back from the SVG's `data-true`/`data-pred` groups. */
function cellCounts(html: string): Map<string, number> {
  const counts = new Map<string, number>();
  const re = /<g data-true="(\d+)" data-pred="(\d+)">.*?<text[^>]*class="cell[^"]*">(\d+)<\/text><\/g>/g;
  for (const m of html.matchAll(re)) counts.set(`${m[1]},${m[2]}`, Number(m[3]));
  return counts;
}

function expectInvalid(fn: () => unknown, message: RegExp): void {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(HeadstartError);
    expect((err as HeadstartError).code).toBe('HS_INVALID_OPTION');
    expect((err as Error).message).toMatch(message);
    return;
  }
  throw new Error('expected HS_INVALID_OPTION');
}

describe('renderHtmlReport', () => {
  it('draws the confusion matrix as an SVG heatmap with the right count in every cell', () => {
    const html = renderHtmlReport(baseInput());
    expect(html).toMatch(/<svg class="confusion"[^>]*>/);
    const counts = cellCounts(html);
    expect(counts.size).toBe(9);
    metrics.confusion.forEach((row, t) =>
      row.forEach((count, p) => {
        expect(counts.get(`${t},${p}`)).toBe(count);
      }),
    );
    expect(html).toContain('Predicted class');
    expect(html).toContain('True class');
  });

  it('escapes class names, the title, facts, skipped files and warnings', () => {
    const html = renderHtmlReport(
      baseInput({
        facts: { 'dataset <path>': 'data/"pets"&more', epochs: 3 },
        skipped: [{ file: 'a<img src=x>.jpg', reason: 'starts with "GIF8" & not <JPEG>' }],
        warnings: ['<script>alert(1)</script>'],
      }),
    );
    expect(html).not.toContain('<b>&"x');
    expect(html).toContain('&lt;b&gt;&amp;&quot;x');
    expect(html).toContain('<title>Pets &lt;test&gt; &amp; co</title>');
    expect(html).toContain('dataset &lt;path&gt;');
    expect(html).toContain('data/&quot;pets&quot;&amp;more');
    expect(html).toContain('a&lt;img src=x&gt;.jpg');
    expect(html).not.toContain('<img');
    expect(html).not.toContain('<script');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
  });

  it('is self-contained: no scripts, no URLs, no external resources', () => {
    const html = renderHtmlReport(baseInput({ history, facts: { backbone: 'mobilenet-v2' } }));
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/https?:/i);
    expect(html).not.toMatch(/\b(src|href)=/i);
    expect(html).not.toMatch(/@import|url\(/i);
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
  });

  it('shows the summary, per-class table and facts', () => {
    const html = renderHtmlReport(baseInput({ facts: { backbone: 'mobilenet-v2', 'extract ms': 1234.56789 } }));
    expect(html).toContain('60.0%'); // accuracy
    expect(html).toContain((38 / 63).toFixed(3)); // macro-F1
    expect(html).toContain('<th scope="row">backbone</th><td>mobilenet-v2</td>');
    expect(html).toContain('1234.57');
    expect(html).toMatch(/<table class="per-class">/);
    expect(html).toContain('0.571'); // cat F1 = 4/7
  });

  it('draws training curves if and only if history is given', () => {
    const without = renderHtmlReport(baseInput());
    expect(without).not.toContain('Training curves');
    expect(without).not.toMatch(/<svg class="chart"/);
    expect(renderHtmlReport(baseInput({ history: [] }))).not.toContain('Training curves');

    const withHistory = renderHtmlReport(baseInput({ history }));
    expect(withHistory).toContain('Training curves');
    expect(withHistory.match(/<svg class="chart"/g)).toHaveLength(2);
    expect(withHistory).toMatch(/<figure class="loss-curve">/);
    expect(withHistory).toMatch(/<figure class="accuracy-curve">/);
    for (const name of ['loss', 'val loss', 'train accuracy', 'val accuracy']) {
      expect(withHistory).toContain(`class="legend-label">${name}</text>`);
    }
    expect(withHistory).toMatch(/<path d="M[\d.]+ [\d.]+ L/);
  });

  it('draws a single-epoch history as markers, and only a loss chart when there are no accuracies', () => {
    const html = renderHtmlReport(baseInput({ history: [{ epoch: 1, loss: 0.7 }] }));
    expect(html.match(/<svg class="chart"/g)).toHaveLength(1);
    expect(html).toMatch(/<circle [^>]*><title>loss, epoch 1: 0\.7<\/title><\/circle>/);
    expect(html).not.toContain('accuracy-curve');
  });

  it('breaks a curve at a NaN loss instead of plotting it', () => {
    const html = renderHtmlReport(
      baseInput({ history: [{ epoch: 1, loss: 1 }, { epoch: 2, loss: 0.5 }, { epoch: 3, loss: Number.NaN }, { epoch: 4, loss: 0.4 }] }),
    );
    expect(html).not.toContain('NaN');
    expect(html.match(/<circle /g)).toHaveLength(3);
  });

  it('rotates long column labels and shortens very long ones', () => {
    const long = ['a rather long class name', 'b'.repeat(60)];
    const html = renderHtmlReport({ title: 't', classes: long, metrics: computeMetrics([0, 1], [0, 1], long) });
    expect(html).toMatch(/rotate\(-45\)" text-anchor="start" class="label">/);
    expect(html).toContain(`${'b'.repeat(27)}…`);
    expect(html).toContain(`predicted: ${'b'.repeat(60)}`);
  });

  it('rejects malformed input with HS_INVALID_OPTION', () => {
    expectInvalid(() => renderHtmlReport({ ...baseInput(), classes: ['a', 'b'] }), /2x2 matrix/);
    expectInvalid(() => renderHtmlReport({ ...baseInput(), histroy: [] } as unknown as ReportInput), /Unknown report input option: histroy/);
    expectInvalid(
      () => renderHtmlReport(baseInput({ history: [{ epoch: 1 } as unknown as (typeof history)[number]] })),
      /history\[0\]/,
    );
    expectInvalid(() => renderHtmlReport(baseInput({ facts: { x: true as unknown as string } })), /facts\['x'\]/);
  });
});

describe('writeReport', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    await Promise.all(dirs.map((d) => fs.rm(d, { recursive: true, force: true })));
  });

  it('writes report.html and metrics.json, and metrics.json parses back to the input', async () => {
    const root = await fs.mkdtemp(path.join(os.tmpdir(), 'headstart-report-'));
    dirs.push(root);
    const dir = path.join(root, 'nested', 'out');
    const input = baseInput({
      history,
      facts: { backbone: 'mobilenet-v2', cut: 'block_13', durationMs: 1520 },
      skipped: [{ file: 'data/x.gif', reason: 'not an image' }],
      warnings: ['fell back to cpu'],
    });
    const result = await writeReport(dir, input);
    expect(result).toEqual({ htmlPath: path.join(dir, 'report.html'), jsonPath: path.join(dir, 'metrics.json') });

    const html = await fs.readFile(result.htmlPath, 'utf8');
    expect(html).toBe(renderHtmlReport(input));
    const json: unknown = JSON.parse(await fs.readFile(result.jsonPath, 'utf8'));
    expect(json).toEqual(input);
    // No temp files left behind.
    expect((await fs.readdir(dir)).sort()).toEqual(['metrics.json', 'report.html']);
  });

  it('omits absent optional fields from metrics.json', async () => {
    const root = await fs.mkdtemp(path.join(os.tmpdir(), 'headstart-report-'));
    dirs.push(root);
    const { jsonPath } = await writeReport(root, baseInput());
    const json = JSON.parse(await fs.readFile(jsonPath, 'utf8')) as Record<string, unknown>;
    expect(Object.keys(json)).toEqual(['title', 'metrics', 'classes']);
  });

  it('writes nothing when the input is invalid', async () => {
    const root = await fs.mkdtemp(path.join(os.tmpdir(), 'headstart-report-'));
    dirs.push(root);
    await expect(writeReport(root, { ...baseInput(), classes: ['a'] })).rejects.toMatchObject({ code: 'HS_INVALID_OPTION' });
    expect(await fs.readdir(root)).toEqual([]);
    await expect(writeReport('', baseInput())).rejects.toMatchObject({ code: 'HS_INVALID_OPTION' });
  });
});
