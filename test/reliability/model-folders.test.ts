import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { FeatureCache } from '../../src/index.js';
import { FLOWERS, makeTempDir, removeDir } from '../cli/run-headstart.js';
import { copyModel, expectCleanFailure, firstImage, runCliInProcess } from './helpers.js';

// A model trained once on a few flowers; each case breaks a copy of it the way a damaged or hostile folder would,
// and predicts through the CLI (in process, as the binary runs it): the answer must be one error line with a code and
// the file, never a trace.
let work: string;
let modelDir: string;
let photo: string;
const home = () => inject('sharedHome');
const run = (...args: string[]) => runCliInProcess(args, { HEADSTART_HOME: home() });

beforeAll(async () => {
  work = await makeTempDir('headstart-model-folders-');
  modelDir = path.join(work, 'model');
  photo = await firstImage(path.join(FLOWERS, 'daisy'));
  const r = await run('train', '--data', FLOWERS, '--out', modelDir, '--per-class-train', '6', '--per-class-test', '2', '--epochs', '5', '--quiet');
  expect(r.code, r.stderr).toBe(0);
});
afterAll(() => removeDir(work));

const broken = (name: string, edit?: (m: Record<string, unknown>) => void) => copyModel(modelDir, path.join(work, name), edit);

describe('a damaged model folder is one error line naming the file', () => {
  it('the untouched model predicts (the cases below fail because of their damage only)', async () => {
    const r = await run('predict', '--model', modelDir, photo);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('daisy');
  });

  it('a truncated head/weights.bin', async () => {
    const dir = await broken('truncated');
    await fs.truncate(path.join(dir, 'head', 'weights.bin'), 100);
    const r = await run('predict', '--model', dir, photo);
    expectCleanFailure(r, { code: 'HS_MODEL_INVALID', mentions: path.join(dir, 'head', 'weights.bin') });
    expect(r.stderr).toContain('truncated');
  });

  it('head/model.json that is not JSON, or JSON of the wrong shape', async () => {
    const dir = await broken('bad-json');
    await fs.writeFile(path.join(dir, 'head', 'model.json'), '{"format": "layers-model", ');
    expectCleanFailure(await run('predict', '--model', dir, photo), { code: 'HS_MODEL_INVALID', mentions: path.join(dir, 'head', 'model.json') });

    const shape = await broken('bad-shape');
    await fs.writeFile(path.join(shape, 'head', 'model.json'), JSON.stringify({ format: 'layers-model', modelTopology: {}, weightsManifest: [{ paths: ['../../elsewhere.bin'], weights: [] }] }));
    const r = await run('predict', '--model', shape, photo);
    expectCleanFailure(r, { code: 'HS_MODEL_INVALID', mentions: path.join(shape, 'head', 'model.json') });
    expect(r.stderr).toContain('weights.bin beside model.json');
  });

  it('a head with an unknown layer class', async () => {
    const dir = await broken('unknown-layer');
    const file = path.join(dir, 'head', 'model.json');
    await fs.writeFile(file, (await fs.readFile(file, 'utf8')).replace('"class_name":"Dense"', '"class_name":"NoSuchLayer"'));
    const r = await run('predict', '--model', dir, photo);
    expectCleanFailure(r, { code: 'HS_MODEL_INVALID', mentions: file });
    expect(r.stderr).toContain('Unknown layer: NoSuchLayer');
  });

  it('headstart.json with a huge input size, or a field of the wrong type', async () => {
    const huge = await broken('huge-input', (m) => ((m.input as Record<string, unknown>).height = 1_000_000));
    const r = await run('predict', '--model', huge, photo);
    expectCleanFailure(r, { code: 'HS_MODEL_INVALID', mentions: path.join('huge-input', 'headstart.json') });
    expect(r.stderr).toContain('input.height should be an integer from 1 to 4096, found 1000000');

    const typed = await broken('wrong-type', (m) => ((m.training as Record<string, unknown>).counts = { train: 'many', val: 0, test: 0 }));
    const t = await run('predict', '--model', typed, photo);
    expectCleanFailure(t, { code: 'HS_MODEL_INVALID', mentions: path.join('wrong-type', 'headstart.json') });
    expect(t.stderr).toContain('training.counts.train should be an integer');
  });

  it('a head with more outputs than the manifest has labels', async () => {
    const dir = await broken('fewer-labels', (m) => {
      const labels = m.labels as string[];
      const dropped = labels.pop() as string;
      delete ((m.training as Record<string, unknown>).perClass as Record<string, unknown>)[dropped];
    });
    const r = await run('predict', '--model', dir, photo);
    expectCleanFailure(r, { code: 'HS_MODEL_INVALID', mentions: path.join(dir, 'head') });
    expect(r.stderr).toMatch(/has 5 outputs, but .* lists 4 labels/);
  });
});

