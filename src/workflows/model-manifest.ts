import { HeadstartError } from '../core/index.js';
import type { ClassificationMetrics } from '../evaluate/index.js';
import { HEAD_KINDS } from '../heads/index.js';
import type { EpochRecord, HeadKind } from '../heads/index.js';
import type { InputSpec } from '../data/index.js';
import { POOLINGS } from '../engines/index.js';
import type { Pooling } from '../engines/index.js';
import { BACKBONE_ID_PATTERN, TEXT_POOLINGS } from '../zoo/index.js';
import type { TextPooling } from '../zoo/index.js';
import type { ContinualOptions, ContinualStrategy, LearnerMemory } from '../continual/index.js';

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
  /** Written by `update`: every version of the model, oldest first; absent on a model only `train` wrote (version 1). */
  versions?: ModelVersion[];
  /** Written by `update`: how the model learns further, and what its continual/ folder keeps. */
  continual?: { strategy: ContinualStrategy; options: Required<ContinualOptions>; memory: LearnerMemory };
}

/** One version of a model directory: what made it. Earlier versions' files are kept in versions/<version>/. */
export interface ModelVersion {
  version: number;
  createdAt: string;
  /** 'train': the first version; 'update': new examples or classes added by a continual-learning strategy. */
  change: 'train' | 'update';
  strategy?: ContinualStrategy;
  data: string;
  /** Classes this version added (all of them for 'train'). */
  newClasses: string[];
  /** Examples per class this version learned from. */
  examples: Record<string, number>;
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

/** Largest input side a manifest may ask for: bigger inputs would allocate gigabytes before any model runs. */
export const MAX_INPUT_SIDE = 4096;

/** A value found in JSON, one field at a time: each check names the field's path in the file when it fails. */
class JsonFields {
  constructor(
    private readonly value: unknown,
    private readonly where: string,
    private readonly fail: (what: string) => HeadstartError,
  ) {}

  private field(key: string): JsonFields {
    const record = this.record();
    return new JsonFields(record[key], this.where ? `${this.where}.${key}` : key, this.fail);
  }

  private wrong(expected: string): HeadstartError {
    const shown = JSON.stringify(this.value);
    return this.fail(`${this.where} should be ${expected}, found ${shown === undefined ? 'nothing' : shown.slice(0, 60)}`);
  }

  record(): Record<string, unknown> {
    if (typeof this.value !== 'object' || this.value === null || Array.isArray(this.value)) throw this.wrong('an object');
    return this.value as Record<string, unknown>;
  }

  has(key: string): boolean {
    return this.record()[key] !== undefined;
  }

  object(key: string): JsonFields {
    const f = this.field(key);
    f.record();
    return f;
  }

  string(key: string, options: { nonEmpty?: boolean; pattern?: RegExp; patternText?: string } = {}): string {
    const f = this.field(key);
    if (typeof f.value !== 'string' || (options.nonEmpty && f.value === '')) throw f.wrong(options.nonEmpty ? 'a non-empty string' : 'a string');
    if (options.pattern && !options.pattern.test(f.value)) throw f.wrong(options.patternText ?? `a string matching ${String(options.pattern)}`);
    return f.value;
  }

  choice<T extends string>(key: string, choices: readonly T[]): T {
    const f = this.field(key);
    if (!choices.includes(f.value as T)) throw f.wrong(`one of ${choices.map((c) => `'${c}'`).join(', ')}`);
    return f.value as T;
  }

  number(key: string, range: { min?: number; max?: number; integer?: boolean } = {}): number {
    const f = this.field(key);
    const v = f.value;
    const { min = -Infinity, max = Infinity, integer = false } = range;
    const kind = integer ? 'an integer' : 'a number';
    const bounds = Number.isFinite(min) && Number.isFinite(max) ? ` from ${min} to ${max}` : Number.isFinite(min) ? ` >= ${min}` : '';
    if (typeof v !== 'number' || !Number.isFinite(v) || (integer && !Number.isInteger(v)) || v < min || v > max) throw f.wrong(`${kind}${bounds}`);
    return v;
  }

  array(key: string, options: { min?: number } = {}): JsonFields[] {
    const f = this.field(key);
    if (!Array.isArray(f.value) || f.value.length < (options.min ?? 0)) throw f.wrong(options.min ? `a list of at least ${options.min}` : 'a list');
    return f.value.map((v: unknown, i) => new JsonFields(v, `${f.where}[${i}]`, this.fail));
  }

  strings(key: string, options: { min?: number; unique?: boolean } = {}): string[] {
    const values = this.array(key, options).map((item) => {
      if (typeof item.value !== 'string' || item.value === '') throw item.wrong('a non-empty string');
      return item.value;
    });
    if (options.unique && new Set(values).size !== values.length) throw this.field(key).wrong('a list of distinct names');
    return values;
  }

  numbers(key: string, length: number): number[] {
    return this.array(key).map((item, i, all) => {
      if (all.length !== length || typeof item.value !== 'number' || !Number.isFinite(item.value)) throw this.field(key).wrong(`${length} finite numbers`);
      return item.value;
    });
  }

  /** The error for a field that is present but wrong. */
  invalid(key: string, expected: string): HeadstartError {
    return this.field(key).wrong(expected);
  }

