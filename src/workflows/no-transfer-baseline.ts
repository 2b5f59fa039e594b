import { fitLinearProbe, linearProbeHead, probeClasses } from '../baselines/index.js';
import type { LinearProbe } from '../baselines/index.js';
import type { FeatureSet } from '../data/index.js';
import { comparePredictions, computeMetrics } from '../evaluate/index.js';
import type { ClassificationMetrics } from '../evaluate/index.js';
import type { EpochRecord, Head, HeadKind, LogisticRegressionScaling } from '../heads/index.js';
import type { Featurizer } from './feature-stage.js';
import type { ComparedModel, ModelManifest, TextFeatureChoiceRecord, TransferComparison } from './model-manifest.js';

/** Which model `train` saves when the no-transfer baseline scores higher on validation. */
export type KeepChoice = 'best' | 'transfer';
export const KEEP_CHOICES: readonly KeepChoice[] = ['best', 'transfer'];

/** A head fitted on one featuriser's features of the split, with what the model directory and the comparison need. */
export interface FittedModel {
  /** Backbone id, 'tf-idf', or the hybrid's 'glove-wink-100d+tf-idf'. */
  id: string;
  featurizer: Featurizer;
  head: Head;
  kind: HeadKind;
  headOptions: Record<string, unknown>;
  sets: { train: FeatureSet; val: FeatureSet; test: FeatureSet };
  metrics: { val?: ClassificationMetrics; test?: ClassificationMetrics };
  testPredictions?: Int32Array;
  validation?: ComparedModel['validation'];
  /** Logistic-regression heads: how the strength was chosen (headstart.json's training.crossValidation). */
  crossValidation?: NonNullable<ModelManifest['training']['crossValidation']>;
  /** Extra report facts about the head. */
  facts?: Record<string, string>;
  history: EpochRecord[];
  stoppedReason?: string;
  durationMs: number;
}

/**
 * Logistic regression with its strength chosen by 5-fold cross-validation, the head of every baseline and text-feature
 * candidate. With a test part it is fitted on train + validation (the folds are its validation); without one the
 * validation part stays held out and scores it.
 */
