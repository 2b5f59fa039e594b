import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkDigitPrerequisites, checkSpeechPrerequisites, OUTPUT_MARKER_FILE } from '../../src/index.js';
import { ensureBuilt, runHeadstart } from '../cli/run-headstart.js';
import { makeTempDir } from '../data/fixtures.js';
import { FSDD_RECORDINGS } from '../paths.js';
import { expectCliError, expectHeadstartError } from './files.js';

let root: string;
beforeAll(async () => {
  root = await makeTempDir('headstart-prereq-');
});
afterAll(() => fs.rm(root, { recursive: true, force: true }));

describe('prerequisite checks', () => {
  it('a missing espeak-ng is reported with the Debian package to install', async () => {
    await expectHeadstartError(checkSpeechPrerequisites({ espeak: path.join(root, 'no-espeak-ng') }), 'HS_MISSING_TOOL', 'no-espeak-ng', 'apt-get install espeak-ng');
  });

  it('missing fonts are reported with the Debian packages to install', async () => {
    await expectHeadstartError(checkDigitPrerequisites(['No Such Font Family']), 'HS_MISSING_TOOL', 'No Such Font Family', 'fonts-dejavu-core');
  });
});

describe('demo speakers fails at the start, not after training', () => {
  /** The binary with PATH pointing at an empty folder: no espeak-ng (node itself is run by its full path). */
  const runWithoutPrograms = (args: string[]) => runHeadstart(args, { home: path.join(root, 'home'), env: { PATH: path.join(root, 'empty-path') } });

  beforeAll(async () => {
    ensureBuilt();
    await fs.mkdir(path.join(root, 'empty-path'));
  });

  it('without espeak-ng: exit 1 naming the package and --no-synthetic, before any source model is trained', async () => {
    const work = path.join(root, 'speakers');
    const r = await runWithoutPrograms(['demo', 'speakers', '--data', FSDD_RECORDINGS, '--out', work, '--speakers', 'jackson']);
    expectCliError(r, 1, 'HS_MISSING_TOOL', 'espeak-ng', '--no-synthetic');
    expect(await fs.readdir(work)).toEqual([OUTPUT_MARKER_FILE]);
  });

  it('without the recordings: exit 1 naming the folder', async () => {
    const missing = path.join(root, 'no-fsdd');
    expectCliError(await runWithoutPrograms(['demo', 'speakers', '--data', missing, '--out', path.join(root, 'speakers2')]), 1, 'HS_FILE_NOT_FOUND', missing);
  });
});
