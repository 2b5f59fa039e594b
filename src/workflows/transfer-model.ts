import { promises as fs } from 'node:fs';
import path from 'node:path';
import { HeadstartError, sha256 } from '../core/index.js';
import { TF_IDF_BACKBONE_ID, hybridTextBackbone, tfIdfTextBackbone } from '../baselines/index.js';
import { TfIdf } from '../data/index.js';
import type { ProgressCallback } from '../core/index.js';
import type { Engine } from '../engines/index.js';
import { loadHead } from '../heads/index.js';
import type { Head } from '../heads/index.js';
import { hasTop, loadTopHead } from '../finetune/index.js';
import { combineBackbones, defaultHome, installBackbone, listTextBackbones, loadBackbone, loadTextBackbone, readBackboneFolder, resolveInside } from '../zoo/index.js';
import type { InputSpec } from '../data/index.js';
import type { Backbone, TextBackbone } from '../zoo/index.js';
import { parseModelManifest } from './model-manifest.js';
import type { ImageBackboneRef, ImageModelManifest, ModelManifest, TextModelManifest } from './model-manifest.js';

export const MANIFEST_FILE = 'headstart.json';

/** A trained image model directory, loaded: frozen backbone plus head, ready to classify. */
export interface TransferModel {
  modality: 'image';
  dir: string;
  manifest: ImageModelManifest;
  backbone: Backbone;
  head: Head;
  dispose(): void;
}

/** A trained text model directory, loaded: frozen text backbone plus head, ready to classify sentences. */
export interface TextTransferModel {
  modality: 'text';
  dir: string;
  manifest: TextModelManifest;
  backbone: TextBackbone;
  head: Head;
  dispose(): Promise<void>;
}

export interface LoadModelOptions {
  /** @default ~/.cache/headstart */
  home?: string;
  engine?: Engine;
  onProgress?: ProgressCallback;
}

/** Reads and checks headstart.json of a model directory; manifests older than text models read as image models. */
export async function readModelManifest(dir: string): Promise<ModelManifest> {
  const manifestPath = path.join(dir, MANIFEST_FILE);
  let raw: unknown;
  try {
    raw = JSON.parse(await fs.readFile(manifestPath, 'utf8'));
  } catch (err) {
    const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
    throw new HeadstartError(
      missing ? 'HS_MODEL_NOT_FOUND' : 'HS_MODEL_INVALID',
      missing
        ? `${dir} is not a headstart model directory: ${MANIFEST_FILE} is missing. Pass the --out folder of 'headstart train'.`
        : `Cannot parse ${manifestPath}: ${(err as Error).message}. Restore the file, or train the model again.`,
      { cause: err },
    );
  }
  return parseModelManifest(raw, manifestPath);
}

function backboneMismatch(id: string, dir: string, found: string, expected: string): HeadstartError {
  return new HeadstartError(
    'HS_MODEL_INVALID',
    `The backbone '${id}' on this machine (weights sha256 ${found.slice(0, 12)}…) is not the one ${dir} was trained on ` +
      `(${expected.slice(0, 12)}…). Its features would not match the head: retrain the model, or install the backbone version it names.`,
  );
}

/** A folder of the model directory (head/, backbone/), refused when it leads outside the directory. */
function modelPart(dir: string, part: 'head' | 'backbone'): Promise<string> {
  return resolveInside(dir, part, 'The model folder');
}

/** A head must score exactly the manifest's classes: more outputs would silently drop one, fewer would invent one. */
function checkHeadClasses(head: Head, manifest: ModelManifest, dir: string): void {
  if (head.numClasses === manifest.labels.length) return;
  head.dispose();
  throw new HeadstartError(
    'HS_MODEL_INVALID',
    `The head in ${path.join(dir, 'head')} has ${head.numClasses} outputs, but ${path.join(dir, MANIFEST_FILE)} lists ${manifest.labels.length} labels ` +
      `(${manifest.labels.join(', ')}). The two files come from different models: restore the folder, or train the model again.`,
  );
}

async function loadBackboneRef(dir: string, ref: ImageBackboneRef, input: InputSpec | undefined, options: LoadModelOptions): Promise<Backbone> {
  const installed =
    ref.location === 'included'
      ? await readBackboneFolder(await modelPart(dir, 'backbone'))
      : await installBackbone(ref.id, { home: options.home ?? defaultHome(), onProgress: options.onProgress });
  if (installed.weightsSha256 !== ref.weightsSha256) throw backboneMismatch(ref.id, dir, installed.weightsSha256, ref.weightsSha256);
  return loadBackbone(installed, { cut: ref.cut, pooling: ref.pooling, ...(input ? { input } : {}), engine: options.engine });
}

