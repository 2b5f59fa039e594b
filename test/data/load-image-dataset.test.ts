import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadImageDataset } from '../../src/data/index.js';
import { makeTempDir, solidImage, writeFixture } from './fixtures.js';

let dir: string;
beforeAll(async () => {
  dir = await makeTempDir();
  const jpg = await solidImage('jpeg', { r: 200, g: 10, b: 10 });
  await writeFixture(path.join(dir, 'folder', 'cat', '1.jpg'), jpg);
  await writeFixture(path.join(dir, 'folder', 'dog', '1.jpg'), jpg);
  await writeFixture(path.join(dir, 'folder', 'dog', 'x.txt'), 'text');
  await writeFixture(path.join(dir, 'list.csv'), 'path,label\nfolder/cat/1.jpg,cat\nfolder/dog/1.jpg,dog\nfolder/dog/2.jpg,dog\n');
  await writeFixture(path.join(dir, 'list.JSONL'), '{"path":"folder/cat/1.jpg","label":"cat"}\n{"path":"folder/dog/1.jpg","label":"dog"}\n');
  await writeFixture(path.join(dir, 'notes.txt'), 'hello');
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

describe('loadImageDataset', () => {
  it('lists a folder', async () => {
    const ds = await loadImageDataset(path.join(dir, 'folder'));
    expect(ds.classes).toEqual(['cat', 'dog']);
    expect(ds.items).toHaveLength(2);
    expect(ds.skipped).toHaveLength(1);
  });

  it('reads csv and jsonl manifests by extension', async () => {
    const csv = await loadImageDataset(path.join(dir, 'list.csv'));
    expect(csv.items).toHaveLength(2);
    expect(csv.skipped).toEqual([{ file: path.join(dir, 'folder', 'dog', '2.jpg'), reason: 'missing' }]);
    const jsonl = await loadImageDataset(path.join(dir, 'list.JSONL'));
    expect(jsonl.items.map((i) => i.label)).toEqual(['cat', 'dog']);
  });

  it('passes onBadFile and allowSingleClass on', async () => {
    await expect(loadImageDataset(path.join(dir, 'list.csv'), { onBadFile: 'error' })).rejects.toMatchObject({ code: 'HS_FILE_NOT_FOUND' });
    await expect(loadImageDataset(path.join(dir, 'folder'), { onBadFile: 'error' })).rejects.toMatchObject({ code: 'HS_IMAGE_UNREADABLE' });
    const single = path.join(dir, 'folder', 'cat');
    await writeFixture(path.join(dir, 'single', 'cat', '1.jpg'), await fs.readFile(path.join(single, '1.jpg')));
    await expect(loadImageDataset(path.join(dir, 'single'))).rejects.toMatchObject({ code: 'HS_DATASET_INVALID' });
    expect((await loadImageDataset(path.join(dir, 'single'), { allowSingleClass: true })).classes).toEqual(['cat']);
  });

  it('throws HS_FILE_NOT_FOUND for a missing source and HS_DATASET_INVALID for another kind of file', async () => {
    const missing = path.join(dir, 'nope');
    await expect(loadImageDataset(missing)).rejects.toMatchObject({ code: 'HS_FILE_NOT_FOUND', message: expect.stringContaining(missing) });
    const txt = path.join(dir, 'notes.txt');
    await expect(loadImageDataset(txt)).rejects.toMatchObject({ code: 'HS_DATASET_INVALID', message: expect.stringContaining(txt) });
  });

  it('rejects unknown options by name', async () => {
    await expect(loadImageDataset(path.join(dir, 'folder'), { onBadFiles: 'skip' } as never)).rejects.toMatchObject({
      code: 'HS_INVALID_OPTION',
      message: expect.stringContaining('onBadFiles'),
    });
  });
});
