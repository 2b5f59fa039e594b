import { promises as fs } from 'node:fs';
import path from 'node:path';
import { HeadstartError, invalidChoice, invalidOption, rejectUnknownKeys, throwIfAborted, writeDirAtomic } from '../core/index.js';
import { CONTINUAL_DEFAULTS, CONTINUAL_STRATEGIES, createLearner, loadLearner } from '../continual/index.js';
import type { ContinualLearner, ContinualOptions, ContinualStrategy, LearnerMemory } from '../continual/index.js';
import { detectDatasetKind, loadImageDataset, loadTextDataset } from '../data/index.js';
import type { FeatureCache, FeatureSet, SkippedFile } from '../data/index.js';
import { argmaxRows, computeMetrics } from '../evaluate/index.js';
import type { ClassificationMetrics } from '../evaluate/index.js';
import type { Head } from '../heads/index.js';
import { extractFeatures, textFeatures } from '../zoo/index.js';
import { badRowsAsSkipped } from './feature-stage.js';
import { renderModelCardText } from './model-card-text.js';
import type { ModelManifest, ModelVersion } from './model-manifest.js';
import { openFeatureCache, resolveHome, WORKFLOW_OPTION_KEYS } from './shared-options.js';
import type { WorkflowOptions } from './shared-options.js';
import { loadAnyModel, MANIFEST_FILE, readModelManifest } from './transfer-model.js';
import type { TextTransferModel, TransferModel } from './transfer-model.js';

export interface UpdateModelOptions extends WorkflowOptions, ContinualOptions {
  /** A model directory written by `train` (strategy 'features') or by an earlier update. */
  model: string;
  /**
   * New labelled data of the model's kind (an image folder or manifest, or a text dataset): examples of known
   * classes, of new classes, or both. Required unless `rollback`.
   */
  data?: string;
  /** @default the strategy of the model's last update; 'slda' for a model never updated */
  strategy?: ContinualStrategy;
  /**
   * The data the model was trained on, read once to start the continual state of a model never updated (every
   * example in it, validation and test parts too); not needed by 'naive'. @default the model's training data
   */
  base?: string;
  /** Labelled data to score the updated model on; its metrics go into headstart.json. */
  test?: string;
  /** Put the previous version back (versions/<n-1>/) instead of updating. */
  rollback?: boolean;
  /** Text models: the column or key holding the text. @default the column the model was trained with */
  textColumn?: string;
  /** Text models: the column or key holding the label. @default the column the model was trained with */
  labelColumn?: string;
}

export interface UpdateModelResult {
  modelDir: string;
  /** The version now in the model directory, and the one before it (kept in versions/). */
  version: number;
  previousVersion: number;
  /** 'update' or 'rollback'. */
  action: 'update' | 'rollback';
  strategy?: ContinualStrategy;
  classes: string[];
  newClasses: string[];
  /** Examples per class learned by this update. */
  examples: Record<string, number>;
  /** What the model's continual/ folder keeps. */
  memory?: LearnerMemory;
  metrics?: ClassificationMetrics;
  skipped: SkippedFile[];
  warnings: string[];
  durationMs: { extract: number; update: number; total: number };
}

const KNOWN_OPTIONS = [...WORKFLOW_OPTION_KEYS, ...Object.keys(CONTINUAL_DEFAULTS), 'model', 'data', 'strategy', 'base', 'test', 'rollback', 'textColumn', 'labelColumn'];
const CONTINUAL_DIR = 'continual';
const VERSIONS_DIR = 'versions';
/** Entries of a model directory shared by every version rather than copied into versions/<n>/. */
const SHARED_ENTRIES = [VERSIONS_DIR, 'backbone'];

type LoadedModel = TransferModel | TextTransferModel;

/** The features a learner accepts: produced by this backbone, cut and pooling, this long. */
function featureSpec(manifest: ModelManifest, dim: number): Record<string, string | number> {
  const b = manifest.backbone;
  return manifest.modality === 'text'
    ? { backbone: b.id, weightsSha256: b.weightsSha256, pooling: b.pooling, dim }
    : { backbone: b.id, weightsSha256: b.weightsSha256, cut: manifest.backbone.cut, pooling: b.pooling, dim };
}

