import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { HeadstartError, buildArchitecture, createEngine, evaluateModel, exportModel, loadImageDataset, predict, registerBackbone, splitDataset, train } from '../../src/index.js';
import type { ImageModelManifest } from '../../src/index.js';
import { FLOWERS } from '../paths.js';

// train's default image backbone is 'auto': LogME on the training images over the zoo's image backbones. Here the
// candidates are restricted (backboneCandidates) so the test stays fast; the default itself considers every one.
const home = inject('sharedHome');
let work: string;
/** 16 flower photos per class, as a manifest: 10 train and 6 test per class after the split. */
let subset: string;
beforeAll(async () => {
  work = await fs.mkdtemp(path.join(os.tmpdir(), 'headstart-train-auto-'));
  const all = await loadImageDataset(FLOWERS);
  const items = all.classes.flatMap((c) => all.items.filter((i) => i.label === c).slice(0, 16));
  subset = path.join(work, 'flowers-16.jsonl');
  await fs.writeFile(subset, items.map((i) => JSON.stringify(i)).join('\n'));
});
afterAll(async () => {
  await fs.rm(work, { recursive: true, force: true });
});

describe("train with backbone 'auto'", () => {
  it('picks the ImageNet backbone over a random-weight network and records the ranking and the reason', async () => {
    // The small CNN headstart trains from scratch, left at its random initial weights (as in rank-poor-backbone).
    const engine = createEngine();
    const random = await buildArchitecture('small-cnn', { inputShape: [224, 224, 3], width: 8, seed: 3 });
    await fs.writeFile(path.join(work, 'model.json'), JSON.stringify(random.artifacts.modelJson));
    await fs.writeFile(path.join(work, 'weights.bin'), random.artifacts.weights);
    await registerBackbone({
      id: 'auto-random-cnn',
      model: path.join(work, 'model.json'),
      format: 'tfjs-layers',
      input: { height: 224, width: 224, channelOrder: 'rgb', resize: 'center-crop', mean: [0, 0, 0], std: [255, 255, 255] },
      cut: random.blocks[random.blocks.length - 1]?.output as string,
      home,
      engine,
    });
    await engine.dispose();

    const out = path.join(work, 'vs-random');
    const result = await train({ data: subset, out, home, backboneCandidates: ['auto-random-cnn', 'mobilenet-v1-imagenet'], perClass: { train: 10, test: 6 }, seed: 1 });
    const manifest = result.manifest as ImageModelManifest;
    expect(manifest.backbone.id).toBe('mobilenet-v1-imagenet');
    // A registered backbone is never concatenated (a model directory carries one backbone copy).
    expect(manifest.extraBackbones).toBeUndefined();
    expect(manifest.backboneChoice?.ranking.map((r) => r.backbone)).toEqual(['mobilenet-v1-imagenet', 'auto-random-cnn']);
    const [best, worst] = manifest.backboneChoice?.ranking ?? [];
    expect(best?.logme).toBeGreaterThan(worst?.logme ?? Infinity);
    expect(manifest.backboneChoice?.reason).toMatch(/mobilenet-v1-imagenet has the highest LogME/);
    expect(manifest.head.kind).toBe('logistic');
    // 10 training photos per class, 30 test photos: chance is 0.2.
    expect(result.metrics.test?.accuracy).toBeGreaterThanOrEqual(0.6);
    const card = await fs.readFile(path.join(out, 'card.md'), 'utf8');
    expect(card).toMatch(/Chosen automatically.*auto-random-cnn/);
    expect(await fs.readFile(path.join(out, 'report.html'), 'utf8')).toContain('backbone choice');
  });

  it('trains the concatenation of the top two bundled backbones; the model predicts and evaluates as trained, and export refuses it', async () => {
    const out = path.join(work, 'concatenated');
    const result = await train({ data: subset, out, home, backboneCandidates: ['mobilenet-v1-imagenet', 'mobilenet-v2-imagenet'], perClass: { train: 10, test: 6 }, seed: 1 });
    const manifest = result.manifest as ImageModelManifest;
    expect([manifest.backbone.id, ...(manifest.extraBackbones ?? []).map((b) => b.id)].sort()).toEqual(['mobilenet-v1-imagenet', 'mobilenet-v2-imagenet']);
    expect(manifest.backboneChoice?.reason).toMatch(/concatenation/);
    expect(result.metrics.test?.accuracy).toBeGreaterThanOrEqual(0.7);
    // The logistic head was cross-validated on the training part: the validation figures are out-of-fold estimates.
    expect(manifest.training.crossValidation?.folds).toBe(5);
    expect(result.metrics.val?.n).toBe(50);

    // The saved model rebuilds the concatenation: evaluating its own test part reproduces the training run's numbers.
    const parts = splitDataset(await loadImageDataset(subset), { perClass: { train: 10, test: 6 }, seed: 1 });
    const testManifest = path.join(work, 'test-part.jsonl');
    await fs.writeFile(testManifest, parts.test.items.map((i) => JSON.stringify(i)).join('\n'));
    const evaluated = await evaluateModel({ model: out, data: testManifest, home, reportDir: path.join(work, 'eval') });
    expect(evaluated.metrics.accuracy).toBeCloseTo(result.metrics.test?.accuracy ?? -1, 10);
    const predicted = await predict({ model: out, files: parts.test.items.slice(0, 5).map((i) => i.path), home, cache: false });
    expect(predicted.predictions).toHaveLength(5);
    expect(predicted.predictions.every((p) => manifest.labels.includes(p.top[0]?.label ?? ''))).toBe(true);

    const err = await exportModel({ model: out, out: path.join(work, 'concatenated.onnx'), home }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HeadstartError);
    expect((err as HeadstartError).message).toMatch(/concatenated features of .*mobilenet.*\+.*mobilenet/);
    await expect(fs.stat(path.join(work, 'concatenated.onnx'))).rejects.toThrow();
  });
});
