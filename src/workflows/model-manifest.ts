import { HeadstartError } from '../core/index.js';
import type { ClassificationMetrics } from '../evaluate/index.js';
import type { EpochRecord, HeadKind } from '../heads/index.js';
import type { InputSpec } from '../data/index.js';
import type { Pooling } from '../engines/index.js';
import type { TextPooling } from '../zoo/index.js';

export const MODEL_FORMAT_VERSION = 1;

/** What a model classifies. */
export type Modality = 'image' | 'text';

/** The parts of headstart.json every model has, whatever it reads. */
interface ManifestCommon {
  formatVersion: number;
  createdAt: string;
  labels: string[];
  head: { kind: HeadKind; options: Record<string, unknown> };
  training: {
    data: string;
    val: string;
    counts: { train: number; val: number; test: number };
    perClass: Record<string, number>;
    seed: number;
    history: EpochRecord[];
    stoppedReason?: string;
    durationMs: { extract: number; head: number };
    /**
     * The 'logistic' head: its L2 strength and, when chosen by k-fold cross-validation on train + val, the mean
     * held-out score of each candidate; `metrics.val` is then the out-of-fold estimate, not a separate validation set.
     */
    crossValidation?: { folds: number; l2: number; scores: { l2: number; accuracy: number; logLoss: number }[]; converged: boolean };
  };
  metrics: { val?: ClassificationMetrics; test?: ClassificationMetrics };
  /** What transfer bought over the no-transfer baseline fitted on the same split, and which of the two was saved. */
  transfer?: TransferComparison;
}

/** One side of the transfer-versus-baseline comparison. */
export interface ComparedModel {
  /** The features: a backbone id, 'tf-idf', the hybrid, or the baseline's featuriser. */
  id: string;
  description: string;
  /** Accuracy estimated on the labelled training rows: out-of-fold (cross-validation), or on the validation part. */
  validation?: { accuracy: number; method: 'cross-validation' | 'validation split'; n: number };
  /** Test accuracy with its 95% Wilson interval. */
  test?: { accuracy: number; low: number; high: number; n: number };
}

/** The no-transfer baseline against the transfer model, on the same split. */
export interface TransferComparison {
  transfer: ComparedModel;
  baseline: ComparedModel;
  /** Transfer's test accuracy minus the baseline's, in percentage points. */
  pointsOnTest?: number;
  /** Exact McNemar test on the test rows only one of the two got right. */
  significance?: { onlyTransfer: number; onlyBaseline: number; pValue: number; significant: boolean };
  /** The baseline scored higher on validation: the pretrained features did not help this task. */
  negativeTransfer: boolean;
  kept: 'transfer' | 'baseline';
  /** The line train prints: "transfer: +X points over <baseline> on test (A vs B)". */
  summary: string;
}

/** How train chose among text features by cross-validated accuracy (backbone, tf-idf, hybrid), best first. */
export interface TextFeatureChoiceRecord {
  method: 'cross-validation';
  ranking: { backbone: string; cvAccuracy: number; dim: number }[];
  chosen: string[];
  reason: string;
}

/** headstart.json of a text model: a frozen text backbone (word vectors or a sentence encoder) and a head. */
export interface TextModelManifest extends ManifestCommon {
  modality: 'text';
  backbone: {
    id: string;
    weightsSha256: string;
    /** 'tf-idf' for a model on tf-idf features alone. */
    pooling: TextPooling;
    /** 'zoo': loaded from the zoo by id; 'included': a copy of the backbone folder is in backbone/ (or, tf-idf, the vectoriser file). */
    location: 'zoo' | 'included';
  };
  /** The columns the training table was read with, and the share of its words the backbone did not know. */
  text: { textColumn: string; labelColumn: string; oovRate: number };
  /**
   * A tf-idf vectoriser fitted on the training texts (`file` in the model directory): the only features when
   * backbone.id is 'tf-idf', else appended to the backbone's sentence vector (the hybrid).
   */
  tfidf?: { file: string; sha256: string; dim: number };
  /** Present when train chose the text features itself (no backbone named). */
  backboneChoice?: TextFeatureChoiceRecord;
  /** Text models are trained with strategy 'features' only. */
  fineTune?: undefined;
}

/** headstart.json: what a model directory holds and how to rebuild its pipeline. */
export type ModelManifest = ImageModelManifest | TextModelManifest;