function versionsOf(manifest: ModelManifest): ModelVersion[] {
  if (manifest.versions && manifest.versions.length > 0) return manifest.versions;
  return [{ version: 1, createdAt: manifest.createdAt, change: 'train', data: manifest.training.data, newClasses: manifest.labels, examples: manifest.training.perClass }];
}

/**
 * Features of a labelled dataset of the model's kind. With `known`, its classes must be among them and the features
 * are labelled in that order; without, the dataset's own class list is used (new classes welcome).
 */
async function datasetFeatures(model: LoadedModel, data: string, options: UpdateModelOptions, cache: FeatureCache | undefined, known?: readonly string[]): Promise<{ features: FeatureSet; skipped: SkippedFile[]; durationMs: number }> {
  const onBadFile = options.onBadFile ?? 'skip';
  const progress = { signal: options.signal, onProgress: options.onProgress };
  const kind = await detectDatasetKind(data, options.textColumn ? { textColumn: options.textColumn } : {}).catch(() => 'image' as const);
  const dataModality = kind === 'text' ? 'text' : 'image';
  const checkKnown = (classes: string[]) => {
    const unknown = known ? classes.filter((c) => !known.includes(c)) : [];
    if (unknown.length > 0) throw new HeadstartError('HS_UNKNOWN_LABEL', `${data} has classes ${options.model} does not know: ${unknown.join(', ')}. Its classes: ${known?.join(', ') ?? ''}.`);
  };
  if (dataModality !== model.modality) {
    throw new HeadstartError('HS_DATASET_INVALID', `${data} is ${dataModality} data; ${options.model} is a${model.modality === 'image' ? 'n image' : ' text'} model. Pass ${model.modality} data of the kind the model was trained on.`);
  }
  if (model.modality === 'text') {
    const data_ = await loadTextDataset(data, {
      textColumn: options.textColumn ?? model.manifest.text.textColumn,
      labelColumn: options.labelColumn ?? model.manifest.text.labelColumn,
      onBadRow: onBadFile,
      allowSingleClass: true,
    });
    checkKnown(data_.classes);
    const result = await textFeatures({ items: data_.items, classes: known ? [...known] : data_.classes }, model.backbone, { cache, ...progress });
    return { features: result.features, skipped: badRowsAsSkipped(data_.badRows), durationMs: result.durationMs };
  }
  const textOnly = (['textColumn', 'labelColumn'] as const).filter((k) => options[k] !== undefined);
  if (textOnly.length > 0) throw new HeadstartError('HS_INVALID_OPTION', `${options.model} is an image model: ${textOnly.join(' and ')} apply to text models only. Drop them.`);
  const images = await loadImageDataset(data, { onBadFile, allowSingleClass: true });
  checkKnown(images.classes);
  const result = await extractFeatures(model.backbone, { items: images.items, classes: known ? [...known] : images.classes }, { cache, onBadFile, ...progress });
  return { features: result.features, skipped: [...images.skipped, ...result.skipped], durationMs: result.durationMs };
}

/** The continual-learning options the caller set. */
function continualOptionsOf(options: UpdateModelOptions): ContinualOptions {
  return Object.fromEntries(Object.keys(CONTINUAL_DEFAULTS).flatMap((k) => {
    const v = (options as unknown as Record<string, unknown>)[k];
    return v === undefined ? [] : [[k, v]];
  })) as ContinualOptions;
}

/** Class names that differ from a known class only in case or surrounding spaces are almost always typos of it. */
function checkLabels(known: readonly string[], incoming: readonly string[], data: string, model: string): void {
  const norm = (s: string) => s.trim().toLowerCase();
  const clashes = incoming.flatMap((c) => known.filter((k) => k !== c && norm(k) === norm(c)).map((k) => `'${c}' (the model has '${k}')`));
  if (clashes.length > 0) {
    throw new HeadstartError(
      'HS_UNKNOWN_LABEL',
      `${data} has classes that differ from the classes of ${model} only in case or spaces: ${clashes.join(', ')}. Rename the folders or labels to the model's names, or to clearly new ones. The model's classes: ${known.join(', ')}.`,
    );
  }
}

