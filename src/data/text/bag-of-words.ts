import type { FeatureSet } from '../types.js';
import { encodeTextItems, fitVocabulary } from './vocabulary.js';
import type { FitVocabularyOptions } from './vocabulary.js';
import { tokenizeWords } from './word-tokenizer.js';

export type FitBagOfWordsOptions = FitVocabularyOptions;

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
    return new BagOfWords(fitVocabulary('BagOfWords.fit', texts, options));
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
    return encodeTextItems(items, classes, this.dim, (texts) => this.transform(texts));
  }
}
