// What the adapt measurement scripts record of one `adapt --method auto` run, and their per-method means.
import type { AdaptDomainsResult, AdaptGuard } from '../src/index.js';

export interface AutoRun {
  seed: number;
  /** Source-only model: target accuracy (labels score only) and held-out source accuracy. */
  sourceOnly: { targetAccuracy: number | null; sourceValAccuracy: number };
  chosen: string;
  autoTargetAccuracy: number | null;
  methods: { method: string; targetAccuracy: number | null; passed: boolean; flags: string[]; guard: AdaptGuard }[];
  seconds: number;
}

export function autoRun(r: AdaptDomainsResult, seed: number, seconds: number): AutoRun {
  return {
    seed,
    sourceOnly: { targetAccuracy: r.sourceOnly.targetAccuracy, sourceValAccuracy: r.sourceOnly.sourceValAccuracy },
    chosen: r.chosen,
    autoTargetAccuracy: r.adapted.targetAccuracy,
    methods: (r.auto?.candidates ?? []).map((c) => ({ method: c.method, targetAccuracy: c.targetAccuracy, passed: c.passed, flags: c.guard.flags, guard: c.guard })),
    seconds,
  };
}

/** One line for the console: every method's target accuracy, flagged ones marked, and auto's choice. */
export function describeRun(run: AutoRun): string {
  const pct = (x: number | null) => `${((x ?? 0) * 100).toFixed(1)}%`;
  const methods = run.methods.map((m) => `${m.method} ${pct(m.targetAccuracy)}${m.passed ? '' : ` (flagged: ${m.flags.join(', ')})`}`).join(', ');
  return `source-only ${pct(run.sourceOnly.targetAccuracy)}; ${methods}; auto chose ${run.chosen} (${pct(run.autoTargetAccuracy)})`;
}

/** Mean target accuracy of source-only, auto and each method over the runs, and how often each method was flagged. */
export function summarizeRuns(runs: AutoRun[]): Record<string, unknown> {
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const names = [...new Set(runs.flatMap((r) => r.methods.map((m) => m.method)))];
  return {
    runs: runs.length,
    sourceOnly: mean(runs.map((r) => r.sourceOnly.targetAccuracy ?? 0)),
    auto: mean(runs.map((r) => r.autoTargetAccuracy ?? 0)),
    autoChose: runs.map((r) => r.chosen),
    ...Object.fromEntries(
      names.map((m) => {
        const ms = runs.map((r) => r.methods.find((x) => x.method === m));
        return [m, { targetAccuracy: mean(ms.map((x) => x?.targetAccuracy ?? 0)), flagged: ms.filter((x) => !x?.passed).length }];
      }),
    ),
  };
}
