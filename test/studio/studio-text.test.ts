import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadTextDataset, readModelManifest } from '../../src/index.js';
import { parseJsonStdout, runHeadstart } from '../cli/run-headstart.js';
import { SENTIMENT } from '../paths.js';
import { openStudioPage, screenshot, useStudioSession, waitForCount } from './studio-browser.js';

/** Sentences per class pasted into the page. */
const PER_CLASS = 50;
const TYPED = 'The battery died after two days and support never answered.';

describe('headstart studio in chromium: a text project', () => {
  const session = useStudioSession('reviews');

  it('pastes sentences into two classes, trains, opens a confusion cell, classifies typed text like predict', async () => {
    const { studio, home } = session();
    const lines = (await fs.readFile(path.join(SENTIMENT, 'amazon_cells_labelled.txt'), 'utf8')).split('\n').map((l) => l.trim().split('\t'));
    const of = (label: string) => lines.filter((l) => l[1] === label).slice(0, PER_CLASS).map((l) => l[0]).join('\n');

    const page = await openStudioPage(session());
    await page.fill('#project-name', 'Reviews');
    await page.check('input[name="modality"][value="text"]');
    await page.click('#create-project');
    await page.waitForSelector('#workspace:not([hidden])');
    expect(await page.locator('#webcam').isHidden()).toBe(true);

    for (const [label, source] of [['negative', '0'], ['positive', '1']] as const) {
      await page.fill('#new-class', label);
      await page.click('#add-class');
      await page.locator(`.class[data-label="${label}"] textarea.paste`).fill(of(source));
      await page.locator(`.class[data-label="${label}"] button[type="submit"]`, { hasText: 'Add lines' }).click();
      await waitForCount(page, `.class[data-label="${label}"] .texts li`, PER_CLASS);
    }
    const dataset = await loadTextDataset(path.join(studio.projectDir, 'classes'));
    expect(dataset.classes).toEqual(['negative', 'positive']);
    expect(dataset.items).toHaveLength(2 * PER_CLASS);

    await page.click('#train-start');
    await page.waitForSelector('#inspect:not([hidden])', { timeout: 120_000 });
    const manifest = await readModelManifest(path.join(studio.projectDir, 'model'));
    const metrics = manifest.metrics.test;
    if (!metrics) throw new Error('no test metrics');
    expect(manifest.modality).toBe('text');
    expect(metrics.accuracy).toBeGreaterThanOrEqual(0.6);
    expect(await page.locator('#per-class tbody tr').count()).toBe(2);
    expect(await page.locator('#model-warnings').textContent()).toBe('');

    // An error cell if there is one, else the first diagonal cell: its sentences, each with probabilities.
    const wrong = metrics.confusion[0]?.[1] ? [0, 1] : metrics.confusion[1]?.[0] ? [1, 0] : [0, 0];
    const count = metrics.confusion[wrong[0] as number]?.[wrong[1] as number] ?? 0;
    await page.locator(`#confusion g[data-true="${wrong[0]}"][data-pred="${wrong[1]}"]`).click();
    await page.waitForSelector('#cell-examples h3');
    expect(await page.locator('#cell-examples figure.example').count()).toBe(count);
    if (count > 0) expect((await page.locator('#cell-examples figure.example blockquote').first().textContent())?.length).toBeGreaterThan(3);

    await page.fill('#test-text', TYPED);
    await page.click('#test-text-button');
    await page.waitForSelector('#prediction[data-top-label]');
    const cli = await runHeadstart(['predict', '--model', path.join(studio.projectDir, 'model'), TYPED, '--json'], { home });
    expect(cli.code).toBe(0);
    expect(await page.locator('#prediction').getAttribute('data-top-label')).toBe(parseJsonStdout<{ predictions: { label: string }[] }>(cli).predictions[0]?.label);
    expect(await page.locator('#export').isHidden()).toBe(true);
    await screenshot(page, '6-text-project');

    // Delete one example from the page: gone from disk, one fewer in the class.
    const firstName = (await fs.readdir(path.join(studio.projectDir, 'classes', 'positive'))).sort()[0] as string;
    await page.locator('.class[data-label="positive"] .texts li button.delete').first().click();
    await waitForCount(page, '.class[data-label="positive"] .texts li', PER_CLASS - 1);
    expect(existsSync(path.join(studio.projectDir, 'classes', 'positive', firstName))).toBe(false);
  });
});
