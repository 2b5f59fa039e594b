import { HeadstartError, invalidOption } from '../../core/index.js';
import type { FeatureSet } from '../types.js';
import { encodeTextItems, fitVocabulary } from './vocabulary.js';
import type { FitVocabularyOptions } from './vocabulary.js';
import { tokenizeWords } from './word-tokenizer.js';

export interface FitTokenIdsOptions extends FitVocabularyOptions {
  /** Tokens per text; longer texts are cut, shorter ones padded. @default 64 */
  maxLength?: number;
}

/** What {@link TokenIds.toJSON} writes and {@link TokenIds.fromJSON} reads (a text source model keeps it). */
export interface TokenIdsJson {
  /** Every id's token: 0 is padding, 1 stands for words outside the vocabulary. */
  vocabulary: string[];
  maxLength: number;
}

export const PAD_TOKEN = '<pad>';
export const UNKNOWN_TOKEN = '<unk>';

/**
 * The tokenizer a text source model is built on: a vocabulary from the source's training texts (tokenizeWords
 * tokens, by document frequency) and each text as a fixed-length row of token ids, padded with 0; words the source
 * never saw become id 1. Rows are float32 so they travel as FeatureSets; an Embedding layer reads them as ids.
 */
export class TokenIds {
  private readonly index: Map<string, number>;

  private constructor(readonly vocabulary: readonly string[], readonly maxLength: number) {
    this.index = new Map(vocabulary.map((w, i) => [w, i]));
  }

  static fit(texts: readonly string[], options: FitTokenIdsOptions = {}): TokenIds {
    const { maxLength = 64, ...vocabularyOptions } = options;
    if (!Number.isInteger(maxLength) || maxLength < 1) throw invalidOption(`Expected maxLength to be a positive integer. Received: ${String(maxLength)}.`);
    return new TokenIds([PAD_TOKEN, UNKNOWN_TOKEN, ...fitVocabulary('TokenIds.fit', texts, vocabularyOptions, ['maxLength'])], maxLength);
  }

  static fromJSON(json: TokenIdsJson, file: string): TokenIds {
    const ok = Array.isArray(json?.vocabulary) && json.vocabulary[0] === PAD_TOKEN && json.vocabulary[1] === UNKNOWN_TOKEN && Number.isInteger(json.maxLength) && json.maxLength > 0;
    if (!ok) throw new HeadstartError('HS_MODEL_INVALID', `${file} holds no valid tokenizer (vocabulary starting with ${PAD_TOKEN}, ${UNKNOWN_TOKEN}, and maxLength). Train the model again.`);
    return new TokenIds(json.vocabulary, json.maxLength);
  }

  toJSON(): TokenIdsJson {
    return { vocabulary: [...this.vocabulary], maxLength: this.maxLength };
  }

  /** Ids in the vocabulary, padding and unknown included. */
  get size(): number {
    return this.vocabulary.length;
  }

  /** One row of `maxLength` ids per text. */
  encode(texts: readonly string[]): Float32Array {
    return this.encodeCounting(texts).ids;
  }

  /**
   * One row of `maxLength` ids per text, and the texts' tokens with how many are outside the vocabulary (cut tokens
   * included), from one tokenization.
   */
  encodeCounting(texts: readonly string[]): { ids: Float32Array; tokens: number; unknown: number } {
    const ids = new Float32Array(texts.length * this.maxLength);
    let tokens = 0;
    let unknown = 0;
    texts.forEach((t, r) => {
      tokenizeWords(t).forEach((w, j) => {
        const id = this.index.get(w);
        tokens++;
        if (id === undefined) unknown++;
        if (j < this.maxLength) ids[r * this.maxLength + j] = id ?? 1;
      });
    });
    return { ids, tokens, unknown };
  }

  /** The texts' tokens, and how many are outside the vocabulary (cut tokens included). */
  countUnknown(texts: readonly string[]): { tokens: number; unknown: number } {
    const { tokens, unknown } = this.encodeCounting(texts);
    return { tokens, unknown };
  }

  /** Share of the texts' tokens outside the vocabulary (the domain gap a target's words show). */
  unknownRate(texts: readonly string[]): number {
    const { tokens, unknown } = this.countUnknown(texts);
    return tokens > 0 ? unknown / tokens : 0;
  }

  /** Labelled texts as token-id rows; `files` are the row ids given. */
  features(items: readonly { text: string; label: string; id: string }[], classes: string[]): FeatureSet {
    return encodeTextItems(items, classes, this.maxLength, (texts) => this.encode(texts));
  }
}
