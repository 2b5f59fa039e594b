import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { decodeImageFile, exportModel, INPUT_SIZE_LIMITS, readInputFile, readWav, train } from '../../src/index.js';
import type { InputSpec, PredictResult } from '../../src/index.js';
import { ensureBuilt, parseJsonStdout, runHeadstart } from '../cli/run-headstart.js';
import { makeTempDir, solidImage, writeFixture } from '../data/fixtures.js';
import { FLOWERS_MINI, SENTIMENT } from '../paths.js';
import { expectCliError, expectHeadstartError } from './files.js';

let root: string;
let fifo: string;
/** A sparse file just over the image limit: it takes no disk space, and reading it would take 256 MiB of memory. */
let huge: string;

beforeAll(async () => {
  root = await makeTempDir('headstart-reads-');
  fifo = path.join(root, 'pipe.jpg');
  expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
  huge = path.join(root, 'huge.png');
  await fs.writeFile(huge, '');
  await fs.truncate(huge, INPUT_SIZE_LIMITS.image + 1);
});
afterAll(() => fs.rm(root, { recursive: true, force: true }));

describe('readInputFile', () => {
  it('reads a regular file exactly', async () => {
    const png = await solidImage('png', { r: 1, g: 2, b: 3 });
    const file = await writeFixture(path.join(root, 'ok.png'), png);
    expect(Buffer.compare(await readInputFile(file, 'image'), png)).toBe(0);
  });

  it('refuses a FIFO at once instead of waiting for a writer, and devices and folders', async () => {
    await expectHeadstartError(readInputFile(fifo, 'image'), 'HS_INPUT_NOT_A_FILE', fifo, 'named pipe');
    await expectHeadstartError(readInputFile('/dev/zero', 'image'), 'HS_INPUT_NOT_A_FILE', '/dev/zero', 'a device');
    await expectHeadstartError(readInputFile(root, 'text'), 'HS_INPUT_NOT_A_FILE', root, 'a folder');
    await expectHeadstartError(readInputFile(path.join(root, 'missing.png'), 'image'), 'HS_FILE_NOT_FOUND', 'missing.png');
  });

  it('refuses a file over its size limit before reading it, naming the limit', async () => {
    await expectHeadstartError(readInputFile(huge, 'image'), 'HS_INPUT_TOO_LARGE', huge, '256 MiB limit for an image');
  });

  it('is what the image and WAV readers use', async () => {
    const spec: InputSpec = { height: 8, width: 8, channelOrder: 'rgb', resize: 'stretch', mean: [0, 0, 0], std: [1, 1, 1] };
    await expectHeadstartError(decodeImageFile(fifo, spec), 'HS_INPUT_NOT_A_FILE', fifo);
    await expectHeadstartError(decodeImageFile(huge, spec), 'HS_INPUT_TOO_LARGE', huge);
    await expectHeadstartError(readWav('/dev/zero'), 'HS_INPUT_NOT_A_FILE', '/dev/zero');
  });
});

describe('inputs and outputs of trained models (predict through the binary, export)', () => {
  // The shared test home: the backbone and the word vectors are converted once per test run.
  const home = inject('sharedHome');
  const run = (...args: string[]) => runHeadstart(args, { home });
  let imageModel: string;
  let textModel: string;
  let good: string;

  beforeAll(async () => {
    ensureBuilt();
    imageModel = path.join(root, 'image-model');
    await train({ data: FLOWERS_MINI, out: imageModel, home, backbone: 'mobilenet-v1-imagenet', perClass: { train: 3, val: 1, test: 0 } });
    good = path.join(FLOWERS_MINI, 'daisy', (await fs.readdir(path.join(FLOWERS_MINI, 'daisy'))).find((f) => f.endsWith('.jpg')) as string);
    textModel = path.join(root, 'text-model');
    const lines = (await fs.readFile(path.join(SENTIMENT, 'yelp_labelled.txt'), 'utf8')).split(/\r?\n/).filter((l) => l.includes('\t'));
    const data = await writeFixture(path.join(root, 'yelp.txt'), `${[...lines.slice(0, 40), ...lines.slice(-40)].join('\n')}\n`);
    await train({ data, out: textModel, home, split: { val: 0.2, test: 0 } });
  }, 240_000);

  it('skips /dev/zero and a FIFO among image inputs with their reason, at once', async () => {
    const r = await run('predict', '--model', imageModel, good, '/dev/zero', fifo, '--json');
    expect(r.code, r.stderr).toBe(0);
    const result = parseJsonStdout<PredictResult>(r);
    expect(result.predictions.map((p) => p.file)).toEqual([good]);
    expect(result.skipped.map((s) => s.file).sort()).toEqual(['/dev/zero', fifo].sort());
    for (const s of result.skipped) expect(s.reason).toContain('not a regular file');
  });

  it('with --strict, an input that is not a regular file stops the run with exit 1', async () => {
    expectCliError(await run('predict', '--model', imageModel, '--strict', good, '/dev/zero'), 1, 'HS_INPUT_NOT_A_FILE', '/dev/zero');
  });

  it('export replaces its own earlier .onnx file, and a foreign file only with force', async () => {
    const onnx = path.join(root, 'model.onnx');
    await exportModel({ model: imageModel, out: onnx, home });
    const first = await fs.stat(onnx);
    await exportModel({ model: imageModel, out: onnx, home });
    expect((await fs.stat(onnx)).ino).not.toBe(first.ino);
    const foreign = await writeFixture(path.join(root, 'weights.onnx'), 'someone else\'s model');
    await expectHeadstartError(exportModel({ model: imageModel, out: foreign, home }), 'HS_OUTPUT_EXISTS', foreign, '--force');
    expect(await fs.readFile(foreign, 'utf8')).toBe("someone else's model");
    await exportModel({ model: imageModel, out: foreign, home, force: true });
    expect((await fs.readFile(foreign)).subarray(0, 64).includes(Buffer.from('headstart'))).toBe(true);
  });

  it('predict --file /dev/zero or a FIFO on a text model is refused, not read without end', async () => {
    expectCliError(await run('predict', '--model', textModel, '--file', '/dev/zero'), 1, 'HS_INPUT_NOT_A_FILE', '/dev/zero');
    expectCliError(await run('predict', '--model', textModel, '--file', fifo), 1, 'HS_INPUT_NOT_A_FILE', fifo);
    expectCliError(await run('predict', '--model', textModel, '--file', path.join(root, 'none.txt')), 2, 'HS_INVALID_OPTION', 'none.txt');
  });
});