  /** Runs `check` on the field when it is present. */
  optional<T>(key: string, check: (fields: JsonFields, key: string) => T): T | undefined {
    return this.has(key) ? check(this, key) : undefined;
  }
}

function checkInput(fields: JsonFields): void {
  fields.number('height', { min: 1, max: MAX_INPUT_SIDE, integer: true });
  fields.number('width', { min: 1, max: MAX_INPUT_SIDE, integer: true });
  fields.choice('channelOrder', ['rgb', 'bgr']);
  fields.choice('resize', ['center-crop', 'stretch']);
  fields.numbers('mean', 3);
  if (fields.numbers('std', 3).some((v) => v === 0)) throw fields.invalid('std', '3 non-zero numbers');
  fields.optional('layout', (f, k) => f.choice(k, ['nhwc', 'nchw']));
}

function checkMetrics(fields: JsonFields): void {
  for (const part of ['val', 'test']) {
    fields.optional(part, (f, k) => {
      const m = f.object(k);
      m.number('n', { min: 0, integer: true });
      m.array('perClass');
      m.array('confusion');
    });
  }
}

function checkTraining(fields: JsonFields, labels: readonly string[]): void {
  fields.string('data');
  fields.string('val');
  const counts = fields.object('counts');
  for (const part of ['train', 'val', 'test']) counts.number(part, { min: 0, integer: true });
  const perClass = fields.object('perClass');
  for (const key of Object.keys(perClass.record())) {
    if (!labels.includes(key)) perClass.choice(key, labels);
    perClass.number(key, { min: 0, integer: true });
  }
  fields.number('seed', { integer: true });
  // Losses are informational, and a diverged epoch's NaN is written as null: only the epoch numbers are checked.
  for (const epoch of fields.array('history')) epoch.number('epoch', { min: 0, integer: true });
  fields.optional('stoppedReason', (f, k) => f.string(k));
  const duration = fields.object('durationMs');
  duration.number('extract', { min: 0 });
  duration.number('head', { min: 0 });
}

function checkFineTune(fields: JsonFields): void {
  fields.string('cut', { nonEmpty: true });
  fields.choice('pooling', POOLINGS);
  fields.string('boundary', { nonEmpty: true });
  fields.strings('groups');
  fields.string('schedule');
  fields.string('batchNorm');
  for (const phase of fields.array('phases')) {
    phase.string('name');
    phase.number('firstEpoch', { min: 0, integer: true });
    phase.number('lastEpoch', { min: 0, integer: true });
  }
  fields.number('bestEpoch', { min: 0, integer: true });
  fields.optional('featureExtraction', (f, k) => checkMetrics(f.object(k)));
}

const SHA256_PATTERN = /^[0-9a-f]{64}$/;

/** The fields every backbone reference shares: an id that cannot name a path, a weight hash, where it is kept. */
function checkBackboneRef(backbone: JsonFields): void {
  backbone.string('id', { pattern: BACKBONE_ID_PATTERN, patternText: 'a zoo id (lower-case letters, digits, dashes and dots; not a path)' });
  backbone.string('weightsSha256', { pattern: SHA256_PATTERN, patternText: 'a SHA-256 hex digest' });
  backbone.choice('location', ['zoo', 'included']);
}

function checkImageBackbone(backbone: JsonFields): void {
  backbone.string('cut', { nonEmpty: true });
  backbone.choice('pooling', POOLINGS);
}

/**
 * Checks a whole headstart.json against the model format: every field's type and range, ids that cannot name a
 * path, input sizes an engine can allocate. A file that fails is reported with the field's path.
 */
export function parseModelManifest(raw: unknown, file: string): ModelManifest {
  const fail = (what: string) =>
    new HeadstartError('HS_MODEL_INVALID', `${file} is not a valid headstart model manifest: ${what}. Train the model again with 'headstart train', or restore the file.`);
  const root = new JsonFields(raw, '', fail);
  root.record();
  const version = root.number('formatVersion', { integer: true });
  if (version !== MODEL_FORMAT_VERSION) throw fail(`formatVersion is ${version}, this headstart reads ${MODEL_FORMAT_VERSION}`);
  root.string('createdAt');
  const labels = root.strings('labels', { min: 2, unique: true });
  const head = root.object('head');
  head.choice('kind', HEAD_KINDS);
  head.object('options');
  checkTraining(root.object('training'), labels);
  checkMetrics(root.object('metrics'));
  const modality = root.optional('modality', (f, k) => f.choice(k, ['image', 'text'] as const)) ?? 'image';
  const backbone = root.object('backbone');
  checkBackboneRef(backbone);
  if (modality === 'text') {
    // 'tf-idf' is no pooling a user picks: it marks a model on tf-idf features alone (the no-transfer baseline).
    backbone.choice('pooling', [...TEXT_POOLINGS, 'tf-idf']);
    root.optional('tfidf', (f, k) => {
      const tfidf = f.object(k);
      // A file name inside the model folder, never a path.
      tfidf.string('file', { pattern: /^[\w.-]+$/, patternText: 'a file name in the model folder (not a path)' });
      tfidf.string('sha256', { pattern: SHA256_PATTERN, patternText: 'a SHA-256 hex digest' });
    });
    const text = root.object('text');
    text.string('textColumn', { nonEmpty: true });
    text.string('labelColumn', { nonEmpty: true });
    text.number('oovRate', { min: 0, max: 1 });
    if (root.has('fineTune')) throw fail('fineTune is set, but text models are trained with strategy features only');
    return raw as TextModelManifest;
  }
  checkImageBackbone(backbone);
  for (const extra of root.optional('extraBackbones', (f, k) => f.array(k)) ?? []) {
    checkBackboneRef(extra);
    checkImageBackbone(extra);
  }
  root.optional('tta', (f, k) => f.choice(k, ['none', 'flip']));
  checkInput(root.object('input'));
  root.optional('fineTune', (f, k) => checkFineTune(f.object(k)));
  // Older manifests have no modality: they are image models.
  return { ...(raw as ImageModelManifest), modality: 'image' };
}
