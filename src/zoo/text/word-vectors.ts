import { promises as fs } from 'node:fs';
import path from 'node:path';
import { HeadstartError } from '../../core/index.js';
import { tokenizeWords } from '../../data/index.js';
import type { TextPooling } from './text-model-card.js';

/** A table of word vectors in memory: `vectors` row r (length `dim`) belongs to `words[r]`. */
export interface WordVectors {
  words: string[];
  /** Row of each word. */
  index: Map<string, number>;
  vectors: Float32Array;
  dim: number;
}

/** Files of a converted word-vector table: words in rank order, one per line, and float32 rows in the same order. */
export const WORD_VECTOR_FILES = { words: 'words.txt', vectors: 'vectors.f32' } as const;

/**
 * GloVe's tokeniser emitted "n't" (do n't), which wink-embeddings dropped from its vocabulary with every other word
 * holding an apostrophe; "not" stands in for it, so negation is not lost.
 */
const WORD_ALIASES: ReadonlyMap<string, string> = new Map([["n't", 'not']]);

/** The parts of the wink-embeddings JSON headstart reads (the package's own type declaration, checked). */
interface WinkEmbeddings {
  precision: number;
  l2NormIndex: number;
  wordIndex: number;
  size: number;
  dimensions: number;
  words: string[];
  vectors: Record<string, number[]>;
}

function checkWink(raw: unknown, file: string): WinkEmbeddings {
  const fail = (what: string) => new HeadstartError('HS_MODEL_INVALID', `${file} is not a wink-embeddings file: ${what}.`);
  if (typeof raw !== 'object' || raw === null) throw fail('not a JSON object');
  const r = raw as Record<string, unknown>;
  for (const key of ['precision', 'l2NormIndex', 'wordIndex', 'size', 'dimensions']) {
    if (typeof r[key] !== 'number') throw fail(`'${key}' should be a number`);
  }
  if (!Array.isArray(r.words) || r.words.length !== r.size) throw fail(`'words' should be an array of ${String(r.size)} words`);
  if (typeof r.vectors !== 'object' || r.vectors === null) throw fail("'vectors' should be an object");
  return raw as WinkEmbeddings;
}

/**
 * Converts the wink-embeddings JSON (words in frequency order, and per word its `dimensions` values followed by the
 * vector's L2 norm and the word's index) into `dir`/words.txt and `dir`/vectors.f32 (little-endian float32). Parsing
 * the 300 MB JSON takes seconds and about 1.4 GB of memory, which is why it is done once.
 * Resolves to the bytes of vectors.f32 (what the zoo hashes) and the table's shape.
 */
export async function convertWinkEmbeddings(jsonFile: string, dir: string): Promise<{ vectorBytes: Uint8Array; size: number; dim: number }> {
  let raw: unknown;
  try {
    raw = JSON.parse(await fs.readFile(jsonFile, 'utf8'));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'HS_MODEL_NOT_FOUND' : 'HS_MODEL_INVALID';
    throw new HeadstartError(code, `Cannot read word vectors ${jsonFile}: ${(err as Error).message}.`, { cause: err });
  }
  const wink = checkWink(raw, jsonFile);
  const { dimensions: dim, words, wordIndex } = wink;
  const vectors = new Float32Array(words.length * dim);
  words.forEach((word, r) => {
    if (word.includes('\n')) throw new HeadstartError('HS_MODEL_INVALID', `${jsonFile}: word ${r} holds a newline.`);
    const v = wink.vectors[word];
    if (!Array.isArray(v) || v.length < dim || (v.length > wordIndex && v[wordIndex] !== r)) {
      throw new HeadstartError('HS_MODEL_INVALID', `${jsonFile}: the vector of '${word}' (word ${r}) is missing or not ${dim} numbers followed by its norm and index.`);
    }
    for (let k = 0; k < dim; k++) vectors[r * dim + k] = v[k] as number;
  });
  const vectorBytes = new Uint8Array(vectors.buffer);
  await fs.writeFile(path.join(dir, WORD_VECTOR_FILES.words), words.join('\n'));
  await fs.writeFile(path.join(dir, WORD_VECTOR_FILES.vectors), vectorBytes);
  return { vectorBytes, size: words.length, dim };
}

