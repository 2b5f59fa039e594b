import { formatTable } from '../../index.js';
import { percent } from './result-text.js';

/** A learning-curve point as the demos and compare report it: mean and range of accuracy. */
export interface CurveCell {
  /** Sub-experiment ('' or absent when there is one). */
  group?: string;
  shots: number;
  method: string;
  mean: number;
  min: number;
  max: number;
}

/**
 * A learning curve as text: one table per group, one row per number of labelled examples, cells 'mean (min-max)'.
 * `kLabel` names a row ('250 (all)'); `kHeader` heads the first column.
 */
export function curveTables(points: CurveCell[], methods: readonly string[], options: { kLabel?: (k: number) => string; kHeader?: string } = {}): string {
  const { kLabel = String, kHeader = 'k per class' } = options;
  const groups = [...new Set(points.map((s) => s.group ?? ''))];
  return groups
    .map((group) => {
      const inGroup = points.filter((s) => (s.group ?? '') === group);
      const rows = [...new Set(inGroup.map((s) => s.shots))].map((k) => [
        kLabel(k),
        ...methods.map((m) => {
          const s = inGroup.find((r) => r.shots === k && r.method === m);
          return s ? `${percent(s.mean)} (${percent(s.min)}-${percent(s.max)})` : '-';
        }),
      ]);
      const table = formatTable(rows, { header: [kHeader, ...methods], align: ['right', ...methods.map(() => 'right' as const)] });
      return group ? `${group}:\n${table}` : table;
    })
    .join('\n\n');
}
