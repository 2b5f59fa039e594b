import { HeadstartError } from '../core/index.js';
import type { ProgressCallback } from '../core/index.js';
import { TokenIds } from '../data/index.js';
import type { ArchitectureOptions } from '../engines/index.js';
import { loadTextBackbone } from '../zoo/index.js';
import type { TextBackbone, TextSourceInput } from '../zoo/index.js';
import { DEFAULT_TEXT_BACKBONE } from './feature-stage.js';

export interface TextSourceEncoding {
  tokens: TokenIds;
  /** The 'text-cnn' architecture's embedding table: one row per token id. */
  embedding: NonNullable<ArchitectureOptions['embedding']>;
  input: TextSourceInput;
}

/** Tokens per text of a text source model (longer texts are cut): 95% of the imdb sentences have at most 39. */
export const TEXT_SOURCE_MAX_LENGTH = 64;
/** Width of an embedding table that starts from random values (word vectors set their own). */
const RANDOM_EMBEDDING_DIM = 64;

/**
 * The input side of a text source model: a tokenizer fitted on the source's training texts, and an embedding table
 * started from a word-vector backbone's vectors (rows of words without one, padding and unknown start at zero and
 * are learnt). `wordVectors` is a backbone id or folder, a loaded backbone (left open), or false for random values.
 */
export async function fitTextSourceEncoding(
  trainTexts: readonly string[],
  options: { wordVectors: string | TextBackbone | false; home: string; onProgress?: ProgressCallback | undefined },
): Promise<TextSourceEncoding> {
  const tokens = TokenIds.fit(trainTexts, { maxLength: TEXT_SOURCE_MAX_LENGTH });
  if (options.wordVectors === false) {
    return { tokens, embedding: { rows: tokens.size, dim: RANDOM_EMBEDDING_DIM }, input: { tokenizer: tokens.toJSON(), wordVectors: null, wordsWithVectors: 0 } };
  }
  const given = typeof options.wordVectors === 'object' ? options.wordVectors : undefined;
  const backbone = given ?? (await loadTextBackbone(options.wordVectors as string, { home: options.home, ...(options.onProgress ? { onProgress: options.onProgress } : {}) }));
  try {
    if (!backbone.tokenVectors) {
      throw new HeadstartError(
        'HS_MODEL_INVALID',
        `${backbone.card.id} is a sentence encoder; a text source model starts its embedding table from word vectors. Pass a word-vector backbone (the default is ${DEFAULT_TEXT_BACKBONE}), or none to start from random values.`,
      );
    }
    // Padding and unknown (ids 0 and 1) are not words: their rows start at zero.
    const words = tokens.vocabulary.map((w, id) => (id < 2 ? '' : w));
    const { values, found } = backbone.tokenVectors(words);
    return {
      tokens,
      embedding: { rows: tokens.size, dim: backbone.dim, initial: values },
      input: { tokenizer: tokens.toJSON(), wordVectors: backbone.card.id, wordsWithVectors: found },
    };
  } finally {
    if (!given) await backbone.dispose();
  }
}
