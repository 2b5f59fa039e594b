import { HeadstartError, invalidOption, rejectUnknownKeys } from '../../core/index.js';
import type { FeatureSet } from '../types.js';
import { countDocuments, encodeTextItems, mostFrequentTerms } from './vocabulary.js';
import { tokenizeWords } from './word-tokenizer.js';

export interface FitTfIdfOptions {
  /** Shortest and longest word n-grams (tokenizeWords tokens). @default [1, 2] */
  wordNgrams?: [number, number];
  /** Shortest and longest character n-grams, taken inside each space-padded word; null for none. @default [2, 5] */
  charNgrams?: [number, number] | null;
  /** Most frequent word n-grams kept. @default 8000 */
  maxWordTerms?: number;
  /** Most frequent character n-grams kept. @default 8000 */
  maxCharTerms?: number;
  /** Terms occurring in fewer training texts are left out. @default 1 */
  minCount?: number;
}

export const TF_IDF_DEFAULTS = {
  wordNgrams: [1, 2] as [number, number],
  charNgrams: [2, 5] as [number, number] | null,
  maxWordTerms: 8000,
  maxCharTerms: 8000,
  minCount: 1,
};

/** One kind of term (word or character n-grams) with its vocabulary and inverse document frequencies. */
interface TermBlock {
  ngrams: [number, number];
  terms: string[];
  idf: number[];
}

/** tfidf.json: a fitted vectoriser, enough to featurise new texts exactly as the training texts were. */
export interface TfIdfJson {
  format: 'headstart-tfidf';
  version: 1;
  /** Training texts the vocabulary and idf were taken from. */
  documents: number;
  word: TermBlock;
  char: TermBlock | null;
}

function wordGrams(tokens: readonly string[], [lo, hi]: [number, number]): string[] {
  const out: string[] = [];
  for (let n = lo; n <= hi; n++) for (let i = 0; i + n <= tokens.length; i++) out.push(tokens.slice(i, i + n).join(' '));
  return out;
}

/** Character n-grams of each word padded with a space on both sides, as scikit-learn's 'char_wb' analyser. */
function charGrams(tokens: readonly string[], [lo, hi]: [number, number]): string[] {
  const out: string[] = [];
  for (const t of tokens) {
    const padded = ` ${t} `;
    for (let n = lo; n <= hi; n++) for (let i = 0; i + n <= padded.length; i++) out.push(padded.slice(i, i + n));
  }
  return out;
}

function checkRange(name: string, range: unknown): void {
  const ok = Array.isArray(range) && range.length === 2 && range.every((v) => Number.isInteger(v) && v >= 1) && (range[0] as number) <= (range[1] as number);
  if (!ok) throw invalidOption(`Expected ${name} to be [shortest, longest] with 1 <= shortest <= longest. Received: ${JSON.stringify(range)}.`);
}

/**
 * tf-idf features of texts: word n-grams and word-bounded character n-grams, each weighted (1 + ln tf) * idf
 * (sublinear term frequency, smoothed idf ln((1 + n) / (1 + df)) + 1, as scikit-learn's TfidfVectorizer), each block
 * L2-normalised and the two scaled so a row has unit length. Vocabulary and idf come from training texts only.
 * With logistic regression on top it is the no-transfer text baseline a pretrained backbone has to beat.
 */
export class TfIdf {
  private readonly blocks: { block: TermBlock; index: Map<string, number>; offset: number; grams: (tokens: string[]) => string[] }[];
  readonly dim: number;

  private constructor(readonly json: TfIdfJson) {
    let offset = 0;
    const blocks = [json.word, ...(json.char ? [json.char] : [])];
    this.blocks = blocks.map((block, b) => {
      const entry = {
        block,
        index: new Map(block.terms.map((t, i) => [t, i])),
        offset,
        grams: b === 0 ? (tokens: string[]) => wordGrams(tokens, block.ngrams) : (tokens: string[]) => charGrams(tokens, block.ngrams),
      };
      offset += block.terms.length;
      return entry;
    });
    this.dim = offset;
  }

