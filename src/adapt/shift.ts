import { rejectUnknownKeys } from '../core/index.js';
import type { FeatureSet } from '../data/index.js';
import type { Engine } from '../engines/index.js';
import { computeMmd } from './mmd.js';
import type { MmdResult } from './mmd.js';
import { computeProxyADistance } from './proxy-a-distance.js';
import type { ProxyADistanceResult } from './proxy-a-distance.js';

export interface DiagnoseShiftOptions {
  /** Permutations of the MMD test on all rows. @default 500 */
  permutations?: number;
  /** Permutations of each per-class MMD test. @default 200 */
  classPermutations?: number;
  /** Rows per side at most, for MMD and the domain classifier. @default 500 */
  maxSamples?: number;
  /** Seeds subsampling, permutations, split and classifier. @default 0 */
  seed?: number;
  /** Runs the domain classifier. @default createEngine() */
  engine?: Engine;
  signal?: AbortSignal;
}

export const DIAGNOSE_SHIFT_DEFAULTS = { permutations: 500, classPermutations: 200, maxSamples: 500, seed: 0 };

/**
 * The thresholds the verdict uses. MMD is significant below `significance`; the proxy A-distance measures how large
 * the shift is: below `smallDistance` a linear classifier tells the domains apart at most 62.5% of the time, from
 * `strongDistance` at least 87.5% of the time.
 */
export const SHIFT_THRESHOLDS = { significance: 0.05, smallDistance: 0.5, strongDistance: 1.5 } as const;

export type ShiftLevel = 'none' | 'mild' | 'moderate' | 'strong';

export interface ClassShift {
  /** Class name, present on both sides. */
  label: string;
  mmd2: number;
  pValue: number;
  sourceCount: number;
  targetCount: number;
}

export interface ShiftDiagnosis {
  mmd: MmdResult;
  domainClassifier: ProxyADistanceResult;
  /** Per-class MMD for every class with at least 2 rows on each side, most shifted first. */
  perClass: ClassShift[];
  level: ShiftLevel;
  /** Plain-language verdict, one finding per line. */
  verdict: string[];
  thresholds: typeof SHIFT_THRESHOLDS;
}

const KNOWN_OPTIONS = ['permutations', 'classPermutations', 'maxSamples', 'seed', 'engine', 'signal'];

function rowsOfClass(set: FeatureSet, label: string): FeatureSet {
  const id = set.classes.indexOf(label);
  const rows: number[] = [];
  set.labels.forEach((l, r) => {
    if (l === id) rows.push(r);
  });
  const values = new Float32Array(rows.length * set.dim);
  rows.forEach((r, j) => values.set(set.values.subarray(r * set.dim, (r + 1) * set.dim), j * set.dim));
  return { values, dim: set.dim, files: rows.map((r) => set.files[r] ?? ''), labels: new Int32Array(rows.length).fill(id), classes: set.classes };
}

function countOf(set: FeatureSet, label: string): number {
  const id = set.classes.indexOf(label);
  return id < 0 ? 0 : set.labels.filter((l) => l === id).length;
}

function levelOf(pValue: number, distance: number): ShiftLevel {
  const t = SHIFT_THRESHOLDS;
  if (distance >= t.strongDistance) return 'strong';
  if (distance >= t.smallDistance) return 'moderate';
  return pValue >= t.significance ? 'none' : 'mild';
}

const p = (x: number): string => (x < 0.001 ? x.toExponential(1) : x.toFixed(3));

function verdictLines(level: ShiftLevel, mmd: MmdResult, domain: ProxyADistanceResult, perClass: ClassShift[]): string[] {
  const accuracy = `${Math.round((1 - domain.domainError) * 100)}%`;
  const distance = domain.proxyADistance.toFixed(2);
  const lines: string[] = [];
  switch (level) {
    case 'none':
      lines.push(`The target looks like the source: MMD finds no significant difference (p = ${p(mmd.pValue)}) and a domain classifier does about as well as chance (${accuracy} accuracy, proxy A-distance ${distance}).`);
      break;
    case 'mild':
      lines.push(`Mild shift: the difference is statistically detectable (MMD p = ${p(mmd.pValue)}), but a domain classifier barely separates the two (${accuracy} accuracy, proxy A-distance ${distance}); expect little or no drop.`);
      break;
    case 'moderate':
      lines.push(`Moderate shift: a domain classifier tells target from source with ${accuracy} accuracy (proxy A-distance ${distance}, MMD p = ${p(mmd.pValue)}); expect some drop: measure accuracy on a labelled target sample.`);
      break;
    case 'strong':
      lines.push(`Strong shift: a domain classifier tells target from source with ${accuracy} accuracy (proxy A-distance ${distance}, MMD p = ${p(mmd.pValue)}); expect a drop; consider domain adaptation.`);
      break;
  }
  if (mmd.pValue >= SHIFT_THRESHOLDS.significance && level !== 'none') {
    lines.push(`The two measures disagree: MMD finds no significant difference (p = ${p(mmd.pValue)}); with few images, treat this verdict as tentative.`);
  }
  const shifted = perClass.filter((c) => c.pValue < SHIFT_THRESHOLDS.significance);
  if (perClass.length > 0) {
    lines.push(
      shifted.length === 0
        ? `No class shifted significantly on its own (per-class MMD, ${perClass.length} classes compared).`
        : `Classes that shifted (per-class MMD p < ${SHIFT_THRESHOLDS.significance}, uncorrected): ${shifted.map((c) => `${c.label} (p = ${p(c.pValue)})`).join(', ')}.`,
    );
  }
  return lines;
}

/**
 * How far apart two feature sets are: MMD with a permutation test, the proxy A-distance of a linear domain
 * classifier, per-class MMD for the classes both sides have, and a verdict from {@link SHIFT_THRESHOLDS}.
 * Extract both sets with the same backbone and cut.
 *
 * @throws HeadstartError `HS_INVALID_OPTION` for malformed options or feature sets of different widths;
 *   `HS_DATASET_INVALID` when a side has fewer than 2 rows.
 */
export async function diagnoseShift(source: FeatureSet, target: FeatureSet, options: DiagnoseShiftOptions = {}): Promise<ShiftDiagnosis> {
  rejectUnknownKeys('diagnoseShift', options, KNOWN_OPTIONS);
  const o = { ...DIAGNOSE_SHIFT_DEFAULTS, ...options };
  const mmd = computeMmd(source, target, { permutations: o.permutations, seed: o.seed, maxSamples: o.maxSamples });
  const domainClassifier = await computeProxyADistance(source, target, { seed: o.seed, maxSamples: o.maxSamples, engine: o.engine, signal: o.signal });
  const perClass: ClassShift[] = [];
  for (const label of source.classes) {
    if (countOf(source, label) < 2 || countOf(target, label) < 2) continue;
    // The same kernel width for every class as for the whole set, so per-class values are comparable.
    const r = computeMmd(rowsOfClass(source, label), rowsOfClass(target, label), {
      permutations: o.classPermutations,
      seed: o.seed,
      maxSamples: o.maxSamples,
      bandwidth: mmd.bandwidth,
    });
    perClass.push({ label, mmd2: r.mmd2, pValue: r.pValue, sourceCount: r.sourceCount, targetCount: r.targetCount });
  }
  perClass.sort((a, b) => b.mmd2 - a.mmd2);
  const level = levelOf(mmd.pValue, domainClassifier.proxyADistance);
  return { mmd, domainClassifier, perClass, level, verdict: verdictLines(level, mmd, domainClassifier, perClass), thresholds: SHIFT_THRESHOLDS };
}
