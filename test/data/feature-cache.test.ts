import { promises as fs } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FeatureCache } from '../../src/data/index.js';
import { makeTempDir, writeFixture } from './fixtures.js';

let dir: string;
beforeEach(async () => {
  dir = await makeTempDir();
});
afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

const awkward = Float32Array.from([0.1, -0, 1 / 3, 3.4028234663852886e38, 1.401298464324817e-45, -Infinity, Number.NaN, 42]);

function expectSameBits(a: Float32Array | undefined, b: Float32Array): void {
  expect(a).toBeInstanceOf(Float32Array);
  expect(Array.from(new Uint32Array((a as Float32Array).slice().buffer))).toEqual(Array.from(new Uint32Array(b.slice().buffer)));
}

describe('FeatureCache', () => {
  it('round-trips vectors bit for bit, including subarray views', () => {
    const cache = FeatureCache.open(path.join(dir, 'a', 'b', 'features.sqlite'));
    try {
      const big = Float32Array.from({ length: 20 }, (_, i) => i * 1.25 - 3);
      const view = big.subarray(3, 11);
      cache.putMany('mobilenet/avg', [
        { contentHash: 'h1', values: awkward },
        { contentHash: 'h2', values: view },
      ]);
      expectSameBits(cache.get('mobilenet/avg', 'h1'), awkward);
      expectSameBits(cache.get('mobilenet/avg', 'h2'), view);
      expect(cache.get('mobilenet/avg', 'h3')).toBeUndefined();
      expect(cache.get('other', 'h1')).toBeUndefined();
    } finally {
      cache.close();
    }
  });

  it('returns many at once, without the missing ones', () => {
    const cache = FeatureCache.open(path.join(dir, 'f.sqlite'));
    try {
      const entries = Array.from({ length: 50 }, (_, i) => ({ contentHash: `h${i}`, values: Float32Array.from([i, i + 0.5]) }));
      cache.putMany('k', entries);
      const found = cache.getMany('k', ['h3', 'h49', 'nope', 'h3']);
      expect([...found.keys()]).toEqual(['h3', 'h49']);
      expect(Array.from(found.get('h49') as Float32Array)).toEqual([49, 49.5]);
    } finally {
      cache.close();
    }
  });

  it('counts per extractor key and in total, and replaces on put', () => {
    const cache = FeatureCache.open(path.join(dir, 'f.sqlite'));
    try {
      cache.putMany('k1', [{ contentHash: 'a', values: Float32Array.from([1]) }, { contentHash: 'b', values: Float32Array.from([2]) }]);
      cache.putMany('k2', [{ contentHash: 'a', values: Float32Array.from([3]) }]);
      expect(cache.count()).toBe(3);
      expect(cache.count('k1')).toBe(2);
      expect(cache.count('k3')).toBe(0);
      cache.putMany('k1', [{ contentHash: 'a', values: Float32Array.from([9, 9]) }]);
      expect(cache.count('k1')).toBe(2);
      expect(Array.from(cache.get('k1', 'a') as Float32Array)).toEqual([9, 9]);
      expect(Array.from(cache.get('k2', 'a') as Float32Array)).toEqual([3]);
    } finally {
      cache.close();
    }
  });

  it('persists across close and reopen, in WAL mode', () => {
    const file = path.join(dir, 'cache', 'f.sqlite');
    const first = FeatureCache.open(file);
    first.putMany('k', [{ contentHash: 'x', values: awkward }]);
    first.close();
    const db = new Database(file, { readonly: true });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();
    const second = FeatureCache.open(file);
    try {
      expect(second.count()).toBe(1);
      expectSameBits(second.get('k', 'x'), awkward);
    } finally {
      second.close();
    }
  });

  it('throws HS_CACHE_FAILED naming a file that is not a database', async () => {
    const file = await writeFixture(path.join(dir, 'junk.sqlite'), 'this is not a database, just text '.repeat(40));
    expect(() => FeatureCache.open(file)).toThrow(expect.objectContaining({ code: 'HS_CACHE_FAILED', message: expect.stringContaining(file) }));
  });

  it('rejects an empty extractor key', () => {
    const cache = FeatureCache.open(path.join(dir, 'f.sqlite'));
    try {
      expect(() => cache.get('', 'x')).toThrow(expect.objectContaining({ code: 'HS_INVALID_OPTION' }));
    } finally {
      cache.close();
    }
  });
});
