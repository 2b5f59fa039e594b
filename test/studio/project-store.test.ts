import { existsSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HeadstartError, loadImageDataset } from '../../src/index.js';
import { ProjectStore } from '../../src/studio/index.js';
import { checkFileName, checkLabel, safeFileName } from '../../src/studio/safe-names.js';
import { FLOWERS_MINI } from '../paths.js';

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (err) {
    return err instanceof HeadstartError ? err.code : 'not a HeadstartError';
  }
  return undefined;
}

describe('studio names', () => {
  it('refuses class names that could leave classes/ or carry markup, and keeps ordinary ones', () => {
    for (const bad of ['', '  ', '..', '../x', 'a/b', 'a\\b', '.hidden', '<script>alert(1)</script>', 'a:b', 'tab\there', 'x'.repeat(65)]) {
      expect(codeOf(() => checkLabel(bad)), bad).toBe('HS_INVALID_OPTION');
    }
    expect(checkLabel('  sun flowers ')).toBe('sun flowers');
    expect(checkLabel('Café-2_b')).toBe('Café-2_b');
  });

  it('keeps only the last segment of an upload name and no leading dots', () => {
    expect(safeFileName('../../etc/passwd', 'x.jpg')).toBe('passwd');
    expect(safeFileName('C:\\photos\\rose.JPG', 'x.jpg')).toBe('rose.JPG');
    expect(safeFileName('..', 'x.jpg')).toBe('x.jpg');
    expect(safeFileName('a<b>.png', 'x.jpg')).toBe('a_b_.png');
    expect(safeFileName(`${'n'.repeat(200)}.jpeg`, 'x.jpg')).toMatch(/^n{95}\.jpeg$/);
    for (const bad of ['../a.jpg', '..', '.env', 'a/b.jpg', '']) expect(codeOf(() => checkFileName(bad)), bad).toBe('HS_INVALID_OPTION');
  });
});

describe('ProjectStore', () => {
  let dir = '';
  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'headstart-project-'));
  });
  afterEach(() => fs.rm(dir, { recursive: true, force: true }));

  it('stores decodable images only, under names that stay inside the class folder, and reopens as it was', async () => {
    const project = await ProjectStore.create(path.join(dir, 'p'), { name: 'Flowers', modality: 'image' });
    await project.addClass('daisy');
    const photo = await fs.readFile(path.join(FLOWERS_MINI, 'daisy', (await fs.readdir(path.join(FLOWERS_MINI, 'daisy'))).find((n) => n.endsWith('.jpg')) as string));
    expect(await project.addImage('daisy', '../../outside.jpg', photo)).toBe('outside.jpg');
    expect(await project.addImage('daisy', 'outside.jpg', photo)).toBe('outside-2.jpg');
    await expect(project.addImage('daisy', 'notes.jpg', Buffer.from('plain text'))).rejects.toMatchObject({ code: 'HS_IMAGE_UNREADABLE', message: expect.stringContaining('notes.jpg') });
    await expect(project.addImage('daisy', 'photo.bmp', photo)).rejects.toMatchObject({ code: 'HS_IMAGE_UNREADABLE' });
    await expect(project.addImage('roses', 'a.jpg', photo)).rejects.toMatchObject({ code: 'HS_UNKNOWN_LABEL' });
    expect(existsSync(path.join(dir, 'outside.jpg'))).toBe(false);

    await project.renameClass('daisy', 'daisies');
    await expect(project.deleteClass('daisies')).rejects.toMatchObject({ code: 'HS_INVALID_OPTION' });
    await project.deleteExample('daisies', 'outside-2.jpg');
    const reopened = await ProjectStore.open(path.join(dir, 'p'));
    expect(reopened?.info).toMatchObject({ name: 'Flowers', modality: 'image' });
    expect(await reopened?.listClasses()).toEqual([{ label: 'daisies', examples: ['outside.jpg'] }]);
    expect((await loadImageDataset(path.join(dir, 'p', 'classes'), { onBadFile: 'error', allowSingleClass: true })).items).toHaveLength(1);
    await expect(ProjectStore.create(path.join(dir, 'p'), { name: 'again', modality: 'image' })).rejects.toMatchObject({ code: 'HS_INVALID_OPTION' });
  });

  it('stores each pasted line once as a .txt file', async () => {
    const project = await ProjectStore.create(path.join(dir, 't'), { name: 'Reviews', modality: 'text' });
    await project.addClass('positive');
    expect((await project.addTexts('positive', 'Great phone.\n\n  Works well  \r\nGreat phone.')).added).toHaveLength(2);
    const [summary] = await project.listClasses();
    expect(summary?.texts?.map((t) => t.text).sort()).toEqual(['Great phone.', 'Works well']);
    await expect(project.addTexts('positive', '\n \n')).rejects.toMatchObject({ code: 'HS_DATASET_EMPTY' });
  });
});
