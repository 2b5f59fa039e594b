import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EvaluateModelResult, ModelCard, PredictResult, registerBackbone, TrainResult } from '../../src/index.js';
import { ensureBuilt, FLOWERS, makeTempDir, parseJsonStdout, removeDir, runHeadstart } from './run-headstart.js';

// train -> eval -> predict on the bundled flowers through the binary, under a fresh HEADSTART_HOME: the first run
// converts mobilenet-v2 from the nsfwjs package (a few seconds) and extracts 80 images on tfjs-wasm.
let home: string;
let modelDir: string;
const CLASSES = readdirSync(FLOWERS, { withFileTypes: true })
  .filter((e) => e.isDirectory())
  .map((e) => e.name)
  .sort();
const photo = (cls: string) => {
  const dir = path.join(FLOWERS, cls);
  return path.join(dir, readdirSync(dir).filter((f) => f.endsWith('.jpg')).sort()[0] as string);
};

beforeAll(async () => {
  ensureBuilt();
  home = await makeTempDir();
  modelDir = path.join(home, 'm');
});
afterAll(() => removeDir(home));

const run = (...args: string[]) => runHeadstart(args, { home });

describe('train, eval and predict through the binary', () => {
  let trained: TrainResult;

  it('train --json prints one JSON result and draws progress on stderr', async () => {
    // The TF.js Layers backbone; the default (a graph model) is covered through the API in test/workflows.
    const r = await run('train', '--data', FLOWERS, '--out', modelDir, '--backbone', 'mobilenet-v2', '--head', 'linear', '--per-class-train', '10', '--per-class-test', '6', '--json');
    expect(r.code, r.stderr).toBe(0);
    trained = parseJsonStdout<TrainResult>(r);
    expect(trained.modelDir).toBe(modelDir);
    expect(trained.metrics.test?.accuracy).toBeGreaterThan(0.5);
    expect(trained.manifest.labels).toEqual(CLASSES);
    expect(trained.extraction.extracted + trained.extraction.cached).toBe(CLASSES.length * 16);
    expect(r.stderr).toContain('converting mobilenet-v2');
    expect(r.stderr).toMatch(/^features 80\/80 {2}100%/m);
    expect(r.stderr).toMatch(/^epoch 1\/100 {2}loss \d/m);
    expect(r.stderr).not.toContain('error');
    expect(existsSync(path.join(modelDir, 'report.html'))).toBe(true);
  });

  it('eval --json scores the model and writes report.html', async () => {
    const r = await run('eval', '--model', modelDir, '--data', FLOWERS, '--json');
    expect(r.code, r.stderr).toBe(0);
    const result = parseJsonStdout<EvaluateModelResult>(r);
    expect(result.metrics.n).toBe(CLASSES.length * 36);
    expect(result.metrics.accuracy).toBeGreaterThan(0.5);
    expect(result.reportPath).toBe(path.join(modelDir, 'eval-report', 'report.html'));
    expect(existsSync(result.reportPath)).toBe(true);
    // The 80 training and test images come from the feature cache this time.
    expect(r.stderr).toMatch(/from cache/);
  });

  it('predict --json returns one prediction per image, among the trained classes', async () => {
    const files = [photo('daisy'), photo('roses')];
    const r = await run('predict', '--model', modelDir, '--json', ...files);
    expect(r.code, r.stderr).toBe(0);
    const result = parseJsonStdout<PredictResult>(r);
    expect(result.predictions.map((p) => p.file)).toEqual(files);
    for (const p of result.predictions) {
      expect(CLASSES).toContain(p.label);
      expect(p.top).toHaveLength(3);
      expect(p.top[0]?.label).toBe(p.label);
    }
    expect(result.skipped).toEqual([]);
  });

  it('predict prints one line per file, and lists a file it cannot read as skipped', async () => {
    const missing = path.join(home, 'missing.jpg');
    const r = await run('predict', '--model', modelDir, '--quiet', '--top-k', '2', photo('tulips'), missing);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^\S+tulips\S+\.jpg {2,}[a-z]+ \(\d+\.\d%\) {2,}\[[a-z]+ \(\d+\.\d%\)\]$/);
    expect(lines[1]).toContain(`${missing}  skipped: `);
  });

  it('train prints the metrics summary, warnings and paths without --json', async () => {
    const out = path.join(home, 'm-human');
    const r = await run('train', '--data', FLOWERS, '--out', out, '--backbone', 'mobilenet-v2', '--per-class-train', '10', '--per-class-test', '6', '--head', 'prototype', '--quiet');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('Trained a prototype head on mobilenet-v2');
    expect(r.stdout).toMatch(/Test split \(30 images\)\nAccuracy \d+\.\d% \(\d+\/30; 95% CI \d+\.\d-\d+\.\d%\)/);
    expect(r.stdout).toContain('Confusion matrix');
    expect(r.stdout).toContain(`Model   ${out}`);
    expect(r.stdout).toContain(`Report  ${path.join(out, 'report.html')}`);
  });

  it('zoo add registers a TF.js model, which zoo list and zoo show then know', async () => {
    const modelJson = path.join(home, 'zoo', 'mobilenet-v2', 'model.json');
    const r = await run(
      'zoo', 'add', '--id', 'my-mobilenet', '--model', modelJson, '--format', 'tfjs-layers', '--cut', 'block_12_add',
      '--mean', '0,0,0', '--std', '255,255,255', '--licence', 'MIT', '--json',
    );
    expect(r.code, r.stderr).toBe(0);
    const installed = parseJsonStdout<Awaited<ReturnType<typeof registerBackbone>>>(r);
    expect(installed.card).toMatchObject({ id: 'my-mobilenet', origin: 'user', defaultCut: 'block_12_add', licence: 'MIT' });
    expect(installed.card.input).toMatchObject({ height: 224, width: 224, mean: [0, 0, 0], std: [255, 255, 255] });

    const list = parseJsonStdout<ModelCard[]>(await run('zoo', 'list', '--json'));
    expect(list.map((c) => c.id)).toContain('my-mobilenet');
    const show = await run('zoo', 'show', 'my-mobilenet');
    expect(show.stdout).toMatch(/^origin +user/m);
  });
});
