import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, extractFeatures, getModelCard, loadBackbone, loadImageDataset, registerTfliteBackbone } from '../../src/index.js';
import { CORAL_MODELS, FLOWERS_MINI } from '../paths.js';
import { ensureBuilt, parseJsonStdout, runHeadstart } from '../cli/run-headstart.js';

let home: string;
beforeAll(async () => {
  home = await fs.mkdtemp(path.join(os.tmpdir(), 'headstart-tflite-'));
});
afterAll(async () => {
  await fs.rm(home, { recursive: true, force: true });
});

const CORAL_INPUT = { height: 224, width: 224, channelOrder: 'rgb', resize: 'center-crop', mean: [128, 128, 128], std: [128, 128, 128] } as const;

describe('registering a TFLite backbone', () => {
  it('converts the iNaturalist birds model to ONNX at its penultimate layer and extracts features with it', async () => {
    const engine = createEngine();
    try {
      const installed = await registerTfliteBackbone({
        id: 'inat-birds',
        model: path.join(CORAL_MODELS, 'mobilenet_v2_1.0_224_inat_bird_quant.tflite'),
        cut: 'penultimate',
        input: { ...CORAL_INPUT, mean: [128, 128, 128], std: [128, 128, 128] },
        licence: 'Apache-2.0',
        home,
        engine,
      });
      expect(installed.files.format).toBe('onnx');
      const card = await getModelCard('inat-birds', { home });
      expect(card.embeddingSize).toBe(1280);
      expect(card.trainedOn).toMatch(/TFLite tensor/);
      const backbone = await loadBackbone('inat-birds', { home, engine });
      const ds = await loadImageDataset(FLOWERS_MINI);
      const { features } = await extractFeatures(backbone, { classes: ds.classes, items: ds.items.slice(0, 4) });
      expect(features.labels).toHaveLength(4);
      expect(features.values.every(Number.isFinite)).toBe(true);
      expect(Math.max(...features.values)).toBeGreaterThan(0);
      backbone.dispose();
    } finally {
      await engine.dispose();
    }
  });

  it('names the tensor and the file when the cut is not in the model', async () => {
    const file = path.join(CORAL_MODELS, 'mobilenet_v2_1.0_224_inat_insect_quant.tflite');
    await expect(registerTfliteBackbone({ id: 'bad-cut', model: file, cut: 'no/such/tensor', input: { ...CORAL_INPUT, mean: [128, 128, 128], std: [128, 128, 128] }, home, engine: createEngine() }))
      .rejects.toThrow(/no\/such\/tensor/);
  });

  it('zoo add --format tflite registers from the command line', async () => {
    ensureBuilt();
    const r = await runHeadstart(
      ['zoo', 'add', '--id', 'tf2-v2', '--model', path.join(CORAL_MODELS, 'tf2_mobilenet_v2_1.0_224_ptq.tflite'), '--format', 'tflite', '--cut', 'penultimate',
        '--mean', '128,128,128', '--std', '128,128,128', '--json'],
      { home },
    );
    expect(r.code, r.stderr).toBe(0);
    const installed = parseJsonStdout<{ card: { id: string; embeddingSize: number; format: string } }>(r);
    expect(installed.card).toMatchObject({ id: 'tf2-v2', embeddingSize: 1280, format: 'onnx' });
  });
});
