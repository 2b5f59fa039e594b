import { promises as fs } from 'node:fs';
import { HeadstartError } from '../../core/index.js';

/** Token ids of a batch, padded to its longest row, as BERT-style encoders take them (int64, row-major). */
export interface EncodedBatch {
  inputIds: BigInt64Array;
  attentionMask: BigInt64Array;
  tokenTypeIds: BigInt64Array;
  batch: number;
  /** Length of every row after padding. */
  seqLength: number;
  /** Words (pre-tokenizer pieces) seen, and how many of them became the unknown token. */
  words: number;
  unknownWords: number;
  /** Rows cut to the maximum length. */
  truncated: number;
}

/** One text's tokens after normalisation, word-piece splitting, truncation and the special tokens. */
export interface Encoding {
  tokens: string[];
  ids: number[];
  typeIds: number[];
  words: number;
  unknownWords: number;
  truncated: boolean;
}

type Normalize = (text: string) => string;
type TemplatePiece = { special: string; typeId: number } | { sequence: true; typeId: number };

/** CJK ideograph blocks BERT pads with spaces, so each becomes its own word. */
const CJK_RANGES: [number, number][] = [
  [0x4e00, 0x9fff], [0x3400, 0x4dbf], [0x20000, 0x2a6df], [0x2a700, 0x2b73f],
  [0x2b740, 0x2b81f], [0x2b820, 0x2ceaf], [0xf900, 0xfaff], [0x2f800, 0x2fa1f],
];
const isCjk = (cp: number) => CJK_RANGES.some(([a, b]) => cp >= a && cp <= b);
/** ASCII punctuation (BERT counts $, +, <, = … as punctuation too) or any Unicode P* character. */
const BERT_PUNCTUATION = /^(?:[!-/:-@[-`{-~]|\p{P})$/u;
const stripAccents: Normalize = (t) => t.normalize('NFD').replace(/\p{Mn}/gu, '');

function fail(file: string, what: string): HeadstartError {
  return new HeadstartError('HS_MODEL_INVALID', `Tokenizer ${file}: ${what}.`);
}

function asRecord(v: unknown): Record<string, unknown> | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

/** BertNormalizer: drop control characters and map whitespace to spaces, pad CJK, strip accents, lower-case. */
function bertNormalizer(spec: Record<string, unknown>): Normalize {
  const cleanText = spec.clean_text !== false;
  const chinese = spec.handle_chinese_chars !== false;
  const lowercase = spec.lowercase !== false;
  // null means "follow lowercase", as in the original BERT.
  const strip = typeof spec.strip_accents === 'boolean' ? spec.strip_accents : lowercase;
  return (text) => {
    let out = '';
    for (const ch of text) {
      const cp = ch.codePointAt(0) as number;
      if (cleanText) {
        // HF's order: drop NUL, U+FFFD and control characters (U+0085 too), then map whitespace to a space.
        const tabOrNewline = ch === '\t' || ch === '\n' || ch === '\r';
        if (cp === 0 || cp === 0xfffd || (!tabOrNewline && /\p{C}/u.test(ch))) continue;
        if (tabOrNewline || /\p{White_Space}/u.test(ch)) {
          out += ' ';
          continue;
        }
      }
      out += chinese && isCjk(cp) ? ` ${ch} ` : ch;
    }
    if (strip) out = stripAccents(out);
    return lowercase ? out.toLowerCase() : out;
  };
}

function normalizerOf(spec: unknown, file: string): Normalize {
  if (spec === null || spec === undefined) return (t) => t;
  const s = asRecord(spec);
  switch (s?.type) {
    case 'BertNormalizer':
      return bertNormalizer(s);
    case 'Lowercase':
      return (t) => t.toLowerCase();
    case 'StripAccents':
      return (t) => t.replace(/\p{Mn}/gu, '');
    case 'NFC':
    case 'NFD':
    case 'NFKC':
    case 'NFKD':
      return (t) => t.normalize(s.type as string);
    case 'Sequence': {
      const steps = (Array.isArray(s.normalizers) ? s.normalizers : []).map((n) => normalizerOf(n, file));
      return (t) => steps.reduce((acc, step) => step(acc), t);
    }
    default:
      throw fail(file, `normalizer type '${String(s?.type)}' is not supported; headstart reads BertNormalizer, Lowercase, StripAccents, NFC/NFD/NFKC/NFKD and Sequence`);
  }
}

/** BertPreTokenizer: split on whitespace, and make every punctuation character its own word. */
function bertPreTokenize(text: string): string[] {
  const words: string[] = [];
  let current = '';
  for (const ch of text) {
    if (/\p{White_Space}/u.test(ch)) {
      if (current) words.push(current);
      current = '';
    } else if (BERT_PUNCTUATION.test(ch)) {
      if (current) words.push(current);
      words.push(ch);
      current = '';
    } else {
      current += ch;
    }
  }
  if (current) words.push(current);
  return words;
}

function preTokenizerOf(spec: unknown, file: string): (text: string) => string[] {
  const type = asRecord(spec)?.type;
  if (type === 'BertPreTokenizer') return bertPreTokenize;
  if (type === 'WhitespaceSplit') return (t) => t.split(/\s+/u).filter(Boolean);
  throw fail(file, `pre_tokenizer type '${String(type)}' is not supported; headstart reads BertPreTokenizer and WhitespaceSplit`);
}

/** The single-sequence template: which special tokens go around the text, with their type ids. */
function templateOf(spec: unknown, file: string): { pieces: TemplatePiece[]; specialIds: Map<string, number> } {
  const s = asRecord(spec);
  if (s === undefined) return { pieces: [{ sequence: true, typeId: 0 }], specialIds: new Map() };
  if (s.type === 'BertProcessing') {
    const [sep, sepId] = (s.sep ?? []) as [string, number];
    const [cls, clsId] = (s.cls ?? []) as [string, number];
    if (typeof sep !== 'string' || typeof cls !== 'string') throw fail(file, 'BertProcessing needs cls and sep');
    return {
      pieces: [{ special: cls, typeId: 0 }, { sequence: true, typeId: 0 }, { special: sep, typeId: 0 }],
      specialIds: new Map([[cls, clsId], [sep, sepId]]),
    };
  }
  if (s.type === 'TemplateProcessing') {
    const single = Array.isArray(s.single) ? s.single : [];
    const pieces = single.map((p): TemplatePiece => {
      const r = asRecord(p);
      const special = asRecord(r?.SpecialToken);
      const seq = asRecord(r?.Sequence);
      if (special && typeof special.id === 'string') return { special: special.id, typeId: Number(special.type_id ?? 0) };
      if (seq) return { sequence: true, typeId: Number(seq.type_id ?? 0) };
      throw fail(file, `post_processor.single has an entry headstart cannot read: ${JSON.stringify(p)}`);
    });
    const specialIds = new Map<string, number>();
    for (const [name, v] of Object.entries(asRecord(s.special_tokens) ?? {})) {
      const ids = asRecord(v)?.ids;
      if (!Array.isArray(ids) || ids.length !== 1 || typeof ids[0] !== 'number') throw fail(file, `special token '${name}' should have exactly one id`);
      specialIds.set(name, ids[0]);
    }
    return { pieces, specialIds };
  }
  throw fail(file, `post_processor type '${String(s.type)}' is not supported; headstart reads TemplateProcessing and BertProcessing`);
}

/**
 * The parts of a Hugging Face tokenizer.json that BERT-style encoders (BERT, MiniLM, MPNet-free WordPiece models)
 * use: a WordPiece model, its normalizer and pre-tokenizer, the single-sequence template that adds [CLS] and [SEP],
 * and the truncation length. Special tokens typed inside the text are not recognised (they are split like words).
 */
export class WordPieceTokenizer {
  /** Total length (special tokens included) from tokenizer.json's truncation section, if it has one. */
  readonly maxLength: number | undefined;
  readonly unkToken: string;
  readonly padId: number;
  private readonly vocab: Map<string, number>;
  private readonly prefix: string;
  private readonly maxCharsPerWord: number;
  private readonly normalize: Normalize;
  private readonly preTokenize: (text: string) => string[];
  private readonly template: TemplatePiece[];
  private readonly specialIds: Map<string, number>;

  private constructor(json: Record<string, unknown>, file: string) {
    const model = asRecord(json.model);
    if (model?.type !== 'WordPiece') {
      throw fail(file, `model.type is '${String(model?.type)}'; headstart reads WordPiece tokenizers (BERT, MiniLM) only`);
    }
    const vocab = asRecord(model.vocab);
    if (!vocab) throw fail(file, 'model.vocab is missing');
    this.vocab = new Map(Object.entries(vocab).map(([token, id]) => [token, Number(id)]));
    this.unkToken = typeof model.unk_token === 'string' ? model.unk_token : '[UNK]';
    if (!this.vocab.has(this.unkToken)) throw fail(file, `the unknown token '${this.unkToken}' is not in model.vocab`);
    this.prefix = typeof model.continuing_subword_prefix === 'string' ? model.continuing_subword_prefix : '##';
    this.maxCharsPerWord = typeof model.max_input_chars_per_word === 'number' ? model.max_input_chars_per_word : 100;
    this.normalize = normalizerOf(json.normalizer, file);
    this.preTokenize = preTokenizerOf(json.pre_tokenizer, file);
    const { pieces, specialIds } = templateOf(json.post_processor, file);
    this.template = pieces;
    this.specialIds = specialIds;
    for (const p of pieces) {
      if ('special' in p && !specialIds.has(p.special)) {
        const id = this.vocab.get(p.special);
        if (id === undefined) throw fail(file, `special token '${p.special}' has no id`);
        specialIds.set(p.special, id);
      }
    }
    const truncation = asRecord(json.truncation);
    this.maxLength = typeof truncation?.max_length === 'number' ? truncation.max_length : undefined;
    const padding = asRecord(json.padding);
    this.padId = typeof padding?.pad_id === 'number' ? padding.pad_id : (this.vocab.get('[PAD]') ?? 0);
  }

  /** Builds the tokenizer from a parsed tokenizer.json; `file` is named in errors. */
  static fromJson(json: unknown, file: string): WordPieceTokenizer {
    const record = asRecord(json);
    if (!record) throw fail(file, 'not a JSON object');
    return new WordPieceTokenizer(record, file);
  }

  /** Reads and builds a tokenizer.json file. */
  static async fromFile(file: string): Promise<WordPieceTokenizer> {
    let json: unknown;
    try {
      json = JSON.parse(await fs.readFile(file, 'utf8'));
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'HS_MODEL_NOT_FOUND' : 'HS_MODEL_INVALID';
      throw new HeadstartError(code, `Cannot read tokenizer ${file}: ${(err as Error).message}.`, { cause: err });
    }
    return WordPieceTokenizer.fromJson(json, file);
  }

  get vocabSize(): number {
    return this.vocab.size;
  }

  /** Special tokens the template adds around one text. */
  get specialTokenCount(): number {
    return this.template.filter((p) => 'special' in p).length;
  }

  /** Greedy longest-match-first split of one word; the whole word is the unknown token if any part has no match. */
  private wordPieces(word: string): string[] {
    const chars = Array.from(word);
    if (chars.length > this.maxCharsPerWord) return [this.unkToken];
    const pieces: string[] = [];
    let start = 0;
    while (start < chars.length) {
      let end = chars.length;
      let match: string | undefined;
      while (start < end) {
        const sub = (start > 0 ? this.prefix : '') + chars.slice(start, end).join('');
        if (this.vocab.has(sub)) {
          match = sub;
          break;
        }
        end--;
      }
      if (match === undefined) return [this.unkToken];
      pieces.push(match);
      start = end;
    }
    return pieces;
  }

  /**
   * Encodes one text: normalise, split into words, split words into pieces, cut to `maxLength` tokens (special
   * tokens included, pieces dropped from the end), and add the template's special tokens.
   */
  encode(text: string, maxLength?: number): Encoding {
    const words = this.preTokenize(this.normalize(text));
    let pieces: string[] = [];
    let unknownWords = 0;
    for (const word of words) {
      const wp = this.wordPieces(word);
      if (wp.length === 1 && wp[0] === this.unkToken) unknownWords++;
      pieces.push(...wp);
    }
    const room = maxLength === undefined ? Infinity : maxLength - this.specialTokenCount;
    if (room < 1) throw new HeadstartError('HS_INVALID_OPTION', `Expected maxLength to leave room for text after ${this.specialTokenCount} special tokens. Received: ${maxLength}.`);
    const truncated = pieces.length > room;
    if (truncated) pieces = pieces.slice(0, room);
    const tokens: string[] = [];
    const ids: number[] = [];
    const typeIds: number[] = [];
    for (const p of this.template) {
      if ('special' in p) {
        tokens.push(p.special);
        ids.push(this.specialIds.get(p.special) as number);
        typeIds.push(p.typeId);
        continue;
      }
      for (const piece of pieces) {
        tokens.push(piece);
        ids.push(this.vocab.get(piece) as number);
        typeIds.push(p.typeId);
      }
    }
    return { tokens, ids, typeIds, words: words.length, unknownWords, truncated };
  }

  /** Encodes texts and pads them to the longest (at most `maxLength`) with the pad id and a zero attention mask. */
  encodeBatch(texts: readonly string[], maxLength?: number): EncodedBatch {
    const encodings = texts.map((t) => this.encode(t, maxLength));
    const seqLength = Math.max(1, ...encodings.map((e) => e.ids.length));
    const n = texts.length;
    const inputIds = new BigInt64Array(n * seqLength).fill(BigInt(this.padId));
    const attentionMask = new BigInt64Array(n * seqLength);
    const tokenTypeIds = new BigInt64Array(n * seqLength);
    encodings.forEach((e, row) => {
      e.ids.forEach((id, k) => {
        inputIds[row * seqLength + k] = BigInt(id);
        attentionMask[row * seqLength + k] = 1n;
        tokenTypeIds[row * seqLength + k] = BigInt(e.typeIds[k] ?? 0);
      });
    });
    return {
      inputIds,
      attentionMask,
      tokenTypeIds,
      batch: n,
      seqLength,
      words: encodings.reduce((s, e) => s + e.words, 0),
      unknownWords: encodings.reduce((s, e) => s + e.unknownWords, 0),
      truncated: encodings.filter((e) => e.truncated).length,
    };
  }
}
