import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HeadstartError } from '../../src/core/index.js';
import { listImageFolder } from '../../src/data/index.js';
import { makeTempDir, solidImage, writeFixture } from './fixtures.js';

let dir: string;
beforeEach(async () => {
  dir = await makeTempDir();
});
afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

async function expectCode(promise: Promise<unknown>, code: string, ...inMessage: string[]): Promise<HeadstartError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(HeadstartError);
  expect((err as HeadstartError).code).toBe(code);
  for (const text of inMessage) expect((err as HeadstartError).message).toContain(text);
  return err as HeadstartError;
}

async function makeTwoClassFolder(): Promise<void> {
  const jpg = await solidImage('jpeg', { r: 200, g: 10, b: 10 });
  const png = await solidImage('png', { r: 10, g: 200, b: 10 });
  await writeFixture(path.join(dir, 'dogs', 'b.png'), png);
  await writeFixture(path.join(dir, 'dogs', 'a.webp'), await solidImage('webp', { r: 1, g: 2, b: 3 }));
  await writeFixture(path.join(dir, 'dogs', 'puppies', 'c.jpg'), jpg);
  await writeFixture(path.join(dir, 'cats', '2.jpg'), jpg);
  await writeFixture(path.join(dir, 'cats', '1.JPEG'), jpg);
  await writeFixture(path.join(dir, 'cats', '3.gif'), await solidImage('gif', { r: 1, g: 2, b: 3 }));
  await writeFixture(path.join(dir, 'cats', 'notes.txt'), 'not an image');
  await writeFixture(path.join(dir, 'cats', '.DS_Store'), 'hidden');
  await writeFixture(path.join(dir, '.cache', 'x.jpg'), jpg);
  await writeFixture(path.join(dir, 'ATTRIBUTION.txt'), 'credits');
  await writeFixture(path.join(dir, 'LICENSE'), 'licence');
}

describe('listImageFolder', () => {
  it('lists one class per sub-folder, sorted, with images sorted by name', async () => {
    await makeTwoClassFolder();
    const ds = await listImageFolder(dir);
    expect(ds.source).toBe(path.resolve(dir));
    expect(ds.classes).toEqual(['cats', 'dogs']);
    expect(ds.items).toEqual([
      { path: path.join(dir, 'cats', '1.JPEG'), label: 'cats' },
      { path: path.join(dir, 'cats', '2.jpg'), label: 'cats' },
      { path: path.join(dir, 'cats', '3.gif'), label: 'cats' },
      { path: path.join(dir, 'dogs', 'a.webp'), label: 'dogs' },
      { path: path.join(dir, 'dogs', 'b.png'), label: 'dogs' },
    ]);
  });

  it('records non-image files and nested folders as skipped, and ignores hidden and top-level files', async () => {
    await makeTwoClassFolder();
    const ds = await listImageFolder(dir);
    expect(ds.skipped.map((s) => s.file)).toEqual([path.join(dir, 'cats', 'notes.txt'), path.join(dir, 'dogs', 'puppies')]);
    expect(ds.skipped[0]?.reason).toContain("unsupported extension '.txt'");
    expect(ds.skipped[1]?.reason).toContain('folder inside a class folder');
  });

  it("throws HS_IMAGE_UNREADABLE for a non-image file with onBadFile 'error'", async () => {
    await makeTwoClassFolder();
    await expectCode(listImageFolder(dir, { onBadFile: 'error' }), 'HS_IMAGE_UNREADABLE', path.join(dir, 'cats', 'notes.txt'));
  });

  it('throws HS_FILE_NOT_FOUND for a missing folder', async () => {
    const missing = path.join(dir, 'nope');
    await expectCode(listImageFolder(missing), 'HS_FILE_NOT_FOUND', missing);
  });

  it('throws HS_DATASET_EMPTY when there are no class folders, and says so when images lie at the top', async () => {
    await writeFixture(path.join(dir, 'README.md'), 'hi');
    await expectCode(listImageFolder(dir), 'HS_DATASET_EMPTY', dir, 'one sub-folder per class');
    await writeFixture(path.join(dir, 'a.jpg'), await solidImage('jpeg', { r: 1, g: 2, b: 3 }));
    await expectCode(listImageFolder(dir), 'HS_DATASET_EMPTY', '1 image(s) directly');
  });

  it('throws HS_DATASET_INVALID for a class folder without images', async () => {
    await makeTwoClassFolder();
    await writeFixture(path.join(dir, 'birds', 'readme.txt'), 'no images here');
    await expectCode(listImageFolder(dir), 'HS_DATASET_INVALID', `class 'birds' in ${dir} has no images`);
  });

  it('throws HS_DATASET_INVALID for a single class unless allowSingleClass is set', async () => {
    await writeFixture(path.join(dir, 'cats', '1.jpg'), await solidImage('jpeg', { r: 1, g: 2, b: 3 }));
    await expectCode(listImageFolder(dir), 'HS_DATASET_INVALID', dir, "only one class ('cats')", 'allowSingleClass');
    const ds = await listImageFolder(dir, { allowSingleClass: true });
    expect(ds.classes).toEqual(['cats']);
    expect(ds.items).toHaveLength(1);
  });

  it('throws HS_DATASET_INVALID when given a file', async () => {
    const file = await writeFixture(path.join(dir, 'a.jpg'), 'x');
    await expectCode(listImageFolder(file), 'HS_DATASET_INVALID', file);
  });

  it('rejects unknown options and bad choices by name', async () => {
    await makeTwoClassFolder();
    await expectCode(listImageFolder(dir, { allowSingleclass: true } as never), 'HS_INVALID_OPTION', 'allowSingleclass');
    await expectCode(listImageFolder(dir, { onBadFile: 'ignore' } as never), 'HS_INVALID_OPTION', "'skip', 'error'", 'ignore');
  });
});
