import path from 'node:path';
import { promises as fs } from 'node:fs';
import { HeadstartError, invalidOption, sha256 } from '../core/index.js';
import type { ProgressCallback } from '../core/index.js';
import { TfIdf, datasetWarnings, detectDatasetKind, loadImageDataset, loadTextDataset, selectFeatureRows } from '../data/index.js';
import type { BadFilePolicy, BadRow, FeatureCache, ImageDataset, SkippedFile, TextDataset, TextItem } from '../data/index.js';
import type { Engine, Pooling } from '../engines/index.js';
import { appendTfIdfRows, TF_IDF_BACKBONE_ID, TF_IDF_FILE, tfIdfTextBackbone } from '../baselines/index.js';
import { chooseBackbones } from '../select/index.js';
import type { BackboneCandidate } from '../select/index.js';
import {
  combineBackbones, copyBackboneFolder, extractFeatures, joinFeatureRows, listBackbones, listTextBackbones, loadBackbone, loadTextBackbone, textFeatures, textRowId,
} from '../zoo/index.js';
import type { Backbone, ExtractFeaturesResult, ModelCard, TestTimeAugmentation, TextModelCard, TextPooling } from '../zoo/index.js';
import type { BackboneChoiceRecord, ImageBackboneRef, ImageModelManifest, Modality, TextModelManifest } from './model-manifest.js';
import { extractFeaturesDistributed } from './extract.js';
import type { DistributedExtractionOptions } from './extract.js';
import { resolveHome } from './shared-options.js';
import type { WorkflowOptions } from './shared-options.js';

/** The train options the feature stage reads (see TrainOptions). */
export interface FeatureStageOptions extends WorkflowOptions, DistributedExtractionOptions {
  data: string;
  val?: string;
  backbone?: string;
  cut?: string;
  pooling?: Pooling | TextPooling;
  textColumn?: string;
  labelColumn?: string;
  /** Image data: test-time augmentation ('flip': mean of each image's and its mirror's features). @default 'none' */
  tta?: TestTimeAugmentation;
  /** With backbone 'auto': the zoo ids it chooses from. @default every image backbone in the zoo */
  backboneCandidates?: string[];
}

/** The backbone value that lets the training images choose (see `chooseImageBackbones`). */
export const AUTO_BACKBONE = 'auto';

/** The backbone, input and text fields of headstart.json, which depend on the modality. */
export type ModalityFields = Pick<ImageModelManifest, 'modality' | 'backbone' | 'input' | 'extraBackbones' | 'tta' | 'backboneChoice'> | Pick<TextModelManifest, 'modality' | 'backbone' | 'text' | 'tfidf'>;

/** A frozen backbone ready to turn listed items into features, and what the manifest, card and report say of it. */
export interface Featurizer {
  /** Features of `dataset`'s items, one row per item keyed by the item's path (an image file, or a text row id). */
  featurize(dataset: Pick<ImageDataset, 'classes' | 'items'>): Promise<ExtractFeaturesResult>;
  /** The engine heads train on (undefined: trainHead's default). */
  engine: Engine | undefined;
  card: ModelCard | TextModelCard;
  /** One line for the report: backbone, cut, pooling, feature length. */
  description: string;
  /** Complete once `featurize` has run (a text model records the out-of-vocabulary rate it saw). */
  manifestFields(): ModalityFields;
  /** Extra report facts, also complete after `featurize`. */
  facts(): Record<string, string>;
  /** Warnings found while featurising. */
  warnings(): string[];
  /** Writes the backbone copy into a model directory when the manifest says 'included'. */
  writeBackbone(dir: string): Promise<void>;
  dispose(): Promise<void>;
}

/**
 * The modality-specific half of training: the data listed as `{ path, label }` items, which splitting, head training
 * and metrics share (a text row's path is its row id `<file>:<line>`), and a featurizer opened on demand.
 */
export interface FeatureStage {
  modality: Modality;
  /** 'images' or 'sentences', for messages and reports. */
  unit: string;
  all: ImageDataset;
  val?: ImageDataset;
  warnings: string[];
  /** `selectOn`: the labelled training items an automatic backbone choice is measured on. */
  open(cache: FeatureCache | undefined, selectOn?: Pick<ImageDataset, 'classes' | 'items'>): Promise<Featurizer>;
  /** The no-transfer baseline of this modality (absent where none exists yet). */
  baseline?: BaselineStage;
}

