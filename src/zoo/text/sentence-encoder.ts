import { promises as fs } from 'node:fs';
import path from 'node:path';
import { HeadstartError, invalidOption } from '../../core/index.js';
import { WordPieceTokenizer } from '../../data/index.js';
import { OnnxTextEncoder } from '../../engines/index.js';

/** The files of a sentence encoder in the transformers.js folder layout, relative to the folder. */
export const SENTENCE_ENCODER_FILES = ['config.json', 'tokenizer.json', path.join('onnx', 'model.onnx')] as const;

/** A tokenizer and an encoder loaded from one folder, with the truncation length they run at. */
export interface SentenceEncoder {
  tokenizer: WordPieceTokenizer;
  encoder: OnnxTextEncoder;
  /** Tokens per text, special tokens included. */
  maxLength: number;
  /** Hidden width from config.json (hidden_size), if it says. */
  hiddenSize: number | undefined;
  /** config.json's model_type (e.g. 'bert'), if it says. */
  modelType: string | undefined;
}

/** Throws, listing every file the layout expects and which are missing, unless all are there. */
export async function checkSentenceEncoderFolder(dir: string): Promise<void> {
  const present = await Promise.all(SENTENCE_ENCODER_FILES.map((f) => fs.stat(path.join(dir, f)).then((s) => s.isFile(), () => false)));
  const missing = SENTENCE_ENCODER_FILES.filter((_, i) => !present[i]);
  if (missing.length > 0) {
    throw new HeadstartError(
      'HS_MODEL_NOT_FOUND',
      `${dir} is not a sentence-encoder folder: missing ${missing.join(', ')}. Expected the transformers.js layout: ` +
        `${SENTENCE_ENCODER_FILES.join(', ')} (e.g. a downloaded Xenova/all-MiniLM-L6-v2 folder).`,
    );
  }
}

/**
 * Loads a sentence encoder from a local folder (config.json, tokenizer.json, onnx/model.onnx). Texts are cut to
 * `maxLength` tokens, else tokenizer.json's truncation length, else config.json's max_position_embeddings.
 */
export async function loadSentenceEncoder(dir: string, options: { maxLength?: number; threads?: number }): Promise<SentenceEncoder> {
  await checkSentenceEncoderFolder(dir);
  const configFile = path.join(dir, 'config.json');
  let config: Record<string, unknown>;
  try {
    config = JSON.parse(await fs.readFile(configFile, 'utf8')) as Record<string, unknown>;
  } catch (err) {
    throw new HeadstartError('HS_MODEL_INVALID', `Cannot read ${configFile}: ${(err as Error).message}.`, { cause: err });
  }
  const tokenizer = await WordPieceTokenizer.fromFile(path.join(dir, 'tokenizer.json'));
  const positions = typeof config.max_position_embeddings === 'number' ? config.max_position_embeddings : undefined;
  const maxLength = options.maxLength ?? tokenizer.maxLength ?? positions;
  if (maxLength === undefined) {
    throw new HeadstartError('HS_MODEL_INVALID', `${dir}: neither tokenizer.json (truncation.max_length) nor config.json (max_position_embeddings) gives a maximum length; pass maxLength.`);
  }
  if (!Number.isInteger(maxLength) || maxLength <= tokenizer.specialTokenCount) {
    throw invalidOption(`Expected maxLength to be an integer above ${tokenizer.specialTokenCount}. Received: ${String(maxLength)}.`);
  }
  if (positions !== undefined && maxLength > positions) {
    throw invalidOption(`maxLength ${maxLength} exceeds the ${positions} positions the model has (config.json max_position_embeddings).`);
  }
  const encoder = await OnnxTextEncoder.load(path.join(dir, 'onnx', 'model.onnx'), options.threads === undefined ? {} : { threads: options.threads });
  return {
    tokenizer,
    encoder,
    maxLength,
    hiddenSize: typeof config.hidden_size === 'number' ? config.hidden_size : encoder.hiddenSize,
    modelType: typeof config.model_type === 'string' ? config.model_type : undefined,
  };
}

/** Sentence vectors: the mean of each row's hidden states over the tokens its attention mask keeps. */
export function meanPoolTokens(hidden: Float32Array, mask: BigInt64Array, batch: number, seqLength: number, dim: number): Float32Array {
  const out = new Float32Array(batch * dim);
  for (let b = 0; b < batch; b++) {
    let kept = 0;
    const acc = new Float64Array(dim);
    for (let t = 0; t < seqLength; t++) {
      if (mask[b * seqLength + t] === 0n) continue;
      kept++;
      const base = (b * seqLength + t) * dim;
      for (let k = 0; k < dim; k++) acc[k] = (acc[k] as number) + (hidden[base + k] as number);
    }
    for (let k = 0; k < dim; k++) out[b * dim + k] = kept > 0 ? (acc[k] as number) / kept : 0;
  }
  return out;
}
