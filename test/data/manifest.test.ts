import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HeadstartError } from '../../src/core/index.js';
import { readManifest } from '../../src/data/index.js';
import { makeTempDir, solidImage, writeFixture } from './fixtures.js';

let dir: string;
beforeEach(async () => {
  dir = await makeTempDir();
  const jpg = await solidImage('jpeg', { r: 200, g: 10, b: 10 });
  await writeFixture(path.join(dir, 'images', 'a 1.jpg'), jpg);
  await writeFixture(path.join(dir, 'images', 'b,2.jpg'), jpg);
  await writeFixture(path.join(dir, 'images', 'c.png'), await solidImage('png', { r: 1, g: 2, b: 3 }));
  await writeFixture(path.join(dir, 'other', 'd.jpg'), jpg);
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

describe('readManifest (csv)', () => {
  it('reads path and label columns, with quotes, extra columns, CRLF and paths relative to the manifest', async () => {
    const file = await writeFixture(
      path.join(dir, 'lists', 'train.csv'),
      [
        'id,label,path',
        '1,cat,../images/a 1.jpg',
        '2,"dog","../images/b,2.jpg"',
        '',
        `3,dog,${path.join(dir, 'images', 'c.png')}`,
        '4, cat , ../other/d.jpg ',
      ].join('\r\n'),
    );
    const ds = await readManifest(file);
    expect(ds.source).toBe(path.resolve(file));
    expect(ds.classes).toEqual(['cat', 'dog']);
    expect(ds.items).toEqual([
      { path: path.join(dir, 'images', 'a 1.jpg'), label: 'cat' },
      { path: path.join(dir, 'images', 'b,2.jpg'), label: 'dog' },
      { path: path.join(dir, 'images', 'c.png'), label: 'dog' },
      { path: path.join(dir, 'other', 'd.jpg'), label: 'cat' },
    ]);
    expect(ds.skipped).toEqual([]);
  });

  it("skips missing files with reason 'missing'", async () => {
    const file = await writeFixture(
      path.join(dir, 'm.csv'),
      'path,label\nimages/a 1.jpg,cat\nimages/gone.jpg,cat\nimages/c.png,dog\n',
    );
    const ds = await readManifest(file);
    expect(ds.items.map((i) => path.basename(i.path))).toEqual(['a 1.jpg', 'c.png']);
    expect(ds.skipped).toEqual([{ file: path.join(dir, 'images', 'gone.jpg'), reason: 'missing' }]);
  });

  it("throws HS_FILE_NOT_FOUND for a missing listed file with onBadFile 'error', naming the line", async () => {
    const file = await writeFixture(path.join(dir, 'm.csv'), 'path,label\nimages/a 1.jpg,cat\nimages/gone.jpg,dog\n');
    await expectCode(readManifest(file, { onBadFile: 'error' }), 'HS_FILE_NOT_FOUND', `${file} line 3`, 'gone.jpg');
  });

  it('names the file and line number of a malformed line', async () => {
    const file = await writeFixture(
      path.join(dir, 'bad.csv'),
      'path,label\nimages/a 1.jpg,cat\nimages/c.png,dog\nimages/b,2.jpg,dog\n',
    );
    await expectCode(readManifest(file), 'HS_DATASET_INVALID', `${file} line 4`, 'expected 2 fields');
    const quote = await writeFixture(path.join(dir, 'quote.csv'), 'path,label\n"images/a 1.jpg,cat\n');
    await expectCode(readManifest(quote), 'HS_DATASET_INVALID', `${quote} line 2`, 'unterminated');
    const empty = await writeFixture(path.join(dir, 'empty-label.csv'), 'path,label\nimages/a 1.jpg,\n');
    await expectCode(readManifest(empty), 'HS_DATASET_INVALID', `${empty} line 2`, 'label');
  });

  it('requires a header with path and label columns', async () => {
    const file = await writeFixture(path.join(dir, 'nohead.csv'), 'images/a 1.jpg,cat\nimages/c.png,dog\n');
    await expectCode(readManifest(file), 'HS_DATASET_INVALID', `${file} line 1`, "'path,label'");
  });

  it('throws HS_DATASET_EMPTY for a manifest without rows', async () => {
    const file = await writeFixture(path.join(dir, 'empty.csv'), 'path,label\n\n');
    await expectCode(readManifest(file), 'HS_DATASET_EMPTY', file);
  });

  it('throws HS_DATASET_INVALID for a single label, or a class whose files are all missing', async () => {
    const one = await writeFixture(path.join(dir, 'one.csv'), 'path,label\nimages/a 1.jpg,cat\n');
    await expectCode(readManifest(one), 'HS_DATASET_INVALID', 'only one class');
    expect((await readManifest(one, { allowSingleClass: true })).classes).toEqual(['cat']);
    const gone = await writeFixture(path.join(dir, 'gone.csv'), 'path,label\nimages/a 1.jpg,cat\nimages/x.jpg,dog\n');
    await expectCode(readManifest(gone), 'HS_DATASET_INVALID', `class 'dog' in ${gone} has no images`);
  });
});

describe('readManifest (jsonl)', () => {
  it('reads one object per line, relative to the manifest folder', async () => {
    const file = await writeFixture(
      path.join(dir, 'images', 'list.jsonl'),
      '{"path": "a 1.jpg", "label": "cat"}\n\n{"path": "c.png", "label": "dog", "note": 1}\n',
    );
    const ds = await readManifest(file);
    expect(ds.classes).toEqual(['cat', 'dog']);
    expect(ds.items).toEqual([
      { path: path.join(dir, 'images', 'a 1.jpg'), label: 'cat' },
      { path: path.join(dir, 'images', 'c.png'), label: 'dog' },
    ]);
  });

  it('names the line of invalid JSON or a record without a label', async () => {
    const broken = await writeFixture(
      path.join(dir, 'broken.jsonl'),
      '{"path": "images/a 1.jpg", "label": "cat"}\n{"path": "images/c.png", "label": "dog"}\n{"path": \n',
    );
    await expectCode(readManifest(broken), 'HS_DATASET_INVALID', `${broken} line 3`, 'not valid JSON');
    const nolabel = await writeFixture(path.join(dir, 'nolabel.jsonl'), '{"path": "images/a 1.jpg", "label": "cat"}\n{"path": "images/c.png"}\n');
    await expectCode(readManifest(nolabel), 'HS_DATASET_INVALID', `${nolabel} line 2`, '"label"');
    const array = await writeFixture(path.join(dir, 'array.jsonl'), '["images/a 1.jpg", "cat"]\n');
    await expectCode(readManifest(array), 'HS_DATASET_INVALID', `${array} line 1`);
  });
});

describe('readManifest (errors)', () => {
  it('throws HS_FILE_NOT_FOUND for a missing manifest', async () => {
    const file = path.join(dir, 'nope.csv');
    await expectCode(readManifest(file), 'HS_FILE_NOT_FOUND', file);
  });

  it('rejects other extensions and unknown options', async () => {
    const file = await writeFixture(path.join(dir, 'list.txt'), 'path,label\n');
    await expectCode(readManifest(file), 'HS_INVALID_OPTION', "'.csv', '.jsonl'", file);
    const csv = await writeFixture(path.join(dir, 'ok.csv'), 'path,label\nimages/a 1.jpg,cat\nimages/c.png,dog\n');
    await expectCode(readManifest(csv, { skipMissing: true } as never), 'HS_INVALID_OPTION', 'skipMissing');
  });

  it("skips a listed non-image file, or throws HS_IMAGE_UNREADABLE with onBadFile 'error'", async () => {
    await writeFixture(path.join(dir, 'images', 'notes.txt'), 'text');
    const file = await writeFixture(path.join(dir, 'm.csv'), 'path,label\nimages/a 1.jpg,cat\nimages/c.png,dog\nimages/notes.txt,dog\n');
    const ds = await readManifest(file);
    expect(ds.skipped).toHaveLength(1);
    expect(ds.skipped[0]?.reason).toContain("unsupported extension '.txt'");
    await expectCode(readManifest(file, { onBadFile: 'error' }), 'HS_IMAGE_UNREADABLE', `${file} line 4`);
  });
});
