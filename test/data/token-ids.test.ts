import { describe, expect, it } from 'vitest';
import { BagOfWords, HeadstartError, PAD_TOKEN, TokenIds, UNKNOWN_TOKEN } from '../../src/index.js';

const texts = ['A great film, a great cast.', "Don't watch it.", 'Great!'];

describe('TokenIds', () => {
  it('numbers the training words by document frequency after padding and unknown, as BagOfWords orders them', () => {
    const tokens = TokenIds.fit(texts, { maxLength: 5 });
    // '.' and 'great' are in two texts each (ties alphabetical), the rest in one.
    expect(tokens.vocabulary.slice(0, 4)).toEqual([PAD_TOKEN, UNKNOWN_TOKEN, '.', 'great']);
    expect(tokens.vocabulary.slice(2)).toEqual(BagOfWords.fit(texts).vocabulary);
    expect(tokens.size).toBe(2 + BagOfWords.fit(texts).dim);
  });

  it('encodes each text as maxLength ids: cut when longer, padded with 0, unknown words as 1', () => {
    const tokens = TokenIds.fit(texts, { maxLength: 5 });
    const id = (w: string) => tokens.vocabulary.indexOf(w);
    const rows = tokens.encode(['great terrible film', 'a great film , a great cast']);
    expect(Array.from(rows.subarray(0, 5))).toEqual([id('great'), 1, id('film'), 0, 0]);
    expect(Array.from(rows.subarray(5, 10))).toEqual([id('a'), id('great'), id('film'), id(','), id('a')]);
    expect(tokens.unknownRate(['great terrible film'])).toBeCloseTo(1 / 3);
  });

  it('labels rows as a FeatureSet and round-trips through JSON', () => {
    const tokens = TokenIds.fit(texts);
    const set = tokens.features([{ text: 'Great!', label: 'pos', id: 'r1' }, { text: 'awful', label: 'neg', id: 'r2' }], ['neg', 'pos']);
    expect(set.dim).toBe(64);
    expect(Array.from(set.labels)).toEqual([1, 0]);
    expect(set.files).toEqual(['r1', 'r2']);
    const again = TokenIds.fromJSON(JSON.parse(JSON.stringify(tokens)) as never, 'source.json');
    expect(again.encode(texts)).toEqual(tokens.encode(texts));
  });

  it('refuses a tokenizer record without padding and unknown first, naming the file', () => {
    const err = (() => {
      try {
        TokenIds.fromJSON({ vocabulary: ['great'], maxLength: 4 }, '/m/source.json');
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(HeadstartError);
    expect((err as HeadstartError).message).toMatch(/\/m\/source\.json/);
  });
});
