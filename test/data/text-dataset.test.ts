import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HeadstartError } from '../../src/core/index.js';
import { detectDatasetKind, loadTextDataset, parseCsv, tokenizeWords } from '../../src/data/index.js';
import type { TextDataset } from '../../src/data/index.js';
import { SENTIMENT } from '../paths.js';
import { makeTempDir } from './fixtures.js';

let dir: string;
beforeAll(async () => {
  dir = await makeTempDir('headstart-text-');
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

async function write(name: string, content: string | Uint8Array): Promise<string> {
  const file = path.join(dir, name);
  await fs.mkdir(path.dirname(file), { recursive: true });
  await fs.writeFile(file, content);
  return file;
}

async function rejection(p: Promise<unknown>): Promise<HeadstartError> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(HeadstartError);
  return err as HeadstartError;
}

const rows = (ds: TextDataset) => ds.items.map((i) => [i.text, i.label, i.line]);

describe('the UCI sentiment files (sentence<TAB>label per line)', () => {
  for (const name of ['imdb', 'amazon_cells', 'yelp']) {
    it(`reads ${name}_labelled.txt as 1000 rows, 500 per label, as SOURCE.md says`, async () => {
      const ds = await loadTextDataset(path.join(SENTIMENT, `${name}_labelled.txt`));
      expect(ds.format).toBe('labelled-lines');
      expect(ds.items).toHaveLength(1000);
      expect(ds.classes).toEqual(['0', '1']);
      expect(ds.items.filter((i) => i.label === '0')).toHaveLength(500);
      expect(ds.badRows).toEqual([]);
      expect(ds.warnings).toEqual([]);
      expect(Object.values(ds.encodings)).toEqual(['utf-8']);
      // One row per line, numbered 1..1000.
      expect(ds.items.map((i) => i.line)).toEqual(Array.from({ length: 1000 }, (_, k) => k + 1));
      expect(ds.items.every((i) => i.text === i.text.trim() && i.text !== '')).toBe(true);
    });
  }

  it('keeps U+0085 inside an imdb sentence (lines split on \\n only) and trims the two trailing spaces', async () => {
    const ds = await loadTextDataset(path.join(SENTIMENT, 'imdb_labelled.txt'));
    const raw = (await fs.readFile(path.join(SENTIMENT, 'imdb_labelled.txt'), 'utf8')).split('\n');
    const withNel = ds.items.filter((i) => i.text.includes('\u0085'));
    expect(withNel.length).toBeGreaterThan(0);
    for (const item of withNel) expect(raw[item.line - 1]).toBe(`${item.text}  \t${item.label}`);
    expect(ds.items[0]?.text).toBe('A very, very, very slow-moving, aimless movie about a distressed, drifting young man.');
  });

  it('would lose rows if read as quote-aware CSV (the trap SOURCE.md describes)', async () => {
    const text = await fs.readFile(path.join(SENTIMENT, 'imdb_labelled.txt'), 'utf8');
    const records = [...parseCsv(text)];
    const merged = records.filter((r) => 'fields' in r && r.fields.join(',').includes('\n'));
    expect(merged.length + records.filter((r) => 'error' in r).length).toBeGreaterThan(0);
  });
});

describe('csv', () => {
  it('reads quoted fields with commas, newlines and doubled quotes, reporting bad rows by line', async () => {
    const file = await write(
      'reviews.csv',
      [
        'id,text,label',
        '1,"Great, really great",pos',
        '2,"Two',
        'lines ""quoted""",neg',
        '',
        '3,A "stray" quote inside,pos',
        '4,too,many,fields,neg',
        '5,"unterminated,neg',
        '6,fine again,neg',
        '7,,pos',
        '8,"closed" then text,neg',
      ].join('\r\n'),
    );
    const ds = await loadTextDataset(file);
    expect(ds.format).toBe('csv');
    expect(rows(ds)).toEqual([
      ['Great, really great', 'pos', 2],
      ['Two\r\nlines "quoted"', 'neg', 3],
      ['A "stray" quote inside', 'pos', 6],
      ['fine again', 'neg', 9],
    ]);
    expect(ds.badRows.map((b) => [b.line, b.reason.split(' ').slice(0, 3).join(' ')])).toEqual([
      [7, 'expected 3 fields'],
      [8, 'a quoted field'],
      [10, 'the text is'],
      [11, 'text after the'],
    ]);
    expect(ds.classes).toEqual(['neg', 'pos']);
  });

  it('reports a quote never closed before the end of the file, and still reads the lines after it', async () => {
    const ds = await loadTextDataset(await write('open.csv', 'text,label\nok,a\n"never closed,b\nlast,b\n'));
    expect(rows(ds)).toEqual([['ok', 'a', 2], ['last', 'b', 4]]);
    expect(ds.badRows.map((b) => [b.line, b.reason])).toEqual([[3, 'a quoted field is never closed (unbalanced double quote)']]);
  });

  it('takes the columns named by textColumn and labelColumn, and names the option when one is missing', async () => {
    const file = await write('named.csv', 'review,stars\nnice,5\nbad,1\n');
    const ds = await loadTextDataset(file, { textColumn: 'review', labelColumn: 'stars' });
    expect(rows(ds)).toEqual([['nice', '5', 2], ['bad', '1', 3]]);
    const err = await rejection(loadTextDataset(file));
    expect(err.code).toBe('HS_DATASET_INVALID');
    expect(err.message).toContain(file);
    expect(err.message).toContain("no 'text' column");
    expect(err.message).toContain('textColumn');
  });

  it("throws on the first bad row with onBadRow 'error', naming file and line", async () => {
    const file = await write('strict.csv', 'text,label\nok,a\nalso ok,b\nbroken\n');
    const err = await rejection(loadTextDataset(file, { onBadRow: 'error' }));
    expect(err.code).toBe('HS_DATASET_INVALID');
    expect(err.message).toContain(`${file} line 4`);
  });
});

describe('tsv, jsonl, labelled lines and class folders', () => {
  it('tsv: no quoting, so quotes stay and cannot merge lines', async () => {
    const file = await write('a.tsv', 'label\ttext\npos\t"Best" film "ever\nneg\tawful\n\nneg\tno\textra\n');
    const ds = await loadTextDataset(file);
    expect(rows(ds)).toEqual([['"Best" film "ever', 'pos', 2], ['awful', 'neg', 3]]);
    expect(ds.badRows).toEqual([{ file: path.resolve(file), line: 5, reason: 'expected 2 fields (label, text), found 3' }]);
  });

  it('jsonl: numbers and booleans as labels; bad JSON and missing keys reported by line', async () => {
    const file = await write(
      'a.jsonl',
      ['{"text": "good", "label": 1}', '{"text": "bad", "label": 0}', '{not json}', '', '{"label": 1}', '[1, 2]', '{"text": "meh", "label": null}', '{"text": " fine ", "label": true}'].join('\n'),
    );
    const ds = await loadTextDataset(file);
    expect(rows(ds)).toEqual([['good', '1', 1], ['bad', '0', 2], ['fine', 'true', 8]]);
    expect(ds.badRows.map((b) => b.line)).toEqual([3, 5, 6, 7]);
    expect(ds.badRows[1]?.reason).toBe('"text" is missing');
  });

  it('labelled lines: split on the last TAB; lines without one are bad rows', async () => {
    const file = await write('lines.txt', 'tab\tinside text\t1\r\nno tab here\n\n   \nempty label\t \nplain\t0\n');
    const ds = await loadTextDataset(file);
    expect(rows(ds)).toEqual([['tab\tinside text', '1', 1], ['plain', '0', 6]]);
    expect(ds.badRows.map((b) => [b.line, b.reason])).toEqual([[2, 'no TAB between the text and the label'], [5, 'the label is empty']]);
  });

  it('class folders: one .txt file per item; other and empty files reported', async () => {
    await write('folder/pos/a.txt', 'Loved it.\n');
    await write('folder/pos/b.txt', 'Superb.');
    await write('folder/neg/c.txt', 'Hated it.');
    await write('folder/neg/empty.txt', '  \n');
    await write('folder/neg/notes.md', '# not a sample');
    const ds = await loadTextDataset(path.join(dir, 'folder'));
    expect(ds.format).toBe('folder');
    expect(ds.classes).toEqual(['neg', 'pos']);
    expect(ds.items.map((i) => [path.basename(i.file), i.text, i.label])).toEqual([
      ['c.txt', 'Hated it.', 'neg'],
      ['a.txt', 'Loved it.', 'pos'],
      ['b.txt', 'Superb.', 'pos'],
    ]);
    expect(ds.badRows.map((b) => [path.basename(b.file), b.line, b.reason])).toEqual([
      ['empty.txt', undefined, 'the file is empty'],
      ['notes.md', undefined, 'not a .txt file'],
    ]);
  });
});

describe('encodings', () => {
  const lines = 'text\tlabel\ncafé crème\tfr\nnaïve “quotes”\ten\n';
  const expected = [['café crème', 'fr', 2], ['naïve “quotes”', 'en', 3]];

  function utf16be(s: string): Buffer {
    const le = Buffer.from(s, 'utf16le');
    for (let i = 0; i < le.length; i += 2) [le[i], le[i + 1]] = [le[i + 1] as number, le[i] as number];
    return le;
  }

  it('reads UTF-8 with and without BOM, and UTF-16LE/BE with BOM, without warnings', async () => {
    const variants: [string, Buffer, string][] = [
      ['utf8.tsv', Buffer.from(lines, 'utf8'), 'utf-8'],
      ['utf8-bom.tsv', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(lines, 'utf8')]), 'utf-8'],
      ['utf16le.tsv', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(lines, 'utf16le')]), 'utf-16le'],
      ['utf16be.tsv', Buffer.concat([Buffer.from([0xfe, 0xff]), utf16be(lines)]), 'utf-16be'],
    ];
    for (const [name, bytes, encoding] of variants) {
      const ds = await loadTextDataset(await write(name, bytes));
      expect(rows(ds), name).toEqual(expected);
      expect(Object.values(ds.encodings), name).toEqual([encoding]);
      expect(ds.warnings, name).toEqual([]);
    }
  });

  it('reads bytes that are not UTF-8 as Windows-1252, with a warning naming the file', async () => {
    // "café" in Latin-1, and 0x96 (an en dash in Windows-1252, as in the imdb file's origin).
    const bytes = Buffer.from([...Buffer.from('text,label\ncaf'), 0xe9, ...Buffer.from(' '), 0x96, ...Buffer.from(' ok,fr\nplain,en\n')]);
    const file = await write('latin1.csv', bytes);
    const ds = await loadTextDataset(file);
    expect(rows(ds)).toEqual([['café – ok', 'fr', 2], ['plain', 'en', 3]]);
    expect(ds.encodings[path.resolve(file)]).toBe('windows-1252');
    expect(ds.warnings).toHaveLength(1);
    expect(ds.warnings[0]).toContain(file);
  });

  it('reads BOM-less UTF-16LE, with a warning that it was a guess', async () => {
    const ds = await loadTextDataset(await write('nobom16.tsv', Buffer.from(lines, 'utf16le')));
    expect(rows(ds)).toEqual(expected);
    expect(ds.warnings[0]).toContain('UTF-16LE');
  });
});

