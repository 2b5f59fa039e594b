import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { HeadstartError, loadModel, predict, train } from '../../src/index.js';
import type { TrainOptions } from '../../src/index.js';
import { FLOWERS_MINI } from '../paths.js';

// A fine-tuning run stopped in the middle of an unfrozen epoch keeps its best model so far and its last checkpoint;
// train({ resume: true }) continues from the last completed epoch and ends with an ordinary model directory.
describe('an interrupted fine-tuning run', () => {
  const home = inject('sharedHome');
  let work: string;
  beforeAll(async () => {
    work = await fs.mkdtemp(path.join(os.tmpdir(), 'headstart-finetune-resume-'));
  });
  afterAll(async () => {
    await fs.rm(work, { recursive: true, force: true });
  });

  it('stops mid-epoch, keeps a loadable model and a checkpoint, then resumes to a complete model directory', async () => {
    const out = path.join(work, 'model');
    const EPOCHS = 3;
    const options: TrainOptions = {
      data: FLOWERS_MINI, out, home, backbone: 'mobilenet-v2', strategy: 'finetune', unfreeze: 1, fineTuneEpochs: EPOCHS, perClass: { train: 16, val: 8 }, seed: 3,
    };
    const controller = new AbortController();
    const unfrozenEpochs: number[] = [];
    const stopped = await train({
      ...options,
      signal: controller.signal,
      onProgress: (e) => {
        if (e.stage !== 'epoch' || e.epochs !== EPOCHS) return;
        unfrozenEpochs.push(e.epoch);
        // Stop a moment into the second unfrozen epoch, between two of its batches.
        if (e.epoch === 1) setTimeout(() => controller.abort(), 150);
      },
    }).catch((e: unknown) => e);
    expect((stopped as HeadstartError).code).toBe('HS_ABORTED');
    expect((stopped as HeadstartError).message).toMatch(/resume/);
    expect(unfrozenEpochs).toEqual([1]);
    const checkpoint = JSON.parse(await fs.readFile(path.join(out, 'checkpoint', 'checkpoint.json'), 'utf8')) as { history: unknown[] };
    expect(checkpoint.history).toHaveLength(1);
    const interrupted = await loadModel(out, { home });
    expect(interrupted.manifest.training.stoppedReason).toMatch(/interrupted during unfrozen epoch 2/);
    interrupted.dispose();

    const resumedEpochs: number[] = [];
    const resumed = await train({ ...options, resume: true, onProgress: (e) => e.stage === 'epoch' && e.epochs === EPOCHS && resumedEpochs.push(e.epoch) });
    // The head phase and epoch 1 came from the checkpoint; early stopping may end the run before epoch 3.
    expect(resumedEpochs[0]).toBe(2);
    expect(resumed.manifest.fineTune?.phases.length).toBeGreaterThanOrEqual(2);
    expect(await fs.readdir(out)).toEqual(expect.arrayContaining(['headstart.json', 'head', 'card.md', 'report.html']));
    await expect(fs.stat(path.join(out, 'checkpoint'))).rejects.toThrow();
    const file = path.join(FLOWERS_MINI, 'roses', (await fs.readdir(path.join(FLOWERS_MINI, 'roses')))[0] as string);
    const { predictions } = await predict({ model: out, files: [file], home, topK: 5 });
    expect(predictions[0]?.top.reduce((s, t) => s + t.probability, 0)).toBeCloseTo(1, 4);
  });

  it('refuses to resume when the run stopped before its first checkpoint', async () => {
    const out = path.join(work, 'model-2');
    const options: TrainOptions = { data: FLOWERS_MINI, out, home, backbone: 'mobilenet-v2', strategy: 'finetune', unfreeze: 1, fineTuneEpochs: 1, perClass: { train: 8, val: 4 }, seed: 3 };
    const controller = new AbortController();
    await train({ ...options, signal: controller.signal, onProgress: (e) => e.stage === 'epoch' && e.epochs === 100 && controller.abort() }).catch(() => undefined);
    // Aborted during the head phase: nothing to resume from yet.
    const none = await train({ ...options, resume: true }).catch((e: unknown) => e);
    expect((none as HeadstartError).code).toBe('HS_FILE_NOT_FOUND');
  });
});