/** The model's backbone; with extra backbones or test-time augmentation, the combination `train` featurised with. */
async function loadModelBackbone(dir: string, manifest: ImageModelManifest, options: LoadModelOptions): Promise<Backbone> {
  const main = await loadBackboneRef(dir, manifest.backbone, manifest.input, options);
  if (!manifest.extraBackbones?.length && !manifest.tta) return main;
  const parts = [main];
  try {
    for (const ref of manifest.extraBackbones ?? []) parts.push(await loadBackboneRef(dir, ref, undefined, options));
    return combineBackbones(parts, { tta: manifest.tta ?? 'none' });
  } catch (err) {
    for (const part of parts) part.dispose();
    throw err;
  }
}

/** Loads an image model directory written by `train`. Its backbone comes from the zoo, or from the copy inside the directory. */
export async function loadModel(dir: string, options: LoadModelOptions = {}): Promise<TransferModel> {
  const manifest = await readModelManifest(dir);
  if (manifest.modality === 'text') {
    throw new HeadstartError('HS_INVALID_OPTION', `${dir} is a text model: load it with loadTextModel (predict and evaluateModel take either kind).`);
  }
  const backbone = await loadModelBackbone(dir, manifest, options);
  try {
    // A fine-tuned model's head folder also holds its top blocks, which run between the trunk and the dense head.
    const headDir = await modelPart(dir, 'head');
    const head = await ((await hasTop(headDir)) ? loadTopHead : loadHead)(headDir, { engine: backbone.engine });
    checkHeadClasses(head, manifest, dir);
    return {
      modality: 'image',
      dir,
      manifest,
      backbone,
      head,
      dispose() {
        head.dispose();
        backbone.dispose();
      },
    };
  } catch (err) {
    backbone.dispose();
    throw err;
  }
}

/** A text model's tf-idf vectoriser (tf-idf and hybrid models), checked against the hash its manifest recorded. */
async function readTfIdf(dir: string, ref: NonNullable<TextModelManifest['tfidf']>): Promise<TfIdf> {
  const file = path.join(dir, ref.file);
  const json = await fs.readFile(file, 'utf8').catch((err: unknown) => {
    throw new HeadstartError('HS_MODEL_INVALID', `Cannot read ${file}, the tf-idf vectoriser this model was trained with: ${(err as Error).message}. Train the model again.`, { cause: err });
  });
  if (sha256(json) !== ref.sha256) throw new HeadstartError('HS_MODEL_INVALID', `${file} is not the tf-idf vectoriser ${dir} was trained with (its sha256 differs). Train the model again.`);
  return TfIdf.fromJSON(JSON.parse(json), file);
}

/** The text model's input side: a text backbone, tf-idf features alone, or the backbone's sentence vector followed by tf-idf. */
async function loadTextModelBackbone(dir: string, manifest: TextModelManifest, options: LoadModelOptions): Promise<TextBackbone> {
  const ref = manifest.backbone;
  const tfidf = manifest.tfidf ? await readTfIdf(dir, manifest.tfidf) : undefined;
  if (tfidf && ref.id === TF_IDF_BACKBONE_ID) return tfIdfTextBackbone(tfidf);
  const home = options.home ?? defaultHome();
  // A zoo id must name a zoo entry: loadTextBackbone also takes folders, which a manifest may not point to.
  if (ref.location === 'zoo' && !(await listTextBackbones({ home })).some((c) => c.id === ref.id)) {
    throw new HeadstartError('HS_MODEL_NOT_FOUND', `${path.join(dir, MANIFEST_FILE)} names the text backbone '${ref.id}', which is not in the zoo (${home}). Register it with 'headstart zoo add', or train the model again.`);
  }
  const backbone = await loadTextBackbone(ref.location === 'included' ? await modelPart(dir, 'backbone') : ref.id, {
    pooling: ref.pooling,
    home,
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  });
  if (backbone.weightsSha256 !== ref.weightsSha256) {
    await backbone.dispose();
    throw backboneMismatch(ref.id, dir, backbone.weightsSha256, ref.weightsSha256);
  }
  return tfidf ? hybridTextBackbone(backbone, tfidf) : backbone;
}

/** Loads a text model directory written by `train`: its text backbone from the zoo (or the copy inside it) and its head. */
export async function loadTextModel(dir: string, options: LoadModelOptions = {}): Promise<TextTransferModel> {
  const manifest = await readModelManifest(dir);
  if (manifest.modality !== 'text') throw new HeadstartError('HS_INVALID_OPTION', `${dir} is an image model: load it with loadModel.`);
  const backbone = await loadTextModelBackbone(dir, manifest, options);
  try {
    const head = await loadHead(await modelPart(dir, 'head'), options.engine ? { engine: options.engine } : {});
    checkHeadClasses(head, manifest, dir);
    return {
      modality: 'text',
      dir,
      manifest,
      backbone,
      head,
      async dispose() {
        head.dispose();
        await backbone.dispose();
      },
    };
  } catch (err) {
    await backbone.dispose();
    throw err;
  }
}

/** Loads a model directory of either kind, as its manifest says. */
export async function loadAnyModel(dir: string, options: LoadModelOptions = {}): Promise<TransferModel | TextTransferModel> {
  return (await readModelManifest(dir)).modality === 'text' ? loadTextModel(dir, options) : loadModel(dir, options);
}
