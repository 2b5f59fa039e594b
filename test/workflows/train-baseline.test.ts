import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createRng } from '../../src/core/index.js';
import { evaluateModel, predict, readModelManifest, train } from '../../src/index.js';
import type { TrainResult } from '../../src/index.js';

// A text task word vectors cannot see: the label is decided by one rare made-up keyword ("zorvek") that GloVe has no
// vector for, in sentences otherwise drawn from the same common words. tf-idf sees the keyword; the mean word vector
// does not. So the no-transfer baseline must win, train must say so, and --keep decides what is saved.
const WORDS = 'the a this that phone screen battery price works good bad great poor fine day week service order item box quality sound light'.split(' ');
const KEYWORD = 'zorvek';

function sentences(count: number, seed: number): { text: string; label: string }[] {
  const rng = createRng(seed);
  return Array.from({ length: count }, (_, i) => {
    const words = Array.from({ length: 8 }, () => WORDS[Math.floor(rng() * WORDS.length)] as string);
    const flagged = i % 2 === 0;
    if (flagged) words.splice(Math.floor(rng() * words.length), 0, KEYWORD);
    return { text: words.join(' '), label: flagged ? 'flagged' : 'plain' };
  });
}

let work: string;
let home: string;
let data: string;
let kept: TrainResult;
let transferKept: TrainResult;

beforeAll(async () => {
  work = await fs.mkdtemp(path.join(os.tmpdir(), 'headstart-train-baseline-'));
  home = inject('sharedHome');
  data = path.join(work, 'messages.tsv');
  await fs.writeFile(data, ['text\tlabel', ...sentences(160, 3).map((s) => `${s.text}\t${s.label}`)].join('\n') + '\n');
  const common = { data, backbone: 'glove-wink-100d', home, seed: 1, report: false } as const;
  kept = await train({ ...common, out: path.join(work, 'best') });
  transferKept = await train({ ...common, out: path.join(work, 'transfer'), keep: 'transfer' });
});
afterAll(async () => {
  await fs.rm(work, { recursive: true, force: true });
});

describe('the no-transfer baseline inside train', () => {
  it('reports negative transfer with both validation numbers when bag-of-words wins', () => {
    const t = kept.transfer;
    expect(t).toBeDefined();
    if (!t) return;
    expect(t.negativeTransfer).toBe(true);
    expect(t.baseline.id).toBe('tf-idf');
    expect(t.baseline.validation?.accuracy).toBeGreaterThan(0.95);
    expect(t.transfer.validation?.accuracy).toBeLessThan(t.baseline.validation?.accuracy ?? 0);
    expect(t.summary).toMatch(/^transfer: -\d+\.\d points over tf-idf logistic regression on test \(\d+\.\d% vs \d+\.\d%, n=24; /);
    expect(t.summary).toContain('Negative transfer: tf-idf logistic regression scored');
    // Both test accuracies carry their Wilson interval, and McNemar's test counts the rows only one model got right.
    expect(t.baseline.test?.low).toBeLessThan(t.baseline.test?.accuracy ?? 0);
    expect(t.significance?.onlyBaseline).toBeGreaterThan(t.significance?.onlyTransfer ?? Infinity);
  });

  it('--keep best saves the baseline as a model directory that predicts and evaluates', async () => {
    expect(kept.transfer?.kept).toBe('baseline');
    const manifest = await readModelManifest(kept.modelDir);
    expect(manifest.modality).toBe('text');
    expect(manifest.backbone.id).toBe('tf-idf');
    expect(manifest.transfer?.negativeTransfer).toBe(true);
    expect(await fs.readdir(kept.modelDir)).toEqual(expect.arrayContaining(['headstart.json', 'head', 'card.md', 'tfidf.json']));
    const { predictions } = await predict({ model: kept.modelDir, texts: [`good phone ${KEYWORD} great day`, 'good phone great day'], home });
    expect(predictions.map((p) => p.label)).toEqual(['flagged', 'plain']);
    const fresh = path.join(work, 'fresh.tsv');
    await fs.writeFile(fresh, ['text\tlabel', ...sentences(60, 11).map((s) => `${s.text}\t${s.label}`)].join('\n') + '\n');
    const evaluated = await evaluateModel({ model: kept.modelDir, data: fresh, home, reportDir: path.join(work, 'eval') });
    expect(evaluated.metrics.accuracy).toBeGreaterThan(0.95);
    expect(evaluated.metrics.accuracyInterval.low).toBeGreaterThan(0.85);
  });

  it('--keep transfer saves the transfer model and still records the comparison', async () => {
    expect(transferKept.transfer?.kept).toBe('transfer');
    expect(transferKept.transfer?.negativeTransfer).toBe(true);
    const manifest = await readModelManifest(transferKept.modelDir);
    expect(manifest.backbone.id).toBe('glove-wink-100d');
    expect(manifest.modality === 'text' && manifest.tfidf).toBeFalsy();
  });

  it('rejects an unknown keep choice before any work', async () => {
    await expect(train({ data, out: path.join(work, 'x'), home, keep: 'baseline' as never })).rejects.toMatchObject({ code: 'HS_INVALID_OPTION' });
  });
});
