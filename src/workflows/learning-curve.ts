import path from 'node:path';
import { promises as fs } from 'node:fs';
import { throwIfAborted, writeFileAtomic } from '../core/index.js';
import type { ProgressCallback } from '../core/index.js';
import { showsOverfitting } from '../evaluate/index.js';
import { writeDiagnosticsReport } from '../report/index.js';
import type { DiagnosticsReportInput, ReportTable } from '../report/index.js';

/** One finished run of a learning-curve experiment: a method trained on `shots` labelled examples per class. */
export interface CurveRun<M extends string = string> {
  /** Which sub-experiment the run belongs to (a held-out speaker, a source domain); '' when there is one. */
  group: string;
  shots: number;
  seed: number;
  method: M;
  accuracy: number;
  /** Accuracy on the run's own training examples, when the run reports it (for the overfitting check). */
  trainAccuracy?: number;
  /** Rows the run trained and was tested on, when it reports them: the overfitting check needs enough of both. */
  trainRows?: number;
  testRows?: number;
  seconds: number;
}

/** Mean and range over seeds of one group x shots x method. */
export interface CurvePoint<M extends string = string> {
  group: string;
  shots: number;
  method: M;
  mean: number;
  min: number;
  max: number;
  runs: number;
  /** Mean wall-clock seconds of a run. */
  seconds: number;
  /** Mean training accuracy, when the runs report it. */
  trainAccuracy?: number;
  /** Training and test rows of one run, when the runs report them. */
  trainRows?: number;
  testRows?: number;
}

export interface LearningCurveOptions<M extends string> {
  /** Folder of results.json (finished runs, kept across calls) and report.html. */
  dir: string;
  /** Settings the runs depend on: stored runs are reused only when these are unchanged. */
  config: unknown;
  groups?: string[];
  shots: number[];
  seeds: number[];
  methods: readonly M[];
  /** Trains and scores one run; resolves to its accuracy on the fixed test set (and, optionally, on its own training examples). */
  run: (point: { group: string; shots: number; seed: number; method: M }) => Promise<number | { accuracy: number; trainAccuracy: number; trainRows?: number; testRows?: number }>;
  /** The method every other one is compared with for negative transfer ('scratch'). */
  baseline?: M;
  /**
   * Training accuracy above test accuracy by more than this flags overfitting in the verdict; runs that report their
   * row counts are flagged only when the sample sizes can show it (see showsOverfitting). @default 0.25
   */
  overfitGap?: number;
  signal?: AbortSignal;
  onProgress?: ProgressCallback;
}

export interface LearningCurveResult<M extends string> {
  runs: CurveRun<M>[];
  summary: CurvePoint<M>[];
  /** Plain-language findings: the best method per point, and negative transfer (below the baseline on every seed). */
  verdict: string[];
  /** Runs read back from an earlier, interrupted call. */
  resumedRuns: number;
  resultsPath: string;
}

const RESULTS_FILE = 'results.json';
/** Distinct colours for up to six methods (blue, orange, green, purple, red, teal). */
const CURVE_COLORS = ['#2563eb', '#ea580c', '#16a34a', '#9333ea', '#dc2626', '#0d9488'];
const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

/**
 * Runs every group x shots x seed x method once, saving results.json after each run so that a killed experiment
 * resumes where it stopped, then summarises each point over seeds and flags negative transfer.
 */
