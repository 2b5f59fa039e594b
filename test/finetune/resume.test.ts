import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createEngine, fineTune, HeadstartError, loadModel, predict, splitAtBlocks, train } from '../../src/index.js';
import type { FineTuneOptions, FineTuneResult, LayersArtifacts, TopSpec, TrainOptions } from '../../src/index.js';
import { FLOWERS_MINI } from '../paths.js';
import { LAYERS, tinyNet, toyData } from './tiny-net.js';

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

// Bit-identical resume: a run stopped after (or in the middle of) an epoch with unfrozen blocks, continued in a fresh
// top as a new process would, gives the same losses and weights as a run never stopped. The tiny net's two blocks
// unfreeze gradually, the head has dropout, and each epoch brings other "augmented" activations, so every piece of
// state matters: Adam's moments and step counts per group, the dropout masks' position, early stopping, the schedule.
describe('a resumed fine-tuning run', () => {
  const engine = createEngine({ kind: 'tfjs' });
  let net: LayersArtifacts;
  let work: string;
  beforeAll(async () => {
    (await engine.createHead({ inputDim: 1, classes: 2, hidden: [], dropout: 0, l2: 0, seed: 0 })).dispose();
    net = await tinyNet();
    work = await fs.mkdtemp(path.join(os.tmpdir(), 'headstart-exact-resume-'));
  });
  afterAll(async () => {
    await fs.rm(work, { recursive: true, force: true });
  });

  const data = { train: toyData(24, 1), val: toyData(12, 2), augmentedTrain: (epoch: number) => Promise.resolve(toyData(24, 100 + epoch)) };
  const settings: FineTuneOptions = { schedule: 'gradual', epochs: 5, learningRate: 0.01, batchSize: 8, patience: 4, labelSmoothing: 0.1, weightDecay: 1e-3, head: { epochs: 4 }, seed: 7 };
  /** One run in a fresh top; `stopAt` aborts after that unfrozen epoch's progress event, or after that many top steps. */
  const run = async (options: FineTuneOptions, stopAt?: { epoch: number } | { steps: number }) => {
    const split = splitAtBlocks(LAYERS, ['r1', 'r2'], 'r2', 'bn1');
    const spec: TopSpec = { model: net, input: split.boundary, output: 'r2', pooling: 'avg', head: { classes: 2, hidden: [], dropout: 0.3, l2: 0, seed: 3 }, groups: split.groups, batchNorm: 'train' };
    const top = await engine.createTop(spec);
    const controller = new AbortController();
    let steps = 0;
    const counted = {
      ...top,
      trainBatch: async (...args: Parameters<typeof top.trainBatch>) => {
        const loss = await top.trainBatch(...args);
        if (stopAt && 'steps' in stopAt && ++steps === stopAt.steps) controller.abort();
        return loss;
      },
    };
    try {
      const result = await fineTune(counted, data, {
        ...settings,
        ...options,
        signal: controller.signal,
        onProgress: (e) => e.stage === 'epoch' && e.epochs === settings.epochs && stopAt && 'epoch' in stopAt && e.epoch === stopAt.epoch && controller.abort(),
      });
      return { result, weights: top.getWeights() };
    } finally {
      top.dispose();
    }
  };
  const losses = (r: FineTuneResult) => r.history.map((h) => [h.loss, h.valLoss]);

  it('gives the same epochs and weights as an uninterrupted run, stopped at an epoch boundary or mid-epoch', async () => {
    const whole = await run({});
    expect(whole.result.interrupted).toBe(false);
    expect(whole.result.phases.map((p) => p.name)).toEqual(['unfreeze 1', 'unfreeze 2']);
    expect(whole.result.history.length).toBeGreaterThanOrEqual(3);
    // Stops: after unfrozen epoch 1 (the next phase unfreezes a group whose optimiser never stepped), after epoch 2,
    // and in the middle of epoch 3 (3 steps per epoch; the run continues from epoch 2's checkpoint).
    for (const [i, stopAt] of [{ epoch: 1 }, { epoch: 2 }, { steps: 7 }].entries()) {
      const checkpointDir = path.join(work, `checkpoint-${i}`);
      const stopped = await run({ checkpointDir }, stopAt);
      expect(stopped.result.interrupted).toBe(true);
      const resumed = await run({ checkpointDir, resume: true });
      expect(resumed.result.resumedEpochs).toBe('epoch' in stopAt ? stopAt.epoch : 2);
      expect(resumed.result.headHistory).toEqual(whole.result.headHistory);
      expect(losses(resumed.result)).toEqual(losses(whole.result));
      expect(resumed.result.history).toEqual(whole.result.history);
      expect([resumed.result.bestEpoch, resumed.result.stoppedReason]).toEqual([whole.result.bestEpoch, whole.result.stoppedReason]);
      expect(resumed.weights).toEqual(whole.weights);
    }
  });
});
