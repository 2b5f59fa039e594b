import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { HeadstartError, SENTIMENT_METHODS, demoSentiment } from '../../src/index.js';
import type { SentimentResult } from '../../src/index.js';
import { SENTIMENT } from '../paths.js';

// The sentiment demo on a tiny curve (k = 8, one seed): every method, the source model's baseline check, resume.
let work: string;
let first: SentimentResult;
const options = () => ({ home: inject('sharedHome'), dataDir: SENTIMENT, out: work, shots: [8], seeds: [1] });

beforeAll(async () => {
  work = await fs.mkdtemp(path.join(os.tmpdir(), 'headstart-demo-sentiment-'));
  first = await demoSentiment(options());
});
afterAll(async () => {
  await fs.rm(work, { recursive: true, force: true });
});

describe('demo sentiment', () => {
  it('runs every method once per point on the fixed amazon test part', () => {
    expect(first.runs.map((r) => r.method).sort()).toEqual([...SENTIMENT_METHODS].sort());
    expect(first.runs.every((r) => r.shots === 8 && r.seed === 1)).toBe(true);
    expect(first.summary).toHaveLength(SENTIMENT_METHODS.length);
    expect(first.target).toEqual({ trainPerClass: 250, testPerClass: 250 });
    // Measured at k=8, seed 1: word vectors + head 0.636, imdb model frozen 0.682, fine-tuned 0.664, fine-tuned from
    // its own head 0.756, scratch 0.610, zero-shot 0.756; chance is 0.5.
    const acc = (m: string) => first.runs.find((r) => r.method === m)?.accuracy ?? 0;
    for (const m of SENTIMENT_METHODS) expect(acc(m), m).toBeGreaterThan(0.55);
    expect(acc('zero-shot')).toBeGreaterThan(0.72);
    expect(acc('zero-shot')).toBeGreaterThan(acc('word vectors + head'));
    // Keeping the imdb head keeps what zero-shot gets right; a new head trained on 16 sentences throws it away.
    expect(acc('source model fine-tuned, own head')).toBeGreaterThan(acc('source model fine-tuned'));
    expect(first.unknownToSource).toBeGreaterThan(0.1);
    expect(first.verdict.some((v) => v.startsWith('k=8: reusing the imdb model'))).toBe(true);
  });

  it('checks the imdb source model against bag-of-words logistic regression', () => {
    const s = first.source;
    expect(s.counts).toEqual({ train: 700, val: 100, test: 200 });
    // Measured: text CNN 0.81, bag-of-words 0.765, linear head on GloVe 0.775 (200 imdb test sentences).
    expect(s.testAccuracy.model).toBeGreaterThan(0.78);
    expect(s.testAccuracy.bagOfWords).toBeGreaterThan(0.72);
    expect(s.testAccuracy.wordVectorsHead).toBeGreaterThan(0.74);
    expect(s.baselineCheck).toBe('passed');
    expect(first.oovRate.amazon).toBeGreaterThan(0.03);
  });

  it('writes the report and resumes every finished run without training again', async () => {
    expect(await fs.readFile(first.reportPath, 'utf8')).toContain('source model fine-tuned');
    const again = await demoSentiment(options());
    expect(again.resumedRuns).toBe(SENTIMENT_METHODS.length);
    expect(again.runs).toEqual(first.runs);
    expect(again.source).toEqual(first.source);
    expect(again.durationMs).toBeLessThan(first.durationMs);
  });

  it('names the flag when the data folder is missing', async () => {
    const err = await demoSentiment({ ...options(), dataDir: path.join(work, 'nowhere') }).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(HeadstartError);
    expect((err as HeadstartError).code).toBe('HS_FILE_NOT_FOUND');
    expect((err as HeadstartError).message).toMatch(/nowhere.*--data-dir/);
  });
});
