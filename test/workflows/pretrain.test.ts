import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoSim2Real, getModelCard, pretrain, synthDigits, train, writeMnistImages } from '../../src/index.js';

let tmp: string;
let home: string;
beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'headstart-pretrain-'));
  home = path.join(tmp, 'home');
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

describe('pretrain: the develop-a-model approach', () => {
  it('trains a source CNN on synthetic digits that beats the baselines, publishes it, and train reuses it on real digits', async () => {
    const synthetic = path.join(tmp, 'synthetic');
    await synthDigits({ out: synthetic, perClass: 80, seed: 5 });
    const result = await pretrain({ data: synthetic, out: 'test-digits', home, epochs: 8, seed: 1 });
    expect(result.published).toBe(true);
    expect(result.baselineCheck).toBe('passed');
    // 80 test digits: the CNN must clear both naive baselines (the check itself), and a stated floor.
    expect(result.testAccuracy.model).toBeGreaterThan(0.8);
    expect(result.testAccuracy.majorityClass).toBeLessThan(0.2);
    expect(result.testAccuracy.model).toBeGreaterThan(result.testAccuracy.softmaxRegression);

    const card = await getModelCard('test-digits', { home });
    expect(card.sourceTraining?.testAccuracy.model).toBeCloseTo(result.testAccuracy.model, 6);
    expect(card.blocks).toEqual(['block_1_conv2', 'block_2_conv2', 'block_3_conv2']);
    await expect(fs.stat(path.join(home, 'zoo', 'test-digits', 'report.html'))).resolves.toBeTruthy();

    // Reused like a bundled backbone on the real target: 10 labelled MNIST digits per class, tested on 30 per class.
    const mnist = path.join(tmp, 'mnist');
    await writeMnistImages({ out: mnist, perClass: 40, seed: 2 });
    const features = await train({ data: mnist, out: path.join(tmp, 'model'), backbone: 'test-digits', home, perClass: { train: 10, test: 30 }, seed: 3 });
    expect(features.metrics.test?.accuracy).toBeGreaterThan(0.5);
  });

  it('refuses to publish a model that cannot beat the majority class, unless forced', async () => {
    // Identical images in both classes, 9 to 1: no model can do better than always answering the majority.
    const data = path.join(tmp, 'indistinguishable');
    const png = await sharp({ create: { width: 28, height: 28, channels: 3, background: { r: 90, g: 90, b: 90 } } }).png().toBuffer();
    for (const [label, count] of [['common', 45], ['rare', 5]] as const) {
      await fs.mkdir(path.join(data, label), { recursive: true });
      for (let i = 0; i < count; i++) await fs.writeFile(path.join(data, label, `${i}.png`), png);
    }
    const refused = await pretrain({ data, out: 'no-better', home, epochs: 2, split: { val: 0.2, test: 0.2 } });
    expect(refused.published).toBe(false);
    expect(refused.baselineCheck).toBe('failed');
    await expect(getModelCard('no-better', { home })).rejects.toThrow();

    const forced = await pretrain({ data, out: 'no-better', home, epochs: 2, split: { val: 0.2, test: 0.2 }, force: true });
    expect(forced.published).toBe(true);
    expect((await getModelCard('no-better', { home })).sourceTraining?.baselineCheck).toBe('forced');
  });
});

describe('demo sim2real', () => {
  it('at k = 10 real digits per class, transfer from synthetic digits beats the same CNN from scratch; zero-shot is reported; runs resume', async () => {
    const options = { home, out: path.join(tmp, 's2r'), sourcePerClass: 300, shots: [10], seeds: [1, 2], testPerClass: 50, sourceEpochs: 4 };
    const first = await demoSim2Real(options);
    expect(new Set(first.runs.map((r) => r.method))).toEqual(new Set(['fine-tuned', 'fine-tuned, own head', 'frozen + head', 'scratch', 'zero-shot']));
    const mean = (m: string) => first.summary.find((s) => s.method === m)?.mean ?? NaN;
    // Measured (seeds 1 and 2, 500 real test digits): frozen 0.824, fine-tuned 0.852, scratch 0.715, zero-shot 0.63.
    expect(mean('frozen + head')).toBeGreaterThan(mean('scratch') + 0.06);
    expect(mean('fine-tuned')).toBeGreaterThan(mean('scratch') + 0.06);
    expect(mean('zero-shot')).toBeGreaterThan(0.3); // no real labels at all; chance is 0.1
    // Starting from the source model's own head keeps what zero-shot knows: it does not fall below it.
    expect(mean('fine-tuned, own head')).toBeGreaterThan(mean('zero-shot') - 0.02);
    expect(first.resumedRuns).toBe(0);
    const again = await demoSim2Real(options);
    expect(again.resumedRuns).toBe(10);
    expect(again.runs).toEqual(first.runs);
    const html = await fs.readFile(first.reportPath, 'utf8');
    expect(html).toContain('zero-shot');
  });
});
