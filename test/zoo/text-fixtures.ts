import { promises as fs } from 'node:fs';
import path from 'node:path';
import { GraphBuilder, attr, encodeOnnxModel } from '../../src/formats/onnx/index.js';

/** The fixture encoder's vocabulary, in id order. */
export const VOCAB = [
  '[PAD]', '[UNK]', '[CLS]', '[SEP]', 'hello', 'world', '##s', ',', '!', 'cafe', 'un', '##believ', '##able', 'play', '##ing', 'the', 'a',
];
export const HIDDEN = 3;

/** Embedding tables and the dense layer of the fixture: h = tanh((word[id] + type[t]) * mask @ W + B). */
export const WORD = VOCAB.map((_, i) => [Math.sin(i + 1), Math.cos(2 * i + 1) / 2, ((i * 7) % 5) / 5 - 0.4]);
export const TYPE = [[0.1, -0.2, 0.05], [0.3, 0.3, -0.3]];
export const W = [[0.9, -0.4, 0.2], [0.3, 0.8, -0.5], [-0.6, 0.1, 0.7]];
export const B = [0.05, -0.1, 0.2];

/** The fixture's hidden state for one token, computed in float64. */
export function hiddenByHand(id: number, typeId: number): number[] {
  const x = (WORD[id] as number[]).map((v, k) => v + (TYPE[typeId] as number[])[k]!);
  return B.map((b, j) => Math.tanh(x.reduce((s, v, k) => s + v * (W[k] as number[])[j]!, b)));
}

/**
 * A tiny BERT-shaped encoder: int64 input_ids, attention_mask and token_type_ids in; Gather word and token-type
 * embeddings, Add, zero the padded positions with the mask, MatMul + bias, Tanh; last_hidden_state [batch, seq, 3] out.
 */
export function tinyEncoderOnnx(): Uint8Array {
  const b = new GraphBuilder('tiny-bert');
  const ids = b.input('input_ids', 'int64', ['batch', 'sequence']);
  const mask = b.input('attention_mask', 'int64', ['batch', 'sequence']);
  const types = b.input('token_type_ids', 'int64', ['batch', 'sequence']);
  const word = b.node('Gather', [b.constant('word_embeddings', [VOCAB.length, HIDDEN], Float32Array.from(WORD.flat())), ids], { axis: attr.int(0) });
  const type = b.node('Gather', [b.constant('token_type_embeddings', [2, HIDDEN], Float32Array.from(TYPE.flat())), types], { axis: attr.int(0) });
  const sum = b.node('Add', [word, type]);
  const maskF = b.node('Unsqueeze', [b.node('Cast', [mask], { to: attr.int(1) }), b.constant('axes', [1], BigInt64Array.from([-1n]), 'int64')]);
  const masked = b.node('Mul', [sum, maskF]);
  const dense = b.node('Add', [b.node('MatMul', [masked, b.constant('dense_w', [HIDDEN, HIDDEN], Float32Array.from(W.flat()))]), b.constant('dense_b', [HIDDEN], Float32Array.from(B))]);
  b.node('Tanh', [dense], {}, 'last_hidden_state');
  b.output('last_hidden_state', 'float32', ['batch', 'sequence', HIDDEN]);
  return encodeOnnxModel(b.buildModel());
}

/** A tokenizer.json shaped like all-MiniLM-L6-v2's (BertNormalizer, BertPreTokenizer, WordPiece, [CLS] $A [SEP]). */
export function tinyTokenizerJson(maxLength: number | null): object {
  return {
    version: '1.0',
    truncation: maxLength === null ? null : { direction: 'Right', max_length: maxLength, strategy: 'LongestFirst', stride: 0 },
    padding: null,
    added_tokens: [],
    normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: true },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: {
      type: 'TemplateProcessing',
      single: [{ SpecialToken: { id: '[CLS]', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '[SEP]', type_id: 0 } }],
      pair: [],
      special_tokens: { '[CLS]': { id: '[CLS]', ids: [2], tokens: ['[CLS]'] }, '[SEP]': { id: '[SEP]', ids: [3], tokens: ['[SEP]'] } },
    },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: { type: 'WordPiece', unk_token: '[UNK]', continuing_subword_prefix: '##', max_input_chars_per_word: 100, vocab: Object.fromEntries(VOCAB.map((t, i) => [t, i])) },
  };
}

/** Writes a sentence-encoder folder in the transformers.js layout. */
export async function writeTinyEncoderFolder(dir: string, options: { maxLength: number | null }): Promise<void> {
  await fs.mkdir(path.join(dir, 'onnx'), { recursive: true });
  await fs.writeFile(path.join(dir, 'config.json'), JSON.stringify({ model_type: 'bert', hidden_size: HIDDEN, max_position_embeddings: 16, type_vocab_size: 2 }));
  await fs.writeFile(path.join(dir, 'tokenizer.json'), JSON.stringify(tinyTokenizerJson(options.maxLength)));
  await fs.writeFile(path.join(dir, 'onnx', 'model.onnx'), tinyEncoderOnnx());
}

/** Three words in frequency order, 4-d vectors with at most 5 significant digits, in wink-embeddings' JSON layout. */
export const WORD_VECTORS: Record<string, number[]> = {
  the: [0.12345, -1.5, 3.1416e-5, 2.7183],
  good: [-0.87654, 0.5, 1.25, -3.3333],
  film: [4.0666, -0.00012, 0.75, 0.1],
};

export function winkJson(words: Record<string, number[]>): string {
  const list = Object.keys(words);
  const dim = (Object.values(words)[0] as number[]).length;
  const vectors = Object.fromEntries(list.map((w, i) => {
    const v = words[w] as number[];
    return [w, [...v, Math.hypot(...v), i]];
  }));
  return JSON.stringify({ precision: 8, l2NormIndex: dim, wordIndex: dim + 1, size: list.length, dimensions: dim, words: list, vectors, unkVector: [...new Array(dim).fill(0), 0, -1] });
}
