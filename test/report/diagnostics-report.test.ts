import { describe, expect, it } from 'vitest';
import { renderDiagnosticsReport } from '../../src/report/index.js';

describe('renderDiagnosticsReport', () => {
  const html = renderDiagnosticsReport({
    title: 'Ranking <on> "flowers"',
    subtitle: '3 backbones',
    verdict: ['LogME ranks a & b first.'],
    verdictLevel: 'strong',
    tables: [{ title: 'Scores', header: ['backbone', 'LEEP'], rows: [['net-a', -0.5], ['net-<b>', null]], note: 'higher is better' }],
    charts: [{ title: 'Charts', charts: [{ title: 'LogME', valueLabel: 'LogME', bars: [{ label: 'net-a', value: -0.05, highlight: true }, { label: 'net-b', value: 0.2 }, { label: 'net-c', value: null }] }] }],
    facts: { data: '/x' },
  });

  it('is one self-contained page with every text escaped', () => {
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).not.toMatch(/<script|<link|https?:\/\//);
    expect(html).toContain('<title>Ranking &lt;on&gt; &quot;flowers&quot;</title>');
    expect(html).toContain('net-&lt;b&gt;');
    expect(html).toContain('LogME ranks a &amp; b first.');
    expect(html).toContain('class="verdict level-strong"');
  });

  it('shows a null cell as a dash and a null bar as n/a, and draws a negative bar left of zero', () => {
    expect(html).toMatch(/<td class="num muted" title="not applicable">—<\/td>/);
    expect(html).toContain('>n/a</text>');
    const rects = [...html.matchAll(/<rect x="([\d.]+)" y="[\d.]+" width="([\d.]+)"/g)].map((m) => ({ x: Number(m[1]), w: Number(m[2]) }));
    expect(rects).toHaveLength(2);
    const [negative, positive] = rects as [{ x: number; w: number }, { x: number; w: number }];
    // The negative bar ends where the positive one starts: at zero.
    expect(negative.x + negative.w).toBeCloseTo(positive.x, 1);
    expect(positive.w).toBeGreaterThan(negative.w * 3);
  });

  it('rejects an empty title', () => {
    expect(() => renderDiagnosticsReport({ title: '' })).toThrow(/title/);
  });
});