/** Reads a converted table (words.txt and vectors.f32) from `dir`. */
export async function readWordVectors(dir: string): Promise<WordVectors> {
  const wordsFile = path.join(dir, WORD_VECTOR_FILES.words);
  const vectorsFile = path.join(dir, WORD_VECTOR_FILES.vectors);
  let text: string;
  let bytes: Buffer;
  try {
    [text, bytes] = await Promise.all([fs.readFile(wordsFile, 'utf8'), fs.readFile(vectorsFile)]);
  } catch (err) {
    throw new HeadstartError('HS_MODEL_NOT_FOUND', `Cannot read word vectors in ${dir}: ${(err as Error).message}. Expected ${WORD_VECTOR_FILES.words} and ${WORD_VECTOR_FILES.vectors}.`, { cause: err });
  }
  const words = text.split('\n');
  if (bytes.byteLength % (4 * words.length) !== 0) {
    throw new HeadstartError('HS_MODEL_INVALID', `${vectorsFile} holds ${bytes.byteLength} bytes, not a whole number of float32 rows for the ${words.length} words of ${wordsFile}. Remove the folder to convert again.`);
  }
  // Copy into an aligned buffer: a Buffer from the pool may start at an offset that is not a multiple of 4.
  const vectors = new Float32Array(bytes.byteLength / 4);
  new Uint8Array(vectors.buffer).set(bytes);
  return { words, index: new Map(words.map((w, r) => [w, r])), vectors, dim: vectors.length / words.length };
}

/**
 * Zipf's law estimate of a word's probability from its 1-based frequency rank r among n words: p = 1 / (r * H_n),
 * with H_n the n-th harmonic number, so the probabilities of all n words sum to one.
 */
export function zipfProbabilities(n: number): Float64Array {
  let harmonic = 0;
  for (let r = 1; r <= n; r++) harmonic += 1 / r;
  return Float64Array.from({ length: n }, (_, i) => 1 / ((i + 1) * harmonic));
}

/** The table row of one token, aliases applied; undefined when the table has no vector for it. */
export function rowOfToken(table: WordVectors, token: string): number | undefined {
  return table.index.get(token) ?? table.index.get(WORD_ALIASES.get(token) ?? '');
}

/** Rows of the words of a text that are in the table (aliases applied); counts the tokens that are not. */
export function lookUpWords(table: WordVectors, text: string): { rows: number[]; tokens: number; unknown: number } {
  const tokens = tokenizeWords(text);
  const rows: number[] = [];
  for (const token of tokens) {
    const row = rowOfToken(table, token);
    if (row !== undefined) rows.push(row);
  }
  return { rows, tokens: tokens.length, unknown: tokens.length - rows.length };
}

/**
 * Sentence vectors from word vectors: the mean of the known words' vectors, or (sif) their mean weighted by
 * a / (a + p(w)) (Arora, Liang and Ma 2017, "A simple but tough-to-beat baseline for sentence embeddings"), which
 * turns down frequent words. Only the weighting is applied: the paper's second step, removing the corpus's first
 * principal component, depends on the whole corpus and is left to the head. A text without a known word gives zeros.
 */
export function poolWordVectors(
  table: WordVectors,
  texts: readonly string[],
  pooling: TextPooling,
  sif: { a: number; probabilities: Float64Array | undefined },
): { values: Float32Array; tokens: number; unknown: number } {
  const { dim, vectors } = table;
  const values = new Float32Array(texts.length * dim);
  const sum = new Float64Array(dim);
  let tokens = 0;
  let unknown = 0;
  texts.forEach((text, i) => {
    const found = lookUpWords(table, text);
    tokens += found.tokens;
    unknown += found.unknown;
    if (found.rows.length === 0) return;
    sum.fill(0);
    for (const r of found.rows) {
      const p = pooling === 'sif' ? (sif.probabilities?.[r] ?? 0) : 0;
      const w = pooling === 'sif' ? sif.a / (sif.a + p) : 1;
      for (let k = 0; k < dim; k++) sum[k] = (sum[k] as number) + w * (vectors[r * dim + k] as number);
    }
    for (let k = 0; k < dim; k++) values[i * dim + k] = (sum[k] as number) / found.rows.length;
  });
  return { values, tokens, unknown };
}
