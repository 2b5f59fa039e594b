import { invalidOption, rejectUnknownKeys } from '../../core/index.js';
import type { FeatureSet } from '../types.js';
import { tokenizeWords } from './word-tokenizer.js';

export interface FitVocabularyOptions {
  /** Words seen in fewer training texts are left out. @default 1 */
  minCount?: number;
  /** Keep at most this many words, the most frequent first. @default 20000 */
  maxWords?: number;
}

export const VOCABULARY_DEFAULTS = { minCount: 1, maxWords: 20000 };

/**
 * The words of training texts (tokenizeWords tokens) by the number of texts they occur in, most first, ties
 * alphabetical: the vocabulary the bag-of-words baseline and the token-id encoder of a text source model share.
 */
export function fitVocabulary(caller: string, texts: readonly string[], options: FitVocabularyOptions, extraKeys: readonly string[] = []): string[] {
  rejectUnknownKeys(caller, options, [...Object.keys(VOCABULARY_DEFAULTS), ...extraKeys]);
  const { minCount, maxWords } = { ...VOCABULARY_DEFAULTS, ...options };
  for (const [name, v] of [['minCount', minCount], ['maxWords', maxWords]] as const) {
    if (!Number.isInteger(v) || v < 1) throw invalidOption(`Expected ${name} to be a positive integer. Received: ${String(v)}.`);
  }
  const words = mostFrequentTerms(countDocuments(texts, tokenizeWords), minCount, maxWords);
  if (words.length === 0) throw invalidOption(`No word occurs in at least ${minCount} of the ${texts.length} training texts: lower minCount or pass more texts.`);
  return words;
}

/** In how many of `texts` each term (as `terms` splits a text, raw or tokenized) occurs. */
export function countDocuments<T>(texts: readonly T[], terms: (text: T) => string[]): Map<string, number> {
  const documents = new Map<string, number>();
  for (const t of texts) for (const w of new Set(terms(t))) documents.set(w, (documents.get(w) ?? 0) + 1);
  return documents;
}

/** Terms occurring in at least `minCount` texts, the `max` most frequent, ties alphabetical. */
export function mostFrequentTerms(documents: Map<string, number>, minCount: number, max: number): string[] {
  return [...documents]
    .filter(([, n]) => n >= minCount)
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .slice(0, max)
    .map(([w]) => w);
}

/** Labelled texts as a FeatureSet: `encode` turns the texts into rows `dim` wide; `files` are the row ids given. */
export function encodeTextItems(
  items: readonly { text: string; label: string; id: string }[],
  classes: string[],
  dim: number,
  encode: (texts: readonly string[]) => Float32Array,
): FeatureSet {
  return {
    values: encode(items.map((i) => i.text)),
    dim,
    files: items.map((i) => i.id),
    labels: Int32Array.from(items, (i) => classes.indexOf(i.label)),
    classes: [...classes],
  };
}