/** A featuriser that needs no pretrained weights, fitted on the training part only, for the no-transfer baseline. */
export interface BaselineStage {
  /** e.g. 'tf-idf logistic regression', for messages. */
  name: string;
  /** Fits the featuriser on `train`'s items (never on validation or test rows). */
  open(train: ImageDataset): Promise<Featurizer>;
  /** Text: the backbone's sentence vectors joined with the baseline's features, the hybrid candidate. */
  hybrid?(backbone: Featurizer, baseline: Featurizer): Featurizer;
}

/** The default text backbone: GloVe word vectors, mean-pooled. */
export const DEFAULT_TEXT_BACKBONE = 'glove-wink-100d';
const IMAGE_POOLINGS: readonly string[] = ['avg', 'max', 'flatten'];

/** A text dataset's bad rows as the skipped-file records every result lists. */
export function badRowsAsSkipped(rows: readonly BadRow[]): SkippedFile[] {
  return rows.map((r) => ({ file: r.line === undefined ? r.file : `${r.file}:${r.line}`, reason: r.reason }));
}

/**
 * Image or text, as the data's layout says; anything else (or an unreadable path) goes to the image loader, whose
 * errors name the problem as they always did.
 */
export async function trainingModality(data: string, textColumn: string | undefined): Promise<Modality> {
  const kind = await detectDatasetKind(data, textColumn ? { textColumn } : {}).catch(() => 'image' as const);
  return kind === 'text' ? 'text' : 'image';
}

/** Checks the options that belong to one modality only, before any heavy work. */
export function checkModalityOptions(modality: Modality, options: FeatureStageOptions & { strategy?: string }): void {
  const where = `${options.data} is a ${modality} dataset`;
  if (modality === 'text') {
    if (options.strategy === 'finetune') {
      throw new HeadstartError('HS_INVALID_OPTION', `${where}: strategy 'finetune' trains image backbones only. Use strategy 'features' (a head on frozen sentence vectors).`);
    }
    if (options.cut !== undefined) throw new HeadstartError('HS_INVALID_OPTION', `${where}: cut applies to image backbones. Drop it.`);
    if (options.tta !== undefined && options.tta !== 'none') throw new HeadstartError('HS_INVALID_OPTION', `${where}: tta '${options.tta}' augments images only. Drop it.`);
    if (options.backboneCandidates !== undefined) throw new HeadstartError('HS_INVALID_OPTION', `${where}: backboneCandidates lists image backbones for backbone 'auto'. Drop it.`);
    if (options.pooling !== undefined && !['mean', 'sif'].includes(options.pooling)) {
      throw new HeadstartError('HS_INVALID_OPTION', `${where}: expected pooling to be one of 'mean', 'sif' for a text backbone. Received: '${options.pooling}'.`);
    }
    return;
  }
  const textOnly = (['textColumn', 'labelColumn'] as const).filter((k) => options[k] !== undefined);
  if (textOnly.length > 0) throw new HeadstartError('HS_INVALID_OPTION', `${where}: ${textOnly.join(' and ')} apply to text datasets only. Drop them.`);
  if (options.pooling !== undefined && !IMAGE_POOLINGS.includes(options.pooling)) {
    throw new HeadstartError('HS_INVALID_OPTION', `${where}: expected pooling to be one of 'avg', 'max', 'flatten' for an image backbone. Received: '${options.pooling}'.`);
  }
}

/** Images: listed from a folder or manifest, features from a backbone cut. */
/** `defaults.tta` applies to backbone 'auto'; a named backbone has no test-time augmentation unless asked. */
export async function imageFeatureStage(options: FeatureStageOptions, onBadFile: BadFilePolicy, defaults: { backbone: string; tta: TestTimeAugmentation }): Promise<FeatureStage> {
  const all = await loadImageDataset(options.data, { onBadFile });
  const val = options.val ? await loadImageDataset(options.val, { onBadFile, allowSingleClass: true }) : undefined;
  return {
    modality: 'image',
    unit: 'images',
    all,
    ...(val ? { val } : {}),
    warnings: await datasetWarnings(all, val),
    async open(cache, selectOn) {
      const id = options.backbone ?? defaults.backbone;
      const tta = options.tta ?? (id === AUTO_BACKBONE ? defaults.tta : 'none');
      if (options.distribute !== undefined && tta !== 'none') {
        throw invalidOption(`distribute (--workers, --queue) spreads plain feature extraction; test-time augmentation '${tta}' runs in this process only. Pass tta 'none' (--tta none), or drop distribute.`);
      }
      const chosen = id === AUTO_BACKBONE ? await chooseImageBackbones(options, cache, selectOn ?? all, onBadFile) : undefined;
      const parts = chosen?.parts ?? [
        await loadBackbone(id, { cut: options.cut, pooling: options.pooling as Pooling | undefined, engine: options.engine, home: resolveHome(options), onProgress: options.onProgress }),
      ];
      const job = { tta, choice: chosen?.choice, cache, onBadFile, signal: options.signal, onProgress: options.onProgress, distribute: options.distribute, home: resolveHome(options) };
      return imageFeaturizer(parts, job);
    },
  };
}