  static fit(texts: readonly string[], options: FitTfIdfOptions = {}): TfIdf {
    rejectUnknownKeys('TfIdf.fit', options, Object.keys(TF_IDF_DEFAULTS));
    const o = { ...TF_IDF_DEFAULTS, ...options };
    checkRange('wordNgrams', o.wordNgrams);
    if (o.charNgrams !== null) checkRange('charNgrams', o.charNgrams);
    for (const name of ['maxWordTerms', 'maxCharTerms', 'minCount'] as const) {
      if (!Number.isInteger(o[name]) || o[name] < 1) throw invalidOption(`Expected ${name} to be a positive integer. Received: ${String(o[name])}.`);
    }
    const tokenized = texts.map(tokenizeWords);
    const n = texts.length;
    const block = (grams: (tokens: string[]) => string[], ngrams: [number, number], max: number): TermBlock => {
      const documents = countDocuments(tokenized, grams);
      const terms = mostFrequentTerms(documents, o.minCount, max);
      return { ngrams, terms, idf: terms.map((t) => Math.log((1 + n) / (1 + (documents.get(t) as number))) + 1) };
    };
    const word = block((t) => wordGrams(t, o.wordNgrams), o.wordNgrams, o.maxWordTerms);
    if (word.terms.length === 0) throw invalidOption(`No word occurs in at least ${o.minCount} of the ${n} training texts: lower minCount or pass more texts.`);
    const char = o.charNgrams ? block((t) => charGrams(t, o.charNgrams as [number, number]), o.charNgrams, o.maxCharTerms) : null;
    return new TfIdf({ format: 'headstart-tfidf', version: 1, documents: n, word, char });
  }

  /** Reads a vectoriser written by toJSON; `where` names its file in errors. */
  static fromJSON(raw: unknown, where: string): TfIdf {
    const j = raw as Partial<TfIdfJson> | null;
    const blockOk = (b: unknown) => {
      const t = b as Partial<TermBlock> | null;
      return !!t && Array.isArray(t.terms) && Array.isArray(t.idf) && t.terms.length === t.idf.length && Array.isArray(t.ngrams);
    };
    if (!j || j.format !== 'headstart-tfidf' || j.version !== 1 || !blockOk(j.word) || (j.char !== null && !blockOk(j.char))) {
      throw new HeadstartError('HS_MODEL_INVALID', `${where} is not a headstart tf-idf vectoriser (format 'headstart-tfidf', version 1). Train the model again.`);
    }
    return new TfIdf(j as TfIdfJson);
  }

  toJSON(): TfIdfJson {
    return this.json;
  }

  /** One unit-length row per text, `dim` wide. */
  transform(texts: readonly string[]): Float32Array {
    const out = new Float32Array(texts.length * this.dim);
    const scale = 1 / Math.sqrt(this.blocks.length);
    texts.forEach((text, r) => {
      const tokens = tokenizeWords(text);
      for (const { block, index, offset, grams } of this.blocks) {
        const counts = new Map<number, number>();
        for (const g of grams(tokens)) {
          const c = index.get(g);
          if (c !== undefined) counts.set(c, (counts.get(c) ?? 0) + 1);
        }
        let norm = 0;
        const weights = [...counts].map(([c, tf]) => {
          const w = (1 + Math.log(tf)) * (block.idf[c] as number);
          norm += w * w;
          return [c, w] as const;
        });
        const k = norm > 0 ? scale / Math.sqrt(norm) : 0;
        for (const [c, w] of weights) out[r * this.dim + offset + c] = w * k;
      }
    });
    return out;
  }

  /** Labelled texts as a FeatureSet a head trains on; `files` are the row ids given. */
  features(items: readonly { text: string; label: string; id: string }[], classes: string[]): FeatureSet {
    return encodeTextItems(items, classes, this.dim, (texts) => this.transform(texts));
  }
}
