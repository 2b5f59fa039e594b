import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createRng, shuffleInPlace } from '../../src/core/index.js';
import { writeManifest } from '../../src/data/index.js';
import {
  HeadstartError, evaluateModel, listImageFolder, loadModel, loadTextDataset, predict, readModelManifest, train, updateModel,
} from '../../src/index.js';
import type { LabeledItem, TextItem, UpdateModelResult } from '../../src/index.js';
import { FLOWERS_MINI, SENTIMENT } from '../paths.js';

// Class-incremental flowers-mini through the API: a model trained on three classes (24 images each) learns two new
// classes and more daisies with slda; 12 images per class are held out for testing. The features come through the
// shared test home's cache, so only the first test file to touch these images pays for extracting them.
let work: string;
let home: string;
let model: string;
let testFile: string;
let update: UpdateModelResult;
const FIRST = ['daisy', 'dandelion', 'roses'];

async function rejection(p: Promise<unknown>): Promise<HeadstartError> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(HeadstartError);
  return err as HeadstartError;
}

/** Relative path and sha256 of every file under `dir`, sorted: two equal listings are two identical directories. */
async function treeDigest(dir: string): Promise<string[]> {
  const entries = await fs.readdir(dir, { recursive: true, withFileTypes: true });
  const files = entries.filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
  const digests = await Promise.all(files.map(async (f) => `${path.relative(dir, f)} ${createHash('sha256').update(await fs.readFile(f)).digest('hex')}`));
  return digests.sort();
}

beforeAll(async () => {
  work = await fs.mkdtemp(path.join(os.tmpdir(), 'headstart-update-'));
  home = inject('sharedHome');
  const listed = await listImageFolder(FLOWERS_MINI);
  const byClass = new Map<string, LabeledItem[]>();
  for (const item of listed.items) byClass.set(item.label, [...(byClass.get(item.label) ?? []), item]);
  const part = (classes: string[], from: number, to: number) => classes.flatMap((c) => shuffleInPlace([...(byClass.get(c) ?? [])], createRng(3)).slice(from, to));
  const base = await writeManifest(path.join(work, 'base.jsonl'), part(FIRST, 0, 18));
  await writeManifest(path.join(work, 'new.jsonl'), [...part(['sunflowers', 'tulips'], 0, 24), ...part(['daisy'], 18, 24)]);
  testFile = await writeManifest(path.join(work, 'test.jsonl'), part([...byClass.keys()], 24, 36));
  model = path.join(work, 'model');
  await train({ data: base, out: model, backbone: 'mobilenet-v1-imagenet', perClass: { train: 18 }, home, report: false });
  await fs.cp(model, path.join(work, 'trained-copy'), { recursive: true });
  update = await updateModel({ model, data: path.join(work, 'new.jsonl'), strategy: 'slda', test: testFile, home });
}, 240_000);
afterAll(async () => {
  await fs.rm(work, { recursive: true, force: true });
});