/** One backbone's place in the manifest: the zoo by id when bundled, else a copy in the model directory. */
function backboneRef(backbone: Backbone): ImageBackboneRef {
  const location = backbone.card.origin === 'bundled' ? 'zoo' : 'included';
  return { id: backbone.card.id, weightsSha256: backbone.weightsSha256, cut: backbone.cut, pooling: backbone.pooling, location };
}

/**
 * Features from one or more opened backbones (concatenated as `combineBackbones` does, each part L2-normalised) with
 * optional test-time augmentation. Each part's features are cached on their own, so a concatenation reuses the
 * features its parts were scored with.
 */
function imageFeaturizer(
  parts: Backbone[],
  job: {
    tta: TestTimeAugmentation;
    choice: BackboneChoiceRecord | undefined;
    cache: FeatureCache | undefined;
    onBadFile: BadFilePolicy;
    signal?: AbortSignal;
    onProgress?: ProgressCallback;
    distribute: DistributedExtractionOptions['distribute'];
    home: string;
  },
): Featurizer {
  const [main] = parts as [Backbone, ...Backbone[]];
  const { tta, choice } = job;
  const dim = parts.reduce((sum, p) => sum + p.extractor.dim, 0);
  const ids = parts.map((p) => p.card.id).join(' + ');
  return {
    async featurize(dataset) {
      const results: ExtractFeaturesResult[] = [];
      for (const part of parts) {
        const extractOptions = { cache: job.cache, onBadFile: job.onBadFile, signal: job.signal, onProgress: job.onProgress };
        results.push(
          tta === 'none'
            ? await extractFeaturesDistributed(part, dataset, { ...extractOptions, distribute: job.distribute, home: job.home })
            : await extractFeatures(combineBackbones([part], { tta }), dataset, extractOptions),
        );
      }
      const [first] = results as [ExtractFeaturesResult, ...ExtractFeaturesResult[]];
      if (results.length === 1) return first;
      const files = first.features.files;
      const blocks = results.map((r) => selectFeatureRows(r.features, files));
      return {
        features: { ...first.features, values: joinFeatureRows(blocks, files.length), dim },
        skipped: first.skipped,
        extracted: results.reduce((n, r) => n + r.extracted, 0),
        cached: results.reduce((n, r) => n + r.cached, 0),
        durationMs: results.reduce((n, r) => n + r.durationMs, 0),
      };
    },
    engine: main.engine,
    card: main.card,
    description: `${ids} cut at ${parts.map((p) => p.cut).join(' + ')} (${main.pooling} pooling, ${dim}-d${parts.length > 1 ? ', each part L2-normalised' : ''}${tta === 'flip' ? ', flip TTA' : ''})`,
    manifestFields: () => ({
      modality: 'image',
      backbone: backboneRef(main),
      input: main.input,
      ...(parts.length > 1 ? { extraBackbones: parts.slice(1).map(backboneRef) } : {}),
      ...(tta === 'flip' ? { tta } : {}),
      ...(choice ? { backboneChoice: choice } : {}),
    }),
    facts: () => ({
      ...(choice ? { 'backbone choice': `${choice.chosen.join(' + ')}: ${choice.reason}` } : {}),
      ...(tta === 'flip' ? { 'test-time augmentation': 'flip (mean of each image and its mirror)' } : {}),
    }),
    warnings: () => [],
    writeBackbone: async (dir) => {
      if (backboneRef(main).location === 'included') await copyBackboneFolder(main.installed, path.join(dir, 'backbone'));
    },
    dispose: async () => {
      for (const part of parts) part.dispose();
    },
  };
}

/**
 * `backbone: 'auto'`: every candidate image backbone (default cut and pooling) featurises the training items (through
 * the feature cache), `chooseBackbones` ranks them by LogME and may pick the top two's concatenation. Only bundled
 * backbones with the same input are concatenated (a model directory carries at most one registered backbone).
 */