export async function fitProbeModel(
  id: string,
  featurizer: Featurizer,
  sets: FittedModel['sets'],
  options: { scaling: LogisticRegressionScaling; seed: number },
): Promise<FittedModel> {
  const started = performance.now();
  const hasTest = sets.test.labels.length > 0;
  const probe: LinearProbe = fitLinearProbe(sets.train, hasTest ? sets.val : undefined, options);
  const head = await linearProbeHead(probe, featurizer.engine);
  const classes = sets.train.classes;
  const testPredictions = hasTest ? probeClasses(probe, sets.test) : undefined;
  // With a test part the probe fitted validation rows too: its validation figure is the out-of-fold estimate.
  const outOfFold = probe.heldOut ? computeMetrics(probe.heldOut.labels, probe.heldOut.predictions, classes) : undefined;
  const val = hasTest ? outOfFold : sets.val.labels.length > 0 ? computeMetrics(sets.val.labels, probeClasses(probe, sets.val), classes) : undefined;
  const validation: ComparedModel['validation'] =
    probe.cvAccuracy !== undefined
      ? { accuracy: probe.cvAccuracy, method: 'cross-validation', n: probe.rows }
      : val
        ? { accuracy: val.accuracy, method: 'validation split', n: val.n }
        : undefined;
  return {
    id,
    featurizer,
    head,
    kind: 'logistic',
    headOptions: { scaling: options.scaling },
    crossValidation: { folds: probe.folds, l2: probe.l2, scores: probe.scores, converged: probe.model.converged },
    sets,
    metrics: { ...(val ? { val } : {}), ...(testPredictions ? { test: computeMetrics(sets.test.labels, testPredictions, classes) } : {}) },
    ...(testPredictions ? { testPredictions } : {}),
    ...(validation ? { validation } : {}),
    history: [],
    durationMs: performance.now() - started,
  };
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

function compared(model: FittedModel): ComparedModel {
  const t = model.metrics.test;
  return {
    id: model.id,
    description: model.featurizer.description,
    ...(model.validation ? { validation: model.validation } : {}),
    ...(t ? { test: { accuracy: t.accuracy, low: t.accuracyInterval.low, high: t.accuracyInterval.high, n: t.n } } : {}),
  };
}

/**
 * The transfer model against the no-transfer baseline on the same split: test accuracies with their difference and
 * McNemar's test, whether the baseline won on validation (negative transfer), and which model `keep` saves.
 */
export function compareWithBaseline(transfer: FittedModel, baseline: FittedModel, baselineName: string, keep: KeepChoice): TransferComparison {
  const tv = transfer.validation?.accuracy;
  const bv = baseline.validation?.accuracy;
  const negativeTransfer = tv !== undefined && bv !== undefined && bv > tv;
  const kept = negativeTransfer && keep === 'best' ? 'baseline' : 'transfer';
  const tt = transfer.metrics.test;
  const bt = baseline.metrics.test;
  const labels = transfer.sets.test.labels;
  const test = tt && bt && transfer.testPredictions && baseline.testPredictions ? comparePredictions(labels, transfer.testPredictions, baseline.testPredictions) : undefined;
  const points = tt && bt ? (tt.accuracy - bt.accuracy) * 100 : undefined;
  const lines: string[] = [];
  if (points !== undefined && tt && bt && test) {
    lines.push(
      `transfer: ${points >= 0 ? '+' : ''}${points.toFixed(1)} points over ${baselineName} on test (${pct(tt.accuracy)} vs ${pct(bt.accuracy)}, n=${tt.n}; ` +
        `${test.significant ? 'significant' : 'not significant'}, McNemar p=${test.pValue.toPrecision(2)})`,
    );
  } else {
    lines.push(`transfer: no test part to compare on; ${baselineName} ${bv !== undefined ? pct(bv) : 'n/a'} vs transfer ${tv !== undefined ? pct(tv) : 'n/a'} on validation`);
  }
  if (negativeTransfer) {
    lines.push(
      `Negative transfer: ${baselineName} scored ${pct(bv as number)} on validation (${baseline.validation?.method}), above the transfer model's ${pct(tv as number)} (${transfer.validation?.method}). ` +
        (kept === 'baseline' ? `Saved the ${baselineName} model (--keep best); pass --keep transfer to save the transfer model.` : 'Kept the transfer model (--keep transfer).'),
    );
  }
  return {
    transfer: compared(transfer),
    baseline: compared(baseline),
    ...(points !== undefined ? { pointsOnTest: points } : {}),
    ...(test ? { significance: { onlyTransfer: test.onlyFirst, onlyBaseline: test.onlySecond, pValue: test.pValue, significant: test.significant } } : {}),
    negativeTransfer,
    kept,
    summary: lines.join(' '),
  };
}

/** The text-feature candidate with the best cross-validated accuracy, and the record of the choice. */
export function chooseByValidation(candidates: FittedModel[]): { chosen: FittedModel; record: TextFeatureChoiceRecord } {
  const ranked = [...candidates].sort((a, b) => (b.validation?.accuracy ?? -1) - (a.validation?.accuracy ?? -1));
  const chosen = ranked[0] as FittedModel;
  const ranking = ranked.map((c) => ({ backbone: c.id, cvAccuracy: c.validation?.accuracy ?? Number.NaN, dim: c.sets.train.dim }));
  const runnerUp = ranking[1];
  return {
    chosen,
    record: {
      method: 'cross-validation',
      ranking,
      chosen: [chosen.id],
      reason:
        `No backbone named: scored ${ranking.map((r) => r.backbone).join(', ')} by 5-fold cross-validated accuracy of logistic regression on the training texts; ` +
        `${chosen.id} scored highest (${pct(ranking[0]?.cvAccuracy ?? 0)}${runnerUp ? ` vs ${pct(runnerUp.cvAccuracy)} for ${runnerUp.backbone}` : ''}).`,
    },
  };
}
