import { promises as fs } from 'node:fs';
import path from 'node:path';
import { sha256 } from '../../core/index.js';
import { TokenIds } from '../../data/index.js';
import type { TokenIdsJson } from '../../data/index.js';
import { createEngine } from '../../engines/index.js';
import type { SourceTraining } from '../model-card.js';
import { loadSourceModel, readSourceModelInfo, SOURCE_MODEL_INFO_FILE, sourceModelPartFiles } from '../source-model.js';
import type { TextBackbone } from './text-backbone.js';
import type { TextModelCard } from './text-model-card.js';

/** What a text source model reads, kept in its source.json: the tokenizer, and where its embedding table started. */
export interface TextSourceInput {
  tokenizer: TokenIdsJson;
  /** The word-vector backbone the embedding table started from; null: small random values. */
  wordVectors: string | null;
  /** Vocabulary words that had a word vector to start from. */
  wordsWithVectors: number;
}

/** The source.json of a text source model (pretrain writes it). */
export interface TextSourceModelInfo {
  sourceTraining: SourceTraining;
  text: TextSourceInput;
}

/** The source.json of a text source model in `dir`, or undefined when `dir` holds none. */
export async function readTextSourceModel(dir: string): Promise<TextSourceModelInfo | undefined> {
  const info = await readSourceModelInfo<Partial<TextSourceModelInfo>>(dir).catch(() => undefined);
  return info?.text?.tokenizer && info.sourceTraining ? (info as TextSourceModelInfo) : undefined;
}

/** Hashes what decides the features: the network's weights and the tokenizer. */
export async function hashTextSourceModel(dir: string): Promise<string> {
  const [weights, info] = await Promise.all([fs.readFile(path.join(dir, sourceModelPartFiles('top').weights)), fs.readFile(path.join(dir, SOURCE_MODEL_INFO_FILE))]);
  return sha256(`${sha256(weights)}:${sha256(info)}`);
}

/** A card for a text source model, from its source.json. */
export function textSourceModelCard(info: TextSourceModelInfo, id: string, embeddingSize: number): TextModelCard {
  const t = info.sourceTraining;
  return {
    id,
    name: `${t.architecture} trained by headstart on ${path.basename(t.data)}`,
    modality: 'text',
    kind: 'source-model',
    embeddingSize,
    defaultPooling: 'network',
    poolings: ['network'],
    tokenizer: `tokenizeWords, a vocabulary of ${info.text.tokenizer.vocabulary.length - 2} words fitted on the source texts, ${info.text.tokenizer.maxLength} tokens per text`,
    maxLength: info.text.tokenizer.maxLength,
    vocabularySize: info.text.tokenizer.vocabulary.length,
    weightsSource: `headstart pretrain; embedding started from ${info.text.wordVectors ?? 'random values'}`,
    trainedOn: `${t.data} (${t.classes.length} classes, ${t.counts.train} training texts; test accuracy ${(t.testAccuracy.model * 100).toFixed(1)}%, bag-of-words ${(t.testAccuracy.softmaxRegression * 100).toFixed(1)}%)`,
    licence: "the source data's licence applies to the weights",
    origin: 'user',
  };
}

/**
 * A text source model as a frozen text backbone: texts become token ids of its own vocabulary and run through its
 * network up to the pooled features, so `train --backbone` reuses it like any text backbone.
 */
export async function loadTextSourceModelBackbone(dir: string, info: TextSourceModelInfo, record?: { card: TextModelCard; weightsSha256: string }): Promise<TextBackbone> {
  const tokens = TokenIds.fromJSON(info.text.tokenizer, path.join(dir, SOURCE_MODEL_INFO_FILE));
  const engine = createEngine({ kind: 'tfjs' });
  const top = await loadSourceModel(dir, engine).catch(async (err: unknown) => {
    await engine.dispose();
    throw err;
  });
  const card = record?.card ?? textSourceModelCard(info, path.basename(path.resolve(dir)), top.featureDim);
  const weightsSha256 = record?.weightsSha256 ?? (await hashTextSourceModel(dir));
  return {
    card,
    pooling: 'network',
    dim: top.featureDim,
    weightsSha256,
    featureKey: JSON.stringify({ id: card.id, weights: weightsSha256, pooling: 'network' }),
    async embed(texts) {
      const { ids, tokens: count, unknown } = tokens.encodeCounting(texts);
      const values = await top.features(ids, texts.length);
      return { values, dim: top.featureDim, tokens: count, unknownTokens: unknown, oovRate: count > 0 ? unknown / count : 0 };
    },
    countUnknown: (texts) => tokens.countUnknown(texts),
    dispose: async () => {
      top.dispose();
      await engine.dispose();
    },
  };
}
