import path from 'node:path';
import { promises as fs } from 'node:fs';
import { HeadstartError } from '../core/index.js';
import { detectDatasetKind, loadImageDataset, loadTextDataset } from '../data/index.js';
import type { BadFilePolicy, BadRow, FeatureCache, ImageDataset, SkippedFile, TextDataset, TextItem } from '../data/index.js';
import type { Engine, Pooling } from '../engines/index.js';
import { copyBackboneFolder, listTextBackbones, loadBackbone, loadTextBackbone, textFeatures, textRowId } from '../zoo/index.js';
import type { ExtractFeaturesResult, ModelCard, TextModelCard, TextPooling } from '../zoo/index.js';
import { extractFeaturesDistributed } from './extract.js';
import type { DistributedExtractionOptions } from './extract.js';
import type { ImageModelManifest, Modality, TextModelManifest } from './model-manifest.js';
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
}

/** The backbone, input and text fields of headstart.json, which depend on the modality. */
export type ModalityFields = Pick<ImageModelManifest, 'modality' | 'backbone' | 'input'> | Pick<TextModelManifest, 'modality' | 'backbone' | 'text'>;

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
  open(cache: FeatureCache | undefined): Promise<Featurizer>;
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
export async function imageFeatureStage(options: FeatureStageOptions, onBadFile: BadFilePolicy, defaultBackbone: string): Promise<FeatureStage> {
  const all = await loadImageDataset(options.data, { onBadFile });
  const val = options.val ? await loadImageDataset(options.val, { onBadFile, allowSingleClass: true }) : undefined;
  return {
    modality: 'image',
    unit: 'images',
    all,
    ...(val ? { val } : {}),
    warnings: [],
    async open(cache) {
      const backbone = await loadBackbone(options.backbone ?? defaultBackbone, {
        cut: options.cut,
        pooling: options.pooling as Pooling | undefined,
        engine: options.engine,
        home: resolveHome(options),
        onProgress: options.onProgress,
      });
      const location = backbone.card.origin === 'bundled' ? 'zoo' : 'included';
      return {
        featurize: (dataset) =>
          extractFeaturesDistributed(backbone, dataset, { cache, onBadFile, signal: options.signal, onProgress: options.onProgress, distribute: options.distribute, home: resolveHome(options) }),
        engine: backbone.engine,
        card: backbone.card,
        description: `${backbone.card.id} cut at ${backbone.cut} (${backbone.pooling} pooling, ${backbone.extractor.dim}-d)`,
        manifestFields: () => ({
          modality: 'image',
          backbone: { id: backbone.card.id, weightsSha256: backbone.weightsSha256, cut: backbone.cut, pooling: backbone.pooling, location },
          input: backbone.input,
        }),
        facts: () => ({}),
        warnings: () => [],
        writeBackbone: async (dir) => {
          if (location === 'included') await copyBackboneFolder(backbone.installed, path.join(dir, 'backbone'));
        },
        dispose: async () => backbone.dispose(),
      };
    },
  };
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
