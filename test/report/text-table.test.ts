import { describe, expect, it } from 'vitest';
import { computeMetrics } from '../../src/evaluate/index.js';
import { formatMetricsSummary, formatTable } from '../../src/report/index.js';

describe('formatTable', () => {
  it('pads columns, right-aligns numeric columns by default and draws a header rule', () => {
    const out = formatTable(
      [
        ['cat', '0.91', 12],
        ['hippopotamus', '0.8', 3],
      ],
      { header: ['class', 'f1', 'n'] },
    );
    expect(out.split('\n')).toEqual([
      'class           f1   n',
      '------------  ----  --',
      'cat           0.91  12',
      'hippopotamus   0.8   3',
    ]);
  });

  it('follows explicit alignment', () => {
    const out = formatTable(
      [
        ['a', '1'],
        ['bbb', '22'],
      ],
      { align: ['right', 'left'] },
    );
    expect(out.split('\n')).toEqual(['  a  1', 'bbb  22']);
  });

  it('pads ragged rows, flattens newlines and leaves no trailing spaces', () => {
    const out = formatTable([['x', 'y\nz'], ['long value']], { header: ['h1', 'h2'] });
    const lines = out.split('\n');
    expect(lines).toEqual(['h1          h2', '----------  ---', 'x           y z', 'long value']);
    for (const l of lines) expect(l).toBe(l.trimEnd());
  });

  it('returns an empty string for no columns', () => {
    expect(formatTable([])).toBe('');
  });

  it('rejects invalid alignments and unknown options', () => {
    expect(() => formatTable([['a']], { align: ['center' as 'left'] })).toThrow(/align\[0\].*'left', 'right'.*'center'/);
    expect(() => formatTable([['a']], { algin: ['left'] } as never)).toThrow(/Unknown formatTable option: algin/);
    expect(() => formatTable([['a']], { align: ['left', 'left'] })).toThrow(/only 1 columns/);
  });
});

describe('formatMetricsSummary', () => {
  it('prints the headline, the per-class table and the confusion matrix', () => {
    const classes = ['cat', 'dog', 'bird'];
    const m = computeMetrics([0, 0, 0, 0, 1, 1, 1, 2, 2, 2], [0, 0, 1, 2, 1, 1, 0, 2, 2, 1], classes);
    const out = formatMetricsSummary(m, classes);
    expect(out).toContain('Accuracy 60.0% (6/10; 95% CI 31.3-83.2%)   Macro-F1 0.603   Classes 3');
    expect(out).toContain(
      [
        'class  precision  recall     f1  support',
        '-----  ---------  ------  -----  -------',
        'cat        0.667   0.500  0.571        4',
        'dog        0.500   0.667  0.571        3',
        'bird       0.667   0.667  0.667        3',
      ].join('\n'),
    );
    expect(out).toContain(
      [
        'true \\ pred  cat  dog  bird',
        '-----------  ---  ---  ----',
        'cat            2    1     1',
        'dog            1    2     0',
        'bird           0    1     2',
      ].join('\n'),
    );
  });

  it('uses #ids for long class names in the matrix header', () => {
    const classes = ['a very long class', 'b'];
    const out = formatMetricsSummary(computeMetrics([0, 1], [0, 1], classes), classes);
    expect(out).toContain('true \\ pred           #0  #1');
    expect(out).toContain('#0 a very long class   1   0');
  });

  it('rejects metrics that do not match the classes', () => {
    const m = computeMetrics([0, 1], [0, 1], ['a', 'b']);
    expect(() => formatMetricsSummary(m, ['a', 'b', 'c'])).toThrow(/3x3 matrix/);
  });
});