describe('errors', () => {
  it('names what is wrong and where', async () => {
    const missing = await rejection(loadTextDataset(path.join(dir, 'nope.csv')));
    expect(missing.code).toBe('HS_FILE_NOT_FOUND');
    expect(missing.message).toContain('nope.csv');

    const single = await rejection(loadTextDataset(await write('single.csv', 'text,label\na,x\nb,x\n')));
    expect(single.code).toBe('HS_DATASET_INVALID');
    expect(single.message).toContain('only one class');
    const allowed = await loadTextDataset(path.join(dir, 'single.csv'), { allowSingleClass: true });
    expect(allowed.classes).toEqual(['x']);

    const empty = await rejection(loadTextDataset(await write('empty.jsonl', '\n{"text": ""}\n')));
    expect(empty.code).toBe('HS_DATASET_EMPTY');

    const ext = await rejection(loadTextDataset(await write('data.xml', '<a/>')));
    expect(ext.code).toBe('HS_INVALID_OPTION');
    expect(ext.message).toContain('.xml');

    const unknown = await rejection(loadTextDataset(path.join(dir, 'single.csv'), { textColum: 'x' } as never));
    expect(unknown.code).toBe('HS_INVALID_OPTION');
    expect(unknown.message).toContain('textColum');
  });
});