/** The model's learner: its saved state (checked against the model's feature space), or a new one started from `base`. */
async function openLearner(model: LoadedModel, options: UpdateModelOptions, cache: FeatureCache | undefined, dim: number, warnings: string[]): Promise<{ learner: ContinualLearner; baseMs: number; skipped: SkippedFile[] }> {
  const stateDir = path.join(options.model, CONTINUAL_DIR);
  const spec = featureSpec(model.manifest, dim);
  const saved = await fs.stat(path.join(stateDir, 'state.json')).then(() => true, () => false);
  if (saved) {
    const { learner, meta } = await loadLearner(stateDir);
    const savedSpec = (meta.featureSpec ?? {}) as Record<string, unknown>;
    const differing = Object.keys(spec).filter((k) => savedSpec[k] !== spec[k]);
    if (differing.length > 0 || learner.dim !== dim) {
      throw new HeadstartError(
        'HS_MODEL_INVALID',
        `${stateDir} was built on other features than ${options.model} produces (${differing.map((k) => `${k}: state ${String(savedSpec[k])}, model ${String(spec[k])}`).join('; ') || `dim ${learner.dim} vs ${dim}`}). ` +
          'The state belongs to another model: roll back (headstart update --rollback), or delete the continual/ folder to start it again from the training data.',
      );
    }
    const changed = Object.entries(continualOptionsOf(options)).filter(([k, v]) => learner.options[k as keyof ContinualOptions] !== v);
    if (changed.length > 0) {
      throw invalidOption(`${options.model} keeps learning with the options of its first update (${changed.map(([k]) => `${k} ${String(learner.options[k as keyof ContinualOptions])}`).join(', ')}); received ${changed.map(([k, v]) => `${k} ${String(v)}`).join(', ')}. Drop them.`);
    }
    if (options.strategy !== undefined && options.strategy !== learner.strategy) {
      throw invalidOption(`${options.model} learns with strategy '${learner.strategy}' (its continual/ state); it cannot continue as '${options.strategy}'. Drop --strategy, or roll back to the version before the first update and update with '${options.strategy}'.`);
    }
    return { learner, baseMs: 0, skipped: [] };
  }
  const strategy = options.strategy ?? 'slda';
  const learner = createLearner(strategy, dim, continualOptionsOf(options));
  if (strategy === 'naive') {
    if (model.head.kind !== 'linear') throw invalidOption(`Strategy 'naive' keeps training the model's linear head; ${options.model} has a ${model.head.kind} head. Pick another strategy.`);
    return { learner, baseMs: 0, skipped: [] };
  }
  const base = options.base ?? model.manifest.training.data;
  if (!(await fs.stat(base).then(() => true, () => false))) {
    throw new HeadstartError('HS_FILE_NOT_FOUND', `${options.model} has never been updated, so its '${strategy}' state starts from the data it was trained on, ${base}, which does not exist. Pass that data with --base, or use strategy 'naive'.`);
  }
  // Labelled in the model's class order, which the learner then keeps: earlier predictions keep their meaning.
  const baseFeatures = await datasetFeatures(model, base, options, cache, model.manifest.labels);
  warnings.push(`First update: the '${strategy}' state was started from every example of ${base} (${baseFeatures.features.labels.length}), its validation and test parts included, so held-out metrics of the trained version no longer apply.`);
  const started = performance.now();
  await learner.learn(baseFeatures.features);
  return { learner, baseMs: baseFeatures.durationMs + (performance.now() - started), skipped: baseFeatures.skipped };
}

/** The card's section on continual learning: the strategy, the versions, and what the model keeps of its data. */
function continualCardSection(manifest: ModelManifest): string {
  const c = manifest.continual;
  if (!c) return '';
  const privacy = c.memory.storesExamples
    ? `- Kept data: ${c.memory.keeps}, ${(c.memory.bytes / 1024).toFixed(0)} KiB in continual/. These are feature vectors of individual examples, not the raw images or text, but they are derived from them: treat the model directory as holding data about its training examples.`
    : `- Kept data: ${c.memory.keeps}, ${(c.memory.bytes / 1024).toFixed(0)} KiB in continual/. No raw data and no feature vector of any single example is kept: only sums over many examples.`;
  return [
    '## Continual learning',
    `- Strategy: ${c.strategy} (updated with 'headstart update'; 'headstart update --rollback' restores the previous version from versions/)`,
    privacy,
    ...(manifest.versions ?? []).map((v) => `- Version ${v.version} (${v.change}${v.strategy ? `, ${v.strategy}` : ''}, ${v.createdAt}): ${Object.entries(v.examples).map(([k, n]) => `${k} ${n}`).join(', ')}${v.newClasses.length > 0 ? `; new classes: ${v.newClasses.join(', ')}` : ''}`),
    '',
  ].join('\n');
}

