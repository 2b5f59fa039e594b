import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { HeadstartError, decodeImage, exportModel, loadImageDataset, predict, train } from '../../src/index.js';
import type { InputSpec } from '../../src/index.js';
import { FLOWERS_MINI } from '../paths.js';

// The exported graph must reproduce headstart's own predictions: same probabilities on real photos.
describe('exportModel to ONNX', () => {
  const home = inject('sharedHome');
  let work: string;
  let files: string[];
  beforeAll(async () => {
    work = await fs.mkdtemp(path.join(os.tmpdir(), 'headstart-export-'));
    const ds = await loadImageDataset(FLOWERS_MINI);
    files = ds.items.filter((_, i) => i % 30 === 0).map((i) => i.path);
  });
  afterAll(async () => {
    await fs.rm(work, { recursive: true, force: true });
  });

  const cases = [
    { name: 'linear head on the TFLite backbone', backbone: 'mobilenet-v1-imagenet', head: 'linear' as const },
    { name: 'logistic head (the linear probe) on the TFLite backbone', backbone: 'mobilenet-v1-imagenet', head: 'logistic' as const },
    { name: 'mlp head on the Keras mobilenet-v2', backbone: 'mobilenet-v2', head: 'mlp' as const },
    { name: 'prototype head on the Keras mobilenet-v2', backbone: 'mobilenet-v2', head: 'prototype' as const },
  ];
  for (const c of cases) {
    it(`${c.name}: onnxruntime gives headstart's probabilities`, async () => {
      const modelDir = path.join(work, `${c.head}-${c.backbone ?? 'default'}`);
      await train({ data: FLOWERS_MINI, out: modelDir, home, head: c.head, epochs: 20, perClass: { train: 10, test: 4 }, ...(c.backbone ? { backbone: c.backbone } : {}) });
      const out = path.join(work, `${c.head}.onnx`);
      const exported = await exportModel({ model: modelDir, out, home });
      expect(exported.output).toBe('probabilities');

      const session = await ort.InferenceSession.create(out);
      const metadata = JSON.parse(await fs.readFile(path.join(modelDir, 'headstart.json'), 'utf8')) as { input: InputSpec; labels: string[] };
      const { height, width } = metadata.input;
      const pixels = new Float32Array(files.length * height * width * 3);
      for (const [i, file] of files.entries()) pixels.set(await decodeImage(await fs.readFile(file), file, metadata.input), i * height * width * 3);
      const result = await session.run({ [exported.input]: new ort.Tensor('float32', pixels, [files.length, height, width, 3]) });
      await session.release();
      const probs = result.probabilities?.data as Float32Array;

      const own = await predict({ model: modelDir, files, home, topK: 5, cache: false });
      let worst = 0;
      own.predictions.forEach((p, r) => {
        for (const t of p.top) worst = Math.max(worst, Math.abs(t.probability - (probs[r * 5 + metadata.labels.indexOf(t.label)] ?? NaN)));
      });
      expect(worst).toBeLessThan(1e-4);
    });
  }

  it('refuses a knn head, saying which heads export', async () => {
    const modelDir = path.join(work, 'knn');
    await train({ data: FLOWERS_MINI, out: modelDir, home, backbone: 'mobilenet-v1-imagenet', head: 'knn', perClass: { train: 10, test: 4 } });
    const err = await exportModel({ model: modelDir, out: path.join(work, 'knn.onnx'), home }).catch((e: unknown) => e);
    expect((err as HeadstartError).code).toBe('HS_INVALID_OPTION');
    expect((err as HeadstartError).message).toMatch(/linear, mlp or prototype/);
  });
});
