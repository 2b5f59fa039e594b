import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { exportModel, predict, train } from '../../src/index.js';
import type { HeadKind, InputSpec } from '../../src/index.js';
import { decodeImages, loadLayersModel, maxRowRelativeError, predictLayers, sampleImages } from '../formats/layers-model.js';
import { makeTempDir } from '../data/fixtures.js';
import { FLOWERS_MINI } from '../paths.js';

// The exported TF.js Layers model, loaded as a browser would load it, must reproduce headstart's own predictions.
describe('exportModel to a TF.js Layers folder', () => {
  const home = inject('sharedHome');
  const work = makeTempDir('headstart-export-tfjs-');
  afterAll(async () => fs.rm(await work, { recursive: true, force: true }));

  const cases: { name: string; backbone?: string; head: HeadKind }[] = [
    { name: 'linear head on the TFLite backbone', backbone: 'mobilenet-v1-imagenet', head: 'linear' },
    { name: 'mlp head on the TFLite backbone', backbone: 'mobilenet-v1-imagenet', head: 'mlp' },
    { name: 'prototype head on the TFLite backbone', backbone: 'mobilenet-v1-imagenet', head: 'prototype' },
    { name: 'mlp head on the Keras mobilenet-v2', backbone: 'mobilenet-v2', head: 'mlp' },
  ];
  it.each(cases)('$name: tfjs gives the probabilities of predict()', async ({ backbone, head }) => {
    const modelDir = path.join(await work, `${head}-${backbone ?? 'default'}`);
    const files = await sampleImages(FLOWERS_MINI, 6);
    await train({ data: FLOWERS_MINI, out: modelDir, home, head, epochs: 10, perClass: { train: 8, test: 2 }, ...(backbone ? { backbone } : {}) });
    // Beside the model, not inside it: an output may not lie inside an input.
    const out = `${modelDir}-tfjs`;
    const exported = await exportModel({ model: modelDir, out, home, format: 'tfjs' });
    expect(exported).toMatchObject({ format: 'tfjs', path: out, input: 'pixels', output: 'probabilities' });
    expect((await fs.readdir(out)).sort()).toEqual(['.headstart-output.json', 'metadata.json', 'model.json', 'weights.bin']);
    const metadata = JSON.parse(await fs.readFile(path.join(out, 'metadata.json'), 'utf8')) as { labels: string[]; input: InputSpec };
    expect(metadata.labels).toEqual(exported.labels);

    const model = await loadLayersModel(await fs.readFile(path.join(out, 'model.json'), 'utf8'), new Uint8Array(await fs.readFile(path.join(out, 'weights.bin'))));
    const { height, width } = metadata.input;
    const probabilities = await predictLayers(model, await decodeImages(files, metadata.input), [files.length, height, width, 3]);
    model.dispose();

    const own = await predict({ model: modelDir, files, home, topK: metadata.labels.length, cache: false });
    const expected = new Float32Array(probabilities.length);
    own.predictions.forEach((p, r) => p.top.forEach((t) => expected.set([t.probability], r * metadata.labels.length + metadata.labels.indexOf(t.label))));
    let worst = 0;
    probabilities.forEach((p, i) => (worst = Math.max(worst, Math.abs(p - (expected[i] as number)))));
    process.stdout.write(`export tfjs ${head} on ${backbone ?? 'default'}: max |p - predict()| ${worst.toExponential(2)}, relative ${maxRowRelativeError(probabilities, expected, files.length).toExponential(2)}\n`);
    expect(new Set(expected).size).toBeGreaterThan(metadata.labels.length);
    expect(worst).toBeLessThan(1e-4);
  });
});