/** Copies the entries of one version (everything but versions/ and the shared backbone copy) from `from` to `to`. */
async function copyVersionEntries(from: string, to: string): Promise<void> {
  await fs.mkdir(to, { recursive: true });
  for (const entry of await fs.readdir(from)) {
    if (SHARED_ENTRIES.includes(entry)) continue;
    await fs.cp(path.join(from, entry), path.join(to, entry), { recursive: true });
  }
}

/** Copies the entries every version shares (the backbone copy and versions/ except `skipVersion`). */
async function copySharedEntries(from: string, to: string, skipVersion?: number): Promise<void> {
  if (await fs.stat(path.join(from, 'backbone')).then(() => true, () => false)) await fs.cp(path.join(from, 'backbone'), path.join(to, 'backbone'), { recursive: true });
  const versions = path.join(from, VERSIONS_DIR);
  for (const entry of await fs.readdir(versions).catch(() => [] as string[])) {
    if (entry !== String(skipVersion)) await fs.cp(path.join(versions, entry), path.join(to, VERSIONS_DIR, entry), { recursive: true });
  }
}

/** Puts versions/<n-1>/ back as the model directory's current version. */
async function rollbackModel(options: UpdateModelOptions, started: number): Promise<UpdateModelResult> {
  const manifest = await readModelManifest(options.model);
  const versions = versionsOf(manifest);
  const current = versions[versions.length - 1]?.version ?? 1;
  const previous = current - 1;
  const previousDir = path.join(options.model, VERSIONS_DIR, String(previous));
  if (previous < 1 || !(await fs.stat(path.join(previousDir, MANIFEST_FILE)).then(() => true, () => false))) {
    throw new HeadstartError('HS_MODEL_NOT_FOUND', `${options.model} is at version ${current} and has no earlier version to roll back to (${previousDir} is missing).`);
  }
  await writeDirAtomic(options.model, async (dir) => {
    await copySharedEntries(options.model, dir, previous);
    throwIfAborted(options.signal);
    await copyVersionEntries(previousDir, dir);
  });
  const restored = await readModelManifest(options.model);
  return {
    modelDir: path.resolve(options.model),
    version: previous,
    previousVersion: current,
    action: 'rollback',
    ...(restored.continual ? { strategy: restored.continual.strategy, memory: restored.continual.memory } : {}),
    classes: restored.labels,
    newClasses: [],
    examples: {},
    skipped: [],
    warnings: [],
    durationMs: { extract: 0, update: 0, total: performance.now() - started },
  };
}

/**
 * Adds new examples, new classes or both to a trained model on its frozen backbone, with a continual-learning
 * strategy, and writes the next version of the model directory atomically (the current one moves to
 * versions/<n>/, so `rollback` can restore it). Works for image and text models alike: it acts on features.
 */