describe('detectDatasetKind', () => {
  it('tells text from image and audio data by layout and header', async () => {
    expect(await detectDatasetKind(path.join(SENTIMENT, 'yelp_labelled.txt'))).toBe('text');
    expect(await detectDatasetKind(await write('k/text.csv', 'text,label\nhi,a\n'))).toBe('text');
    expect(await detectDatasetKind(await write('k/review.jsonl', '{"review": "hi", "label": "a"}\n'), { textColumn: 'review' })).toBe('text');
    expect(await detectDatasetKind(await write('k/images.csv', 'path,label\ncats/1.jpg,cat\n'))).toBe('image');
    expect(await detectDatasetKind(await write('k/images.jsonl', '{"path": "a.png", "label": "x"}\n'))).toBe('image');
    expect(await detectDatasetKind(await write('k/audio.csv', 'path,label\nclips/1.wav,one\n'))).toBe('audio');
    expect(await detectDatasetKind(path.join(dir, 'folder'))).toBe('text');
    await write('imgs/cat/1.jpg', 'x');
    await write('imgs/cat/2.png', 'x');
    await write('imgs/dog/readme.txt', 'x');
    expect(await detectDatasetKind(path.join(dir, 'imgs'))).toBe('image');
    const none = await rejection(detectDatasetKind(await write('k/data.bin', 'x')));
    expect(none.code).toBe('HS_DATASET_INVALID');
    expect((await rejection(detectDatasetKind(path.join(dir, 'missing')))).code).toBe('HS_FILE_NOT_FOUND');
  });
});

describe('tokenizeWords', () => {
  it('lower-cases, splits punctuation and English clitics as GloVe did', () => {
    expect(tokenizeWords("Don't waste your time!! It’s the WORST… 10/10")).toEqual([
      'do', "n't", 'waste', 'your', 'time', '!', '!', 'it', "'s", 'the', 'worst', '.', '.', '.', '10', '/', '10',
    ]);
    expect(tokenizeWords("  O'Neil's café-crème ")).toEqual(['o', "'", 'neil', "'s", 'café', '-', 'crème']);
  });
});
