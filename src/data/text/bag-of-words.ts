import { invalidOption, rejectUnknownKeys } from '../../core/index.js';
import type { FeatureSet } from '../types.js';
import { tokenizeWords } from './word-tokenizer.js';

export interface FitBagOfWordsOptions {
  /** Words seen in fewer training texts are left out. @default 1 */
  minCount?: number;
  /** Keep at most this many words, the most frequent first. @default 20000 */
  maxWords?: number;
}

const DEFAULTS = { minCount: 1, maxWords: 20000 };

/**
 * A bag-of-words featurizer: a vocabulary taken from training texts only, and a 0/1 row per text saying which of its
 * words occur (tokenizeWords tokens). The classic baseline a learned text representation has to beat: with a linear
 * head on top it is bag-of-words logistic regression.
 */
export class BagOfWords {
  private readonly index: Map<string, number>;

  private constructor(readonly vocabulary: readonly string[]) {
    this.index = new Map(vocabulary.map((w, i) => [w, i]));
  }

  /** Builds the vocabulary from `texts`: words by the number of texts they occur in, most first, ties alphabetical. */
  static fit(texts: readonly string[], options: FitBagOfWordsOptions = {}): BagOfWords {
    rejectUnknownKeys('BagOfWords.fit', options, Object.keys(DEFAULTS));
    const { minCount, maxWords } = { ...DEFAULTS, ...options };
    for (const [name, v] of [['minCount', minCount], ['maxWords', maxWords]] as const) {
      if (!Number.isInteger(v) || v < 1) throw invalidOption(`Expected ${name} to be a positive integer. Received: ${String(v)}.`);
    }
    const documents = new Map<string, number>();
    for (const t of texts) for (const w of new Set(tokenizeWords(t))) documents.set(w, (documents.get(w) ?? 0) + 1);
    const words = [...documents]
      .filter(([, n]) => n >= minCount)
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
      .slice(0, maxWords)
      .map(([w]) => w);
    if (words.length === 0) throw invalidOption(`No word occurs in at least ${minCount} of the ${texts.length} training texts: lower minCount or pass more texts.`);
    return new BagOfWords(words);
  }

  get dim(): number {
    return this.vocabulary.length;
  }

  /** One row of 0/1 per text, `dim` wide; words outside the vocabulary are ignored. */
  transform(texts: readonly string[]): Float32Array {
    const out = new Float32Array(texts.length * this.dim);
    texts.forEach((t, r) => {
      for (const w of tokenizeWords(t)) {
        const c = this.index.get(w);
        if (c !== undefined) out[r * this.dim + c] = 1;
      }
    });
    return out;
  }

  /** Labelled texts as a FeatureSet a head trains on; `files` are the row ids given. */
  features(items: readonly { text: string; label: string; id: string }[], classes: string[]): FeatureSet {
    return {
      values: this.transform(items.map((i) => i.text)),
      dim: this.dim,
      files: items.map((i) => i.id),
      labels: Int32Array.from(items, (i) => classes.indexOf(i.label)),
      classes: [...classes],
    };
  }
}
