import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { TextPredictResult, TrainResult } from '../../src/index.js';
import { SENTIMENT } from '../paths.js';
import { ensureBuilt, makeTempDir, parseJsonStdout, removeDir, runHeadstart } from './run-headstart.js';

// A text model through the binary: `train --data reviews.jsonl` with no other choice, then predict on sentences.
// HEADSTART_HOME is the shared test home, so the word vectors are converted once per test run.
let work: string;
let data: string;
const run = (...args: string[]) => runHeadstart(args, { home: inject('sharedHome') });

beforeAll(async () => {
  ensureBuilt();
  work = await makeTempDir();
  // The first 150 lines of each class of the amazon sentences, as JSONL.
  const lines = (await fs.readFile(path.join(SENTIMENT, 'amazon_cells_labelled.txt'), 'utf8')).split(/\r?\n/).filter((l) => l.includes('\t'));
  const rows = lines.map((l) => ({ text: l.slice(0, l.lastIndexOf('\t')), label: l.slice(l.lastIndexOf('\t') + 1).trim() === '1' ? 'positive' : 'negative' }));
  const picked = ['positive', 'negative'].flatMap((c) => rows.filter((r) => r.label === c).slice(0, 150));
  data = path.join(work, 'reviews.jsonl');
  await fs.writeFile(data, picked.map((r) => JSON.stringify(r)).join('\n') + '\n');
});
afterAll(() => removeDir(work));

describe('a text model through the binary', () => {
  const model = () => path.join(work, 'm');

  it('train --data reviews.jsonl --out m just works', async () => {
    const r = await run('train', '--data', data, '--out', model(), '--json');
    expect(r.code, r.stderr).toBe(0);
    const trained = parseJsonStdout<TrainResult>(r);
    expect(trained.manifest.modality).toBe('text');
    expect(trained.manifest.backbone.id).toBe('glove-wink-100d');
    expect(trained.manifest.labels).toEqual(['negative', 'positive']);
    expect(trained.metrics.test?.n).toBe(46);
    expect(trained.metrics.test?.accuracy).toBeGreaterThan(0.6);

    const human = await run('train', '--data', data, '--out', path.join(work, 'm2'), '--pooling', 'sif');
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toContain('Trained a logistic head on glove-wink-100d (sif pooling).');
    expect(human.stdout).toContain('Sentences: 208 train, 46 val, 46 test');
    expect(human.stdout).toContain('headstart predict --model');
  });

  it('predict takes sentences as arguments and from --file', async () => {
    const r = await run('predict', '--model', model(), 'great phone', 'It broke after a week, a total waste of money.', '--json');
    expect(r.code, r.stderr).toBe(0);
    const result = parseJsonStdout<TextPredictResult>(r);
    expect(result.predictions.map((p) => [p.text, p.label])).toEqual([
      ['great phone', 'positive'],
      ['It broke after a week, a total waste of money.', 'negative'],
    ]);
    for (const p of result.predictions) expect(p.top.reduce((s, t) => s + t.probability, 0)).toBeCloseTo(1, 4);

    const file = path.join(work, 'sentences.txt');
    await fs.writeFile(file, 'I love it.\n\nWorst purchase ever.\n');
    const fromFile = await run('predict', '--model', model(), '--file', file);
    expect(fromFile.code, fromFile.stderr).toBe(0);
    const lines = fromFile.stdout.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^"I love it\."\s+positive \(\d+\.\d%\)/);
    expect(lines[1]).toMatch(/^"Worst purchase ever\."\s+negative/);
  });

  it('refuses export and image-only flags for a text model, with exit status 2', async () => {
    const exported = await run('export', '--model', model(), '--out', path.join(work, 'm.onnx'));
    expect(exported.code).toBe(2);
    expect(exported.stderr).toContain('is a text model');
    const cut = await run('train', '--data', data, '--out', path.join(work, 'm3'), '--cut', 'conv_pw_13');
    expect(cut.code).toBe(2);
    expect(cut.stderr).toContain('cut applies to image backbones');
  });
});