describe('updateModel on class-incremental flowers-mini', () => {
  it('adds the new classes and examples as version 2, and scores well on all five classes', async () => {
    expect(update).toMatchObject({ action: 'update', version: 2, previousVersion: 1, strategy: 'slda', newClasses: ['sunflowers', 'tulips'] });
    expect(update.classes).toEqual([...FIRST, 'sunflowers', 'tulips']);
    expect(update.examples).toEqual({ sunflowers: 24, tulips: 24, daisy: 6 });
    expect(update.warnings.join(' ')).toMatch(/started from every example of .*base\.jsonl \(54\)/);
    expect(update.metrics?.n).toBe(60);
    expect(update.metrics?.accuracy).toBeGreaterThanOrEqual(0.8);
    const manifest = await readModelManifest(model);
    expect(manifest.labels).toEqual(update.classes);
    expect(manifest.versions?.map((v) => [v.version, v.change, v.strategy])).toEqual([[1, 'train', undefined], [2, 'update', 'slda']]);
    expect(manifest.continual).toMatchObject({ strategy: 'slda', memory: { storesExamples: false } });
    // The previous version's files are kept whole inside the directory.
    expect((await readModelManifest(path.join(model, 'versions', '1'))).labels).toEqual(FIRST);
    const card = await fs.readFile(path.join(model, 'card.md'), 'utf8');
    expect(card).toContain('## Continual learning');
    expect(card).toContain('No raw data and no feature vector of any single example is kept');
  });

  it('keeps predict and eval working: the slda head is a linear head, and eval reproduces the update metrics', async () => {
    const loaded = await loadModel(model, { home });
    expect(loaded.head.kind).toBe('linear');
    loaded.dispose();
    const evaluated = await evaluateModel({ model, data: testFile, home, reportDir: path.join(work, 'eval') });
    expect(evaluated.metrics.accuracy).toBeCloseTo(update.metrics?.accuracy ?? -1, 10);
    const sunflower = (await listImageFolder(path.join(FLOWERS_MINI))).items.filter((i) => i.label === 'sunflowers').slice(-4).map((i) => i.path);
    const predicted = await predict({ model, files: sunflower, home });
    expect(predicted.predictions.filter((p) => p.label === 'sunflowers').length).toBeGreaterThanOrEqual(3);
  });

  it('refuses a later update with another strategy, and options that differ from the first update', async () => {
    const other = await rejection(updateModel({ model, data: path.join(work, 'new.jsonl'), strategy: 'ncm', home }));
    expect(other.code).toBe('HS_INVALID_OPTION');
    expect(other.message).toMatch(/learns with strategy 'slda'.*cannot continue as 'ncm'/);
    const shrink = await rejection(updateModel({ model, data: path.join(work, 'new.jsonl'), shrinkage: 0.5, home }));
    expect(shrink.message).toMatch(/options of its first update \(shrinkage auto\); received shrinkage 0\.5/);
  });

  it('rejects labels that clash with the model\'s, data of the other modality, and a state built on other features', async () => {
    const clash = path.join(work, 'clash.jsonl');
    const daisy = (await listImageFolder(path.join(FLOWERS_MINI))).items.filter((i) => i.label === 'daisy').slice(0, 2);
    await writeManifest(clash, daisy.map((i) => ({ ...i, label: 'Daisy ' })));
    const labels = await rejection(updateModel({ model, data: clash, home }));
    expect(labels.code).toBe('HS_UNKNOWN_LABEL');
    expect(labels.message).toContain("'Daisy ' (the model has 'daisy')");
    expect(labels.message).toContain(clash);

    const text = path.join(work, 'text.jsonl');
    await fs.writeFile(text, '{"text":"a fine flower","label":"daisy"}\n{"text":"a yellow one","label":"dandelion"}\n');
    const modality = await rejection(updateModel({ model, data: text, home }));
    expect(modality.code).toBe('HS_DATASET_INVALID');
    expect(modality.message).toMatch(/text data; .* is an image model/);

    const copy = path.join(work, 'tampered');
    await fs.cp(model, copy, { recursive: true });
    const statePath = path.join(copy, 'continual', 'state.json');
    const state = JSON.parse(await fs.readFile(statePath, 'utf8')) as { meta: { featureSpec: Record<string, unknown> } };
    state.meta.featureSpec.cut = 'conv_pw_11_relu';
    await fs.writeFile(statePath, JSON.stringify(state));
    const spec = await rejection(updateModel({ model: copy, data: path.join(work, 'new.jsonl'), home }));
    expect(spec.code).toBe('HS_MODEL_INVALID');
    expect(spec.message).toContain(path.join(copy, 'continual'));
    expect(spec.message).toMatch(/cut: state conv_pw_11_relu, model /);
  });

  it('an update aborted while it writes the new version leaves the model directory exactly as it was', async () => {
    const before = await treeDigest(model);
    const controller = new AbortController();
    const aborted = await rejection(
      updateModel({
        model,
        data: path.join(work, 'new.jsonl'),
        home,
        signal: controller.signal,
        onProgress: (e) => {
          if (e.stage === 'done' && e.message.startsWith('Writing version')) controller.abort();
        },
      }),
    );
    expect(aborted.code).toBe('HS_ABORTED');
    expect(await treeDigest(model)).toEqual(before);
    expect((await fs.readdir(work)).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });

  it('rollback restores version 1 file for file, and refuses to go back further', async () => {
    const rolled = await updateModel({ model, rollback: true, home });
    expect(rolled).toMatchObject({ action: 'rollback', version: 1, previousVersion: 2, classes: FIRST });
    // Version 1 as train wrote it: the same files, byte for byte (versions/ is gone with the version it held).
    expect(await treeDigest(model)).toEqual(await treeDigest(path.join(work, 'trained-copy')));
    const again = await rejection(updateModel({ model, rollback: true, home }));
    expect(again.code).toBe('HS_MODEL_NOT_FOUND');
    expect(again.message).toContain('no earlier version');
  });
});

describe('updateModel on a text model', () => {
  it('learns yelp sentences on a model trained on amazon ones (ncm), and the new version scores on yelp', async () => {
    const load = async (file: string) => {
      const ds = await loadTextDataset(path.join(SENTIMENT, file));
      return ds.classes.map((c) => shuffleInPlace(ds.items.filter((i) => i.label === c), createRng(5)));
    };
    const jsonl = async (name: string, items: TextItem[]) => {
      const file = path.join(work, name);
      await fs.writeFile(file, items.map((i) => JSON.stringify({ text: i.text, label: i.label })).join('\n') + '\n');
      return file;
    };
    const amazon = await load('amazon_cells_labelled.txt');
    const yelp = await load('yelp_labelled.txt');
    const base = await jsonl('amazon.jsonl', amazon.flatMap((items) => items.slice(0, 100)));
    const yelpNew = await jsonl('yelp-new.jsonl', yelp.flatMap((items) => items.slice(0, 100)));
    const yelpTest = await jsonl('yelp-test.jsonl', yelp.flatMap((items) => items.slice(100, 300)));
    const textModel = path.join(work, 'text-model');
    await train({ data: base, out: textModel, perClass: { train: 100 }, home, report: false, head: 'prototype' });
    const before = await evaluateModel({ model: textModel, data: yelpTest, home, reportDir: path.join(work, 'text-eval') });
    const result = await updateModel({ model: textModel, data: yelpNew, strategy: 'ncm', test: yelpTest, home });
    expect(result).toMatchObject({ version: 2, strategy: 'ncm', newClasses: [], examples: { '0': 100, '1': 100 } });
    const manifest = await readModelManifest(textModel);
    expect(manifest.modality).toBe('text');
    expect(manifest.head.kind).toBe('prototype');
    expect(result.metrics?.accuracy).toBeGreaterThanOrEqual(0.65);
    // Adding yelp examples does not make the model worse on yelp than the amazon-only version.
    expect(result.metrics?.accuracy).toBeGreaterThanOrEqual(before.metrics.accuracy - 0.02);
  });
});