async function chooseImageBackbones(
  options: FeatureStageOptions,
  cache: FeatureCache | undefined,
  selectOn: Pick<ImageDataset, 'classes' | 'items'>,
  onBadFile: BadFilePolicy,
): Promise<{ parts: Backbone[]; choice: BackboneChoiceRecord }> {
  const home = resolveHome(options);
  const ids = options.backboneCandidates ?? (await listBackbones({ home })).map((c) => c.id);
  if (ids.length === 0) throw new HeadstartError('HS_INVALID_OPTION', "backbone 'auto' found no image backbone to choose from: pass backboneCandidates, or a backbone id.");
  if (options.cut !== undefined || options.pooling !== undefined) {
    throw new HeadstartError('HS_INVALID_OPTION', "cut and pooling apply to a named backbone; backbone 'auto' uses each candidate's default cut. Name the backbone (--backbone ID), or drop them.");
  }
  const labelled = { classes: selectOn.classes, items: selectOn.items.filter((i) => selectOn.classes.includes(i.label)) };
  const opened = new Map<string, Backbone>();
  const candidates: BackboneCandidate[] = [];
  try {
    for (const id of ids) {
      const backbone = await loadBackbone(id, { engine: options.engine, home, onProgress: options.onProgress });
      opened.set(id, backbone);
      const { features } = await extractFeatures(backbone, labelled, { cache, onBadFile, signal: options.signal, onProgress: options.onProgress });
      const { input } = backbone;
      const inputKey = backbone.card.origin === 'bundled' ? JSON.stringify([input.height, input.width, input.resize, input.channelOrder, input.layout ?? 'nhwc']) : `registered:${id}`;
      candidates.push({ id, features, inputKey });
    }
    const choice = chooseBackbones(candidates);
    const parts = choice.chosen.map((id) => opened.get(id) as Backbone);
    for (const [id, backbone] of opened) if (!choice.chosen.includes(id)) backbone.dispose();
    return { parts, choice: { ranking: choice.ranking, chosen: choice.chosen, reason: choice.reason } };
  } catch (err) {
    for (const backbone of opened.values()) backbone.dispose();
    throw err;
  }
}

/** A text dataset as items splitDataset and selectFeatureRows work on: each row's path is its row id (`<file>:<line>`). */
export function textSplitItems(ds: TextDataset): ImageDataset {
  return { source: ds.source, classes: ds.classes, items: ds.items.map((it) => ({ path: textRowId(it), label: it.label })), skipped: badRowsAsSkipped(ds.badRows) };
}

/** Share of unknown words above which the backbone probably does not speak the data's language. */
const HIGH_OOV_RATE = 0.3;

/** Text: rows of a table or .txt files, sentence vectors from a text backbone (word vectors or an ONNX sentence encoder). */
export async function textFeatureStage(options: FeatureStageOptions, onBadFile: BadFilePolicy): Promise<FeatureStage> {
  const textColumn = options.textColumn ?? 'text';
  const labelColumn = options.labelColumn ?? 'label';
  const loadOptions = { textColumn, labelColumn, onBadRow: onBadFile };
  const data = await loadTextDataset(options.data, loadOptions);
  const valData = options.val ? await loadTextDataset(options.val, { ...loadOptions, allowSingleClass: true }) : undefined;
  const byId = new Map<string, TextItem>([...data.items, ...(valData?.items ?? [])].map((it) => [textRowId(it), it]));
  return {
    modality: 'text',
    unit: 'sentences',
    all: textSplitItems(data),
    ...(valData ? { val: textSplitItems(valData) } : {}),
    warnings: [...data.warnings, ...(valData?.warnings ?? [])],
    baseline: textBaselineStage(byId, { textColumn, labelColumn }),
    async open(cache) {
      const home = resolveHome(options);
      const id = options.backbone ?? DEFAULT_TEXT_BACKBONE;
      const inZoo = (await listTextBackbones({ home })).some((c) => c.id === id);
      const backbone = await loadTextBackbone(id, {
        home,
        ...(options.pooling ? { pooling: options.pooling as TextPooling } : {}),
        ...(options.onProgress ? { onProgress: options.onProgress } : {}),
      });
      let oovRate = 0;
      return {
        async featurize(dataset) {
          const items = dataset.items.map((it) => byId.get(it.path) as TextItem);
          const result = await textFeatures({ classes: dataset.classes, items }, backbone, { cache, signal: options.signal, onProgress: options.onProgress });
          oovRate = result.oovRate;
          return { features: result.features, skipped: [], extracted: result.extracted, cached: result.cached, durationMs: result.durationMs };
        },
        engine: options.engine,
        card: backbone.card,
        description: `${backbone.card.id} (${backbone.card.kind}, ${backbone.pooling} pooling, ${backbone.dim}-d)`,
        manifestFields: () => ({
          modality: 'text',
          backbone: { id: backbone.card.id, weightsSha256: backbone.weightsSha256, pooling: backbone.pooling, location: inZoo ? 'zoo' : 'included' },
          text: { textColumn, labelColumn, oovRate },
        }),
        facts: () => ({ 'words unknown to the backbone': `${(oovRate * 100).toFixed(1)}%` }),
        warnings: () =>
          oovRate > HIGH_OOV_RATE
            ? [`${(oovRate * 100).toFixed(0)}% of the words are unknown to ${backbone.card.id}: is the text in the backbone's language (${backbone.card.trainedOn})?`]
            : [],
        // A backbone given as a folder travels with the model, so the model loads on a machine without that folder.
        writeBackbone: async (dir) => {
          if (!inZoo) await fs.cp(id, path.join(dir, 'backbone'), { recursive: true });
        },
        dispose: () => backbone.dispose(),
      };
    },
  };
}

