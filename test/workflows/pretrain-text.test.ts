import { promises as fs } from 'node:fs';
import path from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { loadSourceModel, pretrain, createEngine } from '../../src/index.js';
import { SENTIMENT } from '../paths.js';

describe('pretrain on text', () => {
  it('trains an MLP on imdb sentence vectors, checks it against bag-of-words logistic regression, and keeps the model', async () => {
    const home = inject('sharedHome');
    const result = await pretrain({ data: path.join(SENTIMENT, 'imdb_labelled.txt'), out: 'imdb-source', home, split: { val: 0.1, test: 0.2 }, seed: 3, width: 256, epochs: 60, patience: 5 });
    expect(result.kind).toBe('text');
    const a = result.testAccuracy;
    // Measured on 200 imdb test sentences, split seeds 1-3: the MLP 0.765, 0.765, 0.81; bag-of-words LR 0.77, 0.785,
    // 0.775. The two are within noise of each other, so only the check's consistency is asserted, not its outcome.
    expect(a.model).toBeGreaterThan(0.7);
    expect(a.softmaxRegression).toBeGreaterThan(0.7);
    expect(a.majorityClass).toBeCloseTo(0.5, 1);
    expect(result.baselineCheck).toBe(a.model > Math.max(a.majorityClass, a.softmaxRegression) ? 'passed' : 'failed');
    expect(result.published).toBe(false);
    expect(result.unpublishedReason).toMatch(/text model is kept|does not beat/);
    // The kept model reloads and reads 100-d sentence vectors.
    const info = JSON.parse(await fs.readFile(path.join(result.modelDir, 'source.json'), 'utf8')) as { text: { backbone: string } };
    expect(info.text.backbone).toBe('glove-wink-100d');
    const engine = createEngine();
    const top = await loadSourceModel(result.modelDir, engine);
    expect(top.inputShape).toEqual([100]);
    top.dispose();
    await engine.dispose();
  });
});