export async function updateModel(options: UpdateModelOptions): Promise<UpdateModelResult> {
  rejectUnknownKeys('updateModel', options, KNOWN_OPTIONS);
  const started = performance.now();
  if (!options.model) throw invalidOption('updateModel needs model: the model directory to update.');
  if (options.rollback) {
    const extra = ['data', 'strategy', 'base', 'test'].filter((k) => (options as unknown as Record<string, unknown>)[k] !== undefined);
    if (extra.length > 0) throw invalidOption(`rollback restores the previous version as it was: drop ${extra.join(', ')}.`);
    return rollbackModel(options, started);
  }
  if (!options.data) throw invalidOption('updateModel needs data: the new labelled examples (known classes, new ones, or both).');
  if (options.strategy !== undefined && !CONTINUAL_STRATEGIES.includes(options.strategy)) throw invalidChoice('strategy', options.strategy, CONTINUAL_STRATEGIES);
  const manifest = await readModelManifest(options.model);
  if (manifest.fineTune) {
    throw invalidOption(`${options.model} was fine-tuned (train --strategy finetune): its backbone is no longer the frozen one features come from. Update works on models trained with strategy 'features'.`);
  }
  const model = await loadAnyModel(options.model, { home: resolveHome(options), ...(options.engine ? { engine: options.engine } : {}), ...(options.onProgress ? { onProgress: options.onProgress } : {}) });
  const cache = openFeatureCache(options);
  let head: Head | undefined;
  try {
    const warnings: string[] = [];
    const incoming = await datasetFeatures(model, options.data, options, cache);
    const { features } = incoming;
    if (features.labels.length === 0) throw new HeadstartError('HS_DATASET_EMPTY', `${options.data} has no usable examples to learn from.`);
    checkLabels(model.manifest.labels, features.classes, options.data, options.model);
    const opened = await openLearner(model, options, cache, features.dim, warnings);
    const { learner } = opened;
    const updateStarted = performance.now();
    const engine = model.modality === 'image' ? model.backbone.engine : options.engine;
    head = await learner.learn(features, { previousHead: model.head, ...(engine ? { engine } : {}), ...(options.signal ? { signal: options.signal } : {}) });
    const updateMs = performance.now() - updateStarted;
    const classes = [...learner.classes];
    const newClasses = classes.filter((c) => !model.manifest.labels.includes(c));
    const examples = Object.fromEntries(features.classes.map((c, i) => [c, features.labels.filter((l) => l === i).length]));

    let metrics: ClassificationMetrics | undefined;
    if (options.test) {
      const test = await datasetFeatures(model, options.test, options, cache, classes);
      metrics = computeMetrics(test.features.labels, argmaxRows(await head.predict(test.features.values, test.features.labels.length), classes.length), classes);
    }
    const versions = versionsOf(model.manifest);
    const previousVersion = versions[versions.length - 1]?.version ?? 1;
    const version = previousVersion + 1;
    const memory = learner.memory();
    const next: ModelManifest = {
      ...model.manifest,
      createdAt: new Date().toISOString(),
      labels: classes,
      head: { kind: head.kind, options: { strategy: learner.strategy } },
      metrics: metrics ? { test: metrics } : {},
      versions: [...versions, { version, createdAt: new Date().toISOString(), change: 'update', strategy: learner.strategy, data: path.resolve(options.data), newClasses, examples }],
      continual: { strategy: learner.strategy, options: learner.options, memory },
    };
    const card = renderModelCardText(next, model.backbone.card) + continualCardSection(next);
    const newHead = head;
    await writeDirAtomic(options.model, async (dir) => {
      options.onProgress?.({ stage: 'done', message: `Writing version ${version} of ${options.model} (version ${previousVersion} moves to ${VERSIONS_DIR}/${previousVersion}/)` });
      await copySharedEntries(options.model, dir);
      await copyVersionEntries(options.model, path.join(dir, VERSIONS_DIR, String(previousVersion)));
      throwIfAborted(options.signal);
      await fs.mkdir(path.join(dir, 'head'));
      await newHead.save(path.join(dir, 'head'));
      await fs.mkdir(path.join(dir, CONTINUAL_DIR));
      await learner.save(path.join(dir, CONTINUAL_DIR), { featureSpec: featureSpec(model.manifest, features.dim) });
      await fs.writeFile(path.join(dir, 'card.md'), card);
      throwIfAborted(options.signal);
      await fs.writeFile(path.join(dir, MANIFEST_FILE), JSON.stringify(next, null, 2));
    });
    return {
      modelDir: path.resolve(options.model),
      version,
      previousVersion,
      action: 'update',
      strategy: learner.strategy,
      classes,
      newClasses,
      examples,
      memory,
      ...(metrics ? { metrics } : {}),
      skipped: [...opened.skipped, ...incoming.skipped],
      warnings,
      durationMs: { extract: incoming.durationMs, update: updateMs + opened.baseMs, total: performance.now() - started },
    };
  } finally {
    head?.dispose();
    cache?.close();
    await model.dispose();
  }
}