/** headstart.json of an image model: a backbone cut, pooled, and a head. */
/** One image backbone of a model: where it loads from and how it is cut. */
export interface ImageBackboneRef {
  id: string;
  weightsSha256: string;
  cut: string;
  pooling: Pooling;
  /** 'zoo': bundled, loaded from the zoo by id; 'included': a copy of its files is in backbone/. */
  location: 'zoo' | 'included';
}

/** The automatic backbone choice, as recorded in headstart.json. */
export interface BackboneChoiceRecord {
  /** Best first: LogME evidence per sample on the training images (higher is better). */
  ranking: { backbone: string; logme: number; dim: number }[];
  chosen: string[];
  reason: string;
}

export interface ImageModelManifest extends ManifestCommon {
  /** Absent in manifests written before text models existed (and by fine-tuning): an image model. */
  modality?: 'image';
  backbone: ImageBackboneRef;
  input: InputSpec;
  /**
   * More backbones whose features follow `backbone`'s (each part L2-normalised, then concatenated in order): the
   * concatenation `train --backbone auto` may choose. Absent: `backbone` alone.
   */
  extraBackbones?: ImageBackboneRef[];
  /** Test-time augmentation of the features ('flip': mean of the image's and its mirror's). Absent: 'none'. */
  tta?: 'flip';
  /** How `train --backbone auto` chose the backbone: each candidate's LogME on the training images, and why. */
  backboneChoice?: BackboneChoiceRecord;
  /**
   * Present for strategy 'finetune': backbone.cut is then the freeze boundary (flattened activations feed head/,
   * whose top/ holds the trained blocks from the boundary to `cut`).
   */
  fineTune?: {
    cut: string;
    pooling: Pooling;
    boundary: string;
    unfreeze: number | string;
    groups: string[];
    schedule: string;
    batchNorm: string;
    augment: object | false;
    /** Epoch ranges of the history (head phase first), with the learning rate of each group. */
    phases: { name: string; firstEpoch: number; lastEpoch: number; learningRates?: Record<string, number> }[];
    bestEpoch: number;
    /** Strategy 'features' (frozen backbone at `cut`, linear head) on the same split, for comparison. */
    featureExtraction?: { val?: ClassificationMetrics; test?: ClassificationMetrics };
  };
}

/** Checks the fields loading depends on; everything else is informational. */
export function parseModelManifest(raw: unknown, file: string): ModelManifest {
  const fail = (what: string) =>
    new HeadstartError('HS_MODEL_INVALID', `${file} is not a headstart model manifest: ${what}. Train the model again with 'headstart train'.`);
  if (typeof raw !== 'object' || raw === null) throw fail('not a JSON object');
  const m = raw as Partial<ManifestCommon> & { modality?: unknown };
  if (m.formatVersion !== MODEL_FORMAT_VERSION) throw fail(`formatVersion is ${String(m.formatVersion)}, this headstart reads ${MODEL_FORMAT_VERSION}`);
  if (!Array.isArray(m.labels) || m.labels.length < 2 || !m.labels.every((l) => typeof l === 'string')) throw fail('labels must list at least two class names');
  if (!m.head || typeof m.head.kind !== 'string') throw fail('head.kind missing');
  if (m.modality !== undefined && m.modality !== 'image' && m.modality !== 'text') throw fail(`modality is '${String(m.modality)}', expected 'image' or 'text'`);
  if (m.modality === 'text') {
    const t = raw as Partial<TextModelManifest>;
    const b = t.backbone;
    if (!b || typeof b.id !== 'string' || typeof b.pooling !== 'string' || typeof b.weightsSha256 !== 'string' || !['zoo', 'included'].includes(b.location))
      throw fail('backbone needs id, pooling, weightsSha256 and location');
    return t as TextModelManifest;
  }
  const i = raw as Partial<ImageModelManifest>;
  const b = i.backbone;
  if (!b || typeof b.id !== 'string' || typeof b.cut !== 'string' || typeof b.weightsSha256 !== 'string' || !['zoo', 'included'].includes(b.location))
    throw fail('backbone needs id, cut, weightsSha256 and location');
  if (!i.input || typeof i.input.height !== 'number') throw fail('input spec missing');
  // Older manifests have no modality: they are image models.
  return { ...i, modality: 'image' } as ImageModelManifest;
}