describe('a model folder cannot point outside itself', () => {
  it("backbone.id '../../elsewhere' is refused, even when that folder holds a backbone", async () => {
    const zooEntry = path.join(home(), 'zoo', 'mobilenet-v1-imagenet');
    await fs.cp(zooEntry, path.join(work, 'elsewhere'), { recursive: true });
    const dir = await broken('escaping-id', (m) => ((m.backbone as Record<string, unknown>).id = '../../elsewhere'));
    const r = await run('predict', '--model', dir, photo);
    expectCleanFailure(r, { code: 'HS_MODEL_INVALID', mentions: path.join('escaping-id', 'headstart.json') });
    expect(r.stderr).toContain('backbone.id should be a zoo id');
  });

  it('an included backbone that is a link to a folder outside the model is refused', async () => {
    const dir = await broken('linked-backbone', (m) => ((m.backbone as Record<string, unknown>).location = 'included'));
    await fs.symlink(path.join(home(), 'zoo', 'mobilenet-v1-imagenet'), path.join(dir, 'backbone'));
    const r = await run('predict', '--model', dir, photo);
    expectCleanFailure(r, { code: 'HS_MODEL_INVALID', mentions: dir });
    expect(r.stderr).toContain('leads outside');
  });

  it('the weight hash is computed from the files loaded: a card and manifest that agree on a forged hash are refused', async () => {
    const dir = await broken('forged-hash', (m) => {
      const b = m.backbone as Record<string, unknown>;
      b.location = 'included';
      b.weightsSha256 = 'f'.repeat(64);
    });
    const backbone = path.join(dir, 'backbone');
    await fs.cp(path.join(home(), 'zoo', 'mobilenet-v1-imagenet'), backbone, { recursive: true });
    const cardFile = path.join(backbone, 'card.json');
    const record = JSON.parse(await fs.readFile(cardFile, 'utf8')) as { card: { origin: string }; weightsSha256: string };
    record.card.origin = 'user';
    record.weightsSha256 = 'f'.repeat(64);
    await fs.writeFile(cardFile, JSON.stringify(record));
    const r = await run('predict', '--model', dir, photo);
    expectCleanFailure(r, { code: 'HS_MODEL_INVALID', mentions: backbone });
    expect(r.stderr).toContain('but its card.json records ffffffffffff');
  });
});

describe('a damaged feature cache', () => {
  it('reads as HS_CACHE_FAILED naming the file and saying it is only a cache', async () => {
    const file = path.join(work, 'cache', 'features.sqlite');
    const cache = FeatureCache.open(file);
    const hashes = Array.from({ length: 300 }, (_, i) => `hash-${i}`);
    cache.putMany('extractor', hashes.map((contentHash, i) => ({ contentHash, values: new Float32Array(256).fill(i) })));
    expect(cache.getMany('extractor', hashes).size).toBe(300);
    cache.close();
    // Overwrite every page but the first (the header) with garbage: the pages SQLite reads are corrupt.
    const size = (await fs.stat(file)).size;
    const handle = await fs.open(file, 'r+');
    await handle.write(Buffer.alloc(size - 8192, 0xab), 0, size - 8192, 4096);
    await handle.close();
    let failure: unknown;
    try {
      const damaged = FeatureCache.open(file);
      damaged.getMany('extractor', hashes);
      damaged.close();
    } catch (err) {
      failure = err;
    }
    expect(failure).toMatchObject({ code: 'HS_CACHE_FAILED' });
    expect((failure as Error).message).toContain(file);
    expect((failure as Error).message).toContain('only holds cached features: delete it');
  });
});