export async function runLearningCurve<M extends string>(options: LearningCurveOptions<M>): Promise<LearningCurveResult<M>> {
  const { dir, config, shots, seeds, methods } = options;
  const groups = options.groups ?? [''];
  const resultsPath = path.join(dir, RESULTS_FILE);
  const previous = await fs.readFile(resultsPath, 'utf8').then((t) => JSON.parse(t) as { config: unknown; runs: CurveRun<M>[] }, () => undefined);
  const runs: CurveRun<M>[] = previous && JSON.stringify(previous.config) === JSON.stringify(config) ? previous.runs : [];
  const resumedRuns = runs.length;
  const save = (extra: object = {}) => writeFileAtomic(resultsPath, `${JSON.stringify({ config, runs, ...extra }, null, 2)}\n`);

  for (const group of groups) {
    for (const k of shots) {
      for (const seed of seeds) {
        for (const method of methods) {
          if (runs.some((r) => r.group === group && r.shots === k && r.seed === seed && r.method === method)) continue;
          throwIfAborted(options.signal);
          const started = performance.now();
          const outcome = await options.run({ group, shots: k, seed, method });
          const { accuracy, ...reported } = typeof outcome === 'number' ? { accuracy: outcome } : outcome;
          runs.push({ group, shots: k, seed, method, accuracy, ...reported, seconds: Math.round((performance.now() - started) / 100) / 10 });
          await save();
          const where = group ? `${group}, ` : '';
          options.onProgress?.({ stage: 'done', message: `${where}k=${k} seed ${seed} ${method}: ${pct(accuracy)}` });
        }
      }
    }
  }

  const summary = groups.flatMap((group) =>
    shots.flatMap((k) =>
      methods.map((method) => {
        const point = runs.filter((r) => r.group === group && r.shots === k && r.method === method);
        const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
        const acc = point.map((r) => r.accuracy);
        const train = point.flatMap((r) => (r.trainAccuracy !== undefined ? [r.trainAccuracy] : []));
        return {
          group, shots: k, method, mean: mean(acc), min: Math.min(...acc), max: Math.max(...acc), runs: acc.length,
          seconds: mean(point.map((r) => r.seconds)), ...(train.length > 0 ? { trainAccuracy: mean(train) } : {}),
          ...(point[0]?.trainRows !== undefined ? { trainRows: point[0].trainRows } : {}),
          ...(point[0]?.testRows !== undefined ? { testRows: point[0].testRows } : {}),
        };
      }),
    ),
  );
  const verdict = groups.flatMap((group) =>
    shots.map((k) => {
      const rows = summary.filter((s) => s.group === group && s.shots === k);
      const best = [...rows].sort((a, b) => b.mean - a.mean)[0] as CurvePoint<M>;
      const base = rows.find((r) => r.method === options.baseline);
      const negative = base ? rows.filter((r) => r !== base && r.max < base.min) : [];
      const gap = options.overfitGap ?? 0.25;
      const overfit = rows.filter((r) => {
        if (r.trainAccuracy === undefined) return false;
        if (r.trainRows === undefined || r.testRows === undefined) return r.trainAccuracy - r.mean > gap;
        return showsOverfitting({ accuracy: r.trainAccuracy, n: r.trainRows }, { accuracy: r.mean, n: r.testRows }, gap);
      });
      return `${group ? `${group}, ` : ''}k=${k}: best ${best.method} (${pct(best.mean)})` +
        (negative.length > 0 ? `; negative transfer: ${negative.map((r) => r.method).join(' and ')} below ${base?.method} on every seed` : '') +
        (overfit.length > 0 ? `; overfitting: ${overfit.map((r) => `${r.method} (train ${pct(r.trainAccuracy ?? 0)} vs test ${pct(r.mean)})`).join(', ')}` : '');
    }),
  );
  await save({ summary, verdict });
  return { runs, summary, verdict, resumedRuns, resultsPath };
}

/** The curve as report tables (one per group: rows are shots, cells 'mean (min–max)') and bar charts per point. */
export function learningCurveReport<M extends string>(
  curve: LearningCurveResult<M>,
  methods: readonly M[],
  text: { title: string; subtitle?: string; facts?: Record<string, string | number>; tables?: ReportTable[] },
): DiagnosticsReportInput {
  const groups = [...new Set(curve.summary.map((s) => s.group))];
  const shots = [...new Set(curve.summary.map((s) => s.shots))];
  const cell = (group: string, k: number, m: M) => {
    const s = curve.summary.find((r) => r.group === group && r.shots === k && r.method === m);
    return s ? `${pct(s.mean)} (${pct(s.min)}–${pct(s.max)})` : null;
  };
  return {
    title: text.title,
    ...(text.subtitle ? { subtitle: text.subtitle } : {}),
    verdict: curve.verdict,
    tables: [
      ...groups.map((group) => ({
        title: `Accuracy${group ? ` (${group})` : ''}: mean over seeds (min–max)`,
        header: ['labelled examples per class', ...methods],
        rows: shots.map((k) => [k, ...methods.map((m) => cell(group, k, m))]),
      })),
      {
        title: 'Seconds per run (mean): the time each accuracy costs',
        header: ['group', 'labelled examples per class', ...methods],
        rows: groups.flatMap((group) =>
          shots.map((k) => [group || '—', k, ...methods.map((m) => curve.summary.find((r) => r.group === group && r.shots === k && r.method === m)?.seconds.toFixed(1) ?? null)]),
        ),
      },
      ...(text.tables ?? []),
    ],
    charts: groups.map((group) => ({
      title: `Learning curve${group ? ` (${group})` : ''}`,
      charts: [
        {
          title: 'Mean accuracy against labelled examples per class (log scale)',
          xLabel: 'labelled examples per class',
          yLabel: 'accuracy',
          yPercent: true,
          yClamp: [0, 1] as [number, number],
          xLog: true,
          series: methods.map((m, i) => ({
            name: m,
            color: CURVE_COLORS[i % CURVE_COLORS.length] as string,
            dashed: i % 2 === 1,
            points: shots.map((k) => ({ x: k, y: curve.summary.find((r) => r.group === group && r.shots === k && r.method === m)?.mean ?? NaN })),
          })),
        },
        ...shots.map((k) => ({
        title: `k = ${k} per class`,
        valueLabel: 'accuracy',
        percent: true,
        bars: methods.map((m) => ({ label: m, value: curve.summary.find((r) => r.group === group && r.shots === k && r.method === m)?.mean ?? null })),
        })),
      ],
    })),
    ...(text.facts ? { facts: text.facts } : {}),
  };
}

/** Writes report.html beside results.json (which keeps the runs, summary and verdict). */
export async function writeLearningCurveReport(dir: string, report: DiagnosticsReportInput, results: object): Promise<string> {
  const { htmlPath } = await writeDiagnosticsReport(dir, report, results);
  return htmlPath;
}