type TextColumns = { textColumn: string; labelColumn: string };

/** tf-idf of word and character n-grams, fitted on the training texts: the text baseline, and half of the hybrid. */
function textBaselineStage(byId: Map<string, TextItem>, columns: TextColumns): BaselineStage {
  return {
    name: 'tf-idf logistic regression',
    async open(train) {
      const tfidf = TfIdf.fit(train.items.map((it) => (byId.get(it.path) as TextItem).text));
      return tfIdfFeaturizer(tfidf, byId, columns);
    },
    hybrid: (backbone, baseline) => hybridFeaturizer(backbone, baseline),
  };
}

/** The tf-idf vectoriser as a featuriser of text row ids; its file is written beside headstart.json. */
function tfIdfFeaturizer(tfidf: TfIdf, byId: Map<string, TextItem>, columns: TextColumns): Featurizer & { tfidf: TfIdf } {
  const backbone = tfIdfTextBackbone(tfidf);
  const json = JSON.stringify(tfidf.toJSON());
  let oovRate = 0;
  return {
    tfidf,
    async featurize(dataset) {
      const items = dataset.items.map((it) => byId.get(it.path) as TextItem);
      // Not cached: the vectoriser is fitted anew on every split, and its rows are cheap to compute and wide to store.
      const result = await textFeatures({ classes: dataset.classes, items }, backbone);
      oovRate = result.oovRate;
      return { features: result.features, skipped: [], extracted: result.extracted, cached: 0, durationMs: result.durationMs };
    },
    engine: undefined,
    card: backbone.card,
    description: `${backbone.card.name} (${tfidf.dim} terms, fitted on the training texts)`,
    manifestFields: () => ({
      modality: 'text',
      backbone: { id: TF_IDF_BACKBONE_ID, weightsSha256: backbone.weightsSha256, pooling: 'tf-idf', location: 'included' },
      text: { ...columns, oovRate },
      tfidf: { file: TF_IDF_FILE, sha256: sha256(json), dim: tfidf.dim },
    }),
    facts: () => ({ 'words outside the tf-idf vocabulary': `${(oovRate * 100).toFixed(1)}%` }),
    warnings: () => [],
    writeBackbone: (dir) => fs.writeFile(path.join(dir, TF_IDF_FILE), json),
    dispose: async () => {},
  };
}

/** A text backbone's sentence vectors (unit length) followed by tf-idf rows: both featurisers' files travel with the model. */
function hybridFeaturizer(backbone: Featurizer, baseline: Featurizer): Featurizer {
  return {
    async featurize(dataset) {
      const dense = await backbone.featurize(dataset);
      const sparse = await baseline.featurize(dataset);
      const n = dense.features.labels.length;
      const dim = dense.features.dim + sparse.features.dim;
      return {
        ...dense,
        features: { ...dense.features, dim, values: appendTfIdfRows(dense.features.values, dense.features.dim, sparse.features.values, sparse.features.dim, n) },
        durationMs: dense.durationMs + sparse.durationMs,
      };
    },
    engine: backbone.engine,
    card: backbone.card,
    description: `${backbone.description} + ${baseline.description}`,
    manifestFields: () => {
      const fields = backbone.manifestFields();
      const sparse = baseline.manifestFields();
      if (fields.modality !== 'text' || sparse.modality !== 'text') throw new Error('the hybrid joins two text featurisers');
      return { ...fields, ...(sparse.tfidf ? { tfidf: sparse.tfidf } : {}) };
    },
    facts: () => ({ ...backbone.facts(), ...baseline.facts() }),
    warnings: () => backbone.warnings(),
    writeBackbone: async (dir) => {
      await backbone.writeBackbone(dir);
      await baseline.writeBackbone(dir);
    },
    dispose: () => backbone.dispose(),
  };
}
