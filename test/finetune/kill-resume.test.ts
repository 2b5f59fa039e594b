import { spawn } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PredictResult, TrainResult } from '../../src/index.js';
import { BIN, ensureBuilt, FLOWERS, makeTempDir, parseJsonStdout, removeDir, runHeadstart } from '../cli/run-headstart.js';

// A fine-tuning run killed outright (SIGKILL: no handler runs, nothing is flushed) in the middle of its unfrozen
// epochs, then `train --resume` with the same flags: it continues from the last checkpoint written atomically and
// ends with an ordinary model directory that predicts. Augmentation makes each epoch run the trunk again, so an epoch
// lasts seconds and the kill lands inside one.
describe('a fine-tuning run killed with SIGKILL', () => {
  let home: string;
  let out: string;
  beforeAll(async () => {
    ensureBuilt();
    home = await makeTempDir('headstart-kill-');
    out = path.join(home, 'model');
  });
  afterAll(() => removeDir(home));

  const args = () => [
    'train', '--data', FLOWERS, '--out', out, '--backbone', 'mobilenet-v2-imagenet', '--strategy', 'finetune', '--unfreeze', '1',
    '--augment', '--fine-tune-epochs', '8', '--per-class-train', '16', '--per-class-val', '6', '--per-class-test', '6', '--seed', '5', '--json',
  ];
  const checkpointFile = () => path.join(out, 'checkpoint', 'checkpoint.json');

  it('resumes from the last checkpoint to a valid model directory', async () => {
    const child = spawn(process.execPath, [BIN, ...args()], { env: { ...process.env, HEADSTART_HOME: home }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
    // Kill once the first unfrozen epoch's checkpoint is written: the second epoch is then under way.
    let completed = 0;
    const deadline = Date.now() + 45_000;
    while (completed < 1 && Date.now() < deadline && child.exitCode === null) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      if (existsSync(checkpointFile())) {
        completed = ((JSON.parse(await fs.readFile(checkpointFile(), 'utf8').catch(() => '{"history":[]}')) as { history: unknown[] }).history ?? []).length;
      }
    }
    child.kill('SIGKILL');
    const { signal } = await exited;
    expect(signal, stderr).toBe('SIGKILL');
    expect(completed).toBe(1);
    // Killed mid-run: no model directory yet, only the checkpoint.
    expect(existsSync(path.join(out, 'headstart.json'))).toBe(false);

    const resumed = await runHeadstart([...args(), '--resume'], { home });
    expect(resumed.code, resumed.stderr).toBe(0);
    const result = parseJsonStdout<TrainResult>(resumed);
    const ft = result.manifest.fineTune;
    expect(ft?.boundary).toBe('MobilenetV2/expanded_conv_16/project/add_fold');
    // The head phase and unfrozen epoch 1 came from the checkpoint: the curves still hold every epoch from the start.
    const headEpochs = ft?.phases[0]?.lastEpoch ?? 0;
    expect(headEpochs).toBeGreaterThan(0);
    expect(result.manifest.training.history.length).toBeGreaterThanOrEqual(headEpochs + 2);
    expect(await fs.readdir(out)).toEqual(expect.arrayContaining(['headstart.json', 'head', 'card.md', 'report.html']));
    expect(existsSync(path.join(out, 'head', 'top', 'model.json'))).toBe(true);
    expect(existsSync(path.join(out, 'checkpoint'))).toBe(false);

    const roses = path.join(FLOWERS, 'roses');
    const file = path.join(roses, (await fs.readdir(roses)).filter((f) => f.endsWith('.jpg')).sort()[0] as string);
    const predicted = await runHeadstart(['predict', '--model', out, file, '--json'], { home });
    expect(predicted.code, predicted.stderr).toBe(0);
    const { predictions } = parseJsonStdout<PredictResult>(predicted);
    expect(predictions).toHaveLength(1);
    expect(predictions[0]?.top.reduce((s, t) => s + t.probability, 0)).toBeGreaterThan(0.5);
  });
});
