import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { exportModel, HeadstartError, predict, train, TRAIN_DEFAULTS } from '../../src/index.js';
import type { TrainResult } from '../../src/index.js';
import { FLOWERS } from '../paths.js';

// Issue 4's acceptance test: on a fixed split of the shared flowers (30 train, 10 validation, 20 test images per
// class), fine-tuning the top two blocks of MobileNetV2 (the Coral ImageNet model, train's default fine-tuning
// backbone: trunk in onnxruntime, expanded_conv_16 and Conv_1 rebuilt as Layers and trained in tfjs) must reach the
// feature-extraction accuracy of the same split, less one test image at most.
// Measured (seed 1): feature extraction 0.83 test; fine-tuned 0.83. Unfreezing never beat the head phase's validation
// loss here, so the best-epoch restore kept the head phase's model; without the restore the unfrozen epochs score
// 0.81-0.84 (see the report for the curves).
const SPLIT = { train: 30, val: 10, test: 20 };
const BACKBONE = 'mobilenet-v2-imagenet';

describe('fine-tuning the Coral MobileNetV2 on flowers', () => {
  const home = inject('sharedHome');
  let work: string;
  let features: TrainResult;
  let tuned: TrainResult;

  beforeAll(async () => {
    work = await fs.mkdtemp(path.join(os.tmpdir(), 'headstart-finetune-'));
    features = await train({ data: FLOWERS, out: path.join(work, 'features'), home, backbone: BACKBONE, head: 'linear', perClass: SPLIT, seed: 1 });
    // The default backbone of strategy 'finetune'.
    expect(TRAIN_DEFAULTS.fineTuneBackbone).toBe(BACKBONE);
    tuned = await train({ data: FLOWERS, out: path.join(work, 'finetuned'), home, perClass: SPLIT, seed: 1, strategy: 'finetune', unfreeze: 2, fineTuneEpochs: 4 });
  });
  afterAll(async () => {
    await fs.rm(work, { recursive: true, force: true });
  });

  it('is not worse than feature extraction on the same split by more than one test image', () => {
    const f = features.metrics.test?.accuracy ?? -1;
    const t = tuned.metrics.test?.accuracy ?? -1;
    const n = tuned.metrics.test?.n ?? 0;
    expect(n).toBe(100);
    expect(f).toBeGreaterThanOrEqual(0.78);
    expect(t).toBeGreaterThanOrEqual(0.78);
    expect(t).toBeGreaterThanOrEqual(f - 1 / n - 1e-9);
    // The run's own baseline (the same features and head, computed beside the fine-tuned model) agrees.
    expect(tuned.manifest.fineTune?.featureExtraction?.test?.accuracy).toBeCloseTo(f, 1);
  });

  it('records the split: trunk up to expanded_conv_15, expanded_conv_16 and Conv_1 trained up to the pooled features', () => {
    const ft = tuned.manifest.fineTune;
    expect(ft).toMatchObject({
      boundary: 'MobilenetV2/expanded_conv_15/add', cut: 'features', groups: ['MobilenetV2/expanded_conv_16/project/add_fold', 'features'], batchNorm: 'frozen',
    });
    expect(tuned.manifest.backbone).toMatchObject({ id: BACKBONE, cut: 'MobilenetV2/expanded_conv_15/add', pooling: 'flatten' });
    expect(ft?.phases[0]?.name).toMatch(/head/);
    expect(ft?.phases.length).toBeGreaterThanOrEqual(2);
  });

  it('writes a report with the curves of each phase and both accuracies side by side', async () => {
    const html = await fs.readFile(path.join(tuned.modelDir, 'report.html'), 'utf8');
    expect(html).toContain('Training phases');
    expect(html).toContain('feature extraction, test accuracy');
    expect(html).toContain('fine-tuned, test accuracy');
    expect(html).toContain('<svg');
    await expect(fs.stat(path.join(tuned.modelDir, 'checkpoint'))).rejects.toThrow();
  });

  it('predicts through trunk, top and head from the model directory, and refuses export with a clear error', async () => {
    const classes = ['daisy', 'sunflowers'];
    const files = (await Promise.all(classes.map(async (c) => (await fs.readdir(path.join(FLOWERS, c))).sort().slice(0, 4).map((f) => path.join(FLOWERS, c, f))))).flat();
    const result = await predict({ model: tuned.modelDir, files, home, cache: false, topK: 5 });
    expect(result.predictions).toHaveLength(8);
    for (const p of result.predictions) expect(p.top.reduce((s, t) => s + t.probability, 0)).toBeCloseTo(1, 4);
    // The saved top keeps its NCHW -> NHWC permute: a lost or doubled transpose would predict near chance.
    const correct = result.predictions.filter((p, i) => p.label === classes[Math.floor(i / 4)]).length;
    expect(correct).toBeGreaterThanOrEqual(6);
    const refused = await exportModel({ model: tuned.modelDir, out: path.join(work, 'exported'), home }).catch((e: unknown) => e);
    expect((refused as HeadstartError).code).toBe('HS_INVALID_OPTION');
    expect((refused as HeadstartError).message).toMatch(/fine-tuned/);
  });
});
