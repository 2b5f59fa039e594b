import { createServer, get } from 'node:http';
import type { Server } from 'node:http';
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { loadImageDataset, readModelManifest } from '../../src/index.js';
import { parseJsonStdout, runHeadstart } from '../cli/run-headstart.js';
import { FLOWERS } from '../paths.js';
import { openStudioPage, screenshot, SCREENSHOTS, useStudioSession, waitForCount, waitForMessage } from './studio-browser.js';

/** Photos per uploaded class: enough for a held-out split, small enough to keep the test quick. */
const PER_CLASS = 20;
const UPLOADED = ['daisy', 'roses', 'sunflowers'];
/** A daisy photo that is not among the uploaded ones: classified in the studio, in the export page and by the CLI. */
const TEST_PHOTO_INDEX = 40;

async function photos(label: string): Promise<string[]> {
  const names = (await fs.readdir(path.join(FLOWERS, label))).filter((n) => n.endsWith('.jpg')).sort();
  return names.map((n) => path.join(FLOWERS, label, n));
}

/** Serves a folder as a plain static site, as a user would host the exported page. */
function serveFolder(dir: string): Promise<{ server: Server; url: string }> {
  const server = createServer(async (req, res) => {
    const rel = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname).replace(/\/$/, '/index.html');
    const file = path.join(dir, path.normalize(rel));
    if (!file.startsWith(dir)) return res.writeHead(403).end();
    try {
      const body = await fs.readFile(file);
      const type = file.endsWith('.html') ? 'text/html' : file.endsWith('.js') ? 'text/javascript' : file.endsWith('.json') ? 'application/json' : 'application/octet-stream';
      res.writeHead(200, { 'Content-Type': type }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${(server.address() as { port: number }).port}/` })));
}

/** A GET with headers fetch will not send as given (Host). */
function statusOf(url: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    get(url, { headers }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    }).on('error', reject);
  });
}

async function messages(page: Page): Promise<string> {
  return (await page.locator('#messages').textContent()) ?? '';
}

describe('headstart studio in chromium: an image project from upload to exported web page', () => {
  const session = useStudioSession('flowers-project');

  it('creates a project, collects by upload and webcam, trains, inspects, tests, and exports a page that agrees with predict', async () => {
    const { studio, context, home } = session();
    const page = await openStudioPage(session());

    // A new folder: the page offers to create the project.
    await page.fill('#project-name', 'Flowers');
    await page.check('input[name="modality"][value="image"]');
    await page.click('#create-project');
    await page.waitForSelector('#workspace:not([hidden])');
    const info = JSON.parse(await fs.readFile(path.join(studio.projectDir, 'project.json'), 'utf8')) as { modality: string; name: string };
    expect(info).toMatchObject({ modality: 'image', name: 'Flowers' });

    for (const label of [...UPLOADED, 'webcam']) {
      await page.fill('#new-class', label);
      await page.click('#add-class');
      await page.waitForSelector(`.class[data-label="${label}"]`);
    }
    for (const label of UPLOADED) {
      const files = (await photos(label)).slice(0, PER_CLASS);
      await page.locator(`.class[data-label="${label}"] input.upload`).setInputFiles(files);
      await waitForCount(page, `.class[data-label="${label}"] .thumb`, PER_CLASS);
    }

    // The fake camera: start it, hold the record button for a burst of frames into the 'webcam' class.
    await page.click('#camera-start');
    await page.locator('#record:not([disabled])').waitFor();
    expect(await page.locator('#camera-select option').count()).toBeGreaterThan(0);
    await page.selectOption('#camera-class', 'webcam');
    await page.locator('#record').hover();
    await page.mouse.down();
    await page.waitForTimeout(2000);
    await page.mouse.up();
    await waitForCount(page, '.class[data-label="webcam"] .thumb', 8, '>=');
    await screenshot(page, '1-collect');

    // The folders hold exactly what train reads.
    const dataset = await loadImageDataset(path.join(studio.projectDir, 'classes'), { onBadFile: 'error' });
    expect(dataset.classes).toEqual(['daisy', 'roses', 'sunflowers', 'webcam']);
    for (const label of UPLOADED) expect(dataset.items.filter((i) => i.label === label)).toHaveLength(PER_CLASS);

    // Train with the default backbone and a linear head; progress arrives over server-sent events.
    await page.click('#train-start');
    await page.waitForSelector('#inspect:not([hidden])', { timeout: 120_000 });
    expect(await page.locator('#train-status').textContent()).toMatch(/^Trained: \d/);
    const manifest = await readModelManifest(path.join(studio.projectDir, 'model'));
    const metrics = manifest.metrics.test;
    if (!metrics) throw new Error('no test metrics');
    expect(metrics.accuracy, `confusion ${JSON.stringify(metrics.confusion)}`).toBeGreaterThanOrEqual(0.7);
    expect(await page.locator('#accuracy').textContent()).toContain(`${(metrics.accuracy * 100).toFixed(1)}%`);
    const rows = page.locator('#per-class tbody tr');
    expect(await rows.count()).toBe(4);
    expect(await rows.nth(0).locator('th').textContent()).toBe('daisy');
    expect(await page.locator('#model-warnings').textContent()).toBe('');

    // Each confusion cell opens the examples behind it: as many as its count, each with its probabilities.
    const cell = page.locator('#confusion g[data-true="0"][data-pred="0"]');
    const count = Number(await cell.locator('text').textContent());
    expect(count).toBe(metrics.confusion[0]?.[0]);
    await cell.click();
    await page.waitForSelector('#cell-examples h3');
    expect(await page.locator('#cell-examples h3').textContent()).toContain('True daisy, predicted daisy');
    expect(await page.locator('#cell-examples figure.example').count()).toBe(count);
    if (count > 0) expect(await page.locator('#cell-examples figure.example li').first().textContent()).toMatch(/^daisy: \d+\.\d%$/);
    expect(await page.locator('#curves svg').count()).toBeGreaterThan(0);
    await screenshot(page, '2-inspect');
    await page.locator('#inspect').screenshot({ path: path.join(SCREENSHOTS, '2-inspect-section.png') });

    // Test an uploaded photo, then export for the browser.
    const testPhoto = (await photos('daisy'))[TEST_PHOTO_INDEX] as string;
    await page.locator('#test-file').setInputFiles(testPhoto);
    await page.waitForSelector('#prediction[data-top-label]');
    const studioLabel = await page.locator('#prediction').getAttribute('data-top-label');
    await page.click('#export-web');
    await page.waitForSelector('#export-result a.export-link', { timeout: 120_000 });
    await screenshot(page, '3-test-export');
    const webDir = path.join(studio.projectDir, 'exports', 'web');
    expect(existsSync(path.join(webDir, 'tf.min.js'))).toBe(true);
    expect(existsSync(path.join(webDir, 'model', 'model.json'))).toBe(true);

    const cli = await runHeadstart(['predict', '--model', path.join(studio.projectDir, 'model'), testPhoto, '--json'], { home });
    expect(cli.code).toBe(0);
    const cliLabel = parseJsonStdout<{ predictions: { label: string }[] }>(cli).predictions[0]?.label;
    expect(studioLabel).toBe(cliLabel);

    // The exported folder on a plain static server, in a second page: same top class as `headstart predict`.
    const site = await serveFolder(webDir);
    try {
      const exported = await context.newPage();
      await exported.goto(site.url);
      await exported.waitForSelector('body[data-ready="true"]', { timeout: 60_000 });
      await exported.locator('#file').setInputFiles(testPhoto);
      await exported.waitForSelector('#result[data-top-label]');
      expect(await exported.locator('#result').getAttribute('data-top-label')).toBe(cliLabel);
      await screenshot(exported, '4-exported-page');
      await exported.close();
    } finally {
      site.server.close();
    }

    // Nothing is lost on a reload.
    await page.reload();
    await page.waitForSelector('body[data-ready="true"]');
    expect(await page.locator('.class').count()).toBe(4);
    await page.waitForSelector('#inspect:not([hidden])');
  });

  it('reports bad input in the page and keeps the project valid', async () => {
    const { studio, root } = session();
    const page = await openStudioPage(session());
    const classesDir = path.join(studio.projectDir, 'classes');
    const before = (await fs.readdir(classesDir)).sort();

    await page.locator('.class[data-label="roses"] input.upload').setInputFiles({ name: 'notes.jpg', mimeType: 'image/jpeg', buffer: Buffer.from('just some text, not a photo\n') });
    await waitForMessage(page, 'notes.jpg');
    expect(await messages(page)).toMatch(/Cannot decode notes\.jpg/);

    const big = path.join(root, 'huge.jpg');
    await fs.writeFile(big, '');
    await fs.truncate(big, 50 * 1024 * 1024);
    await page.locator('.class[data-label="roses"] input.upload').setInputFiles(big);
    await waitForMessage(page, 'huge.jpg is too large');

    for (const label of ['../escape', '<script>alert(1)</script>']) {
      await page.fill('#new-class', label);
      await page.click('#add-class');
      await waitForMessage(page, `Class name ${JSON.stringify(label)} is not allowed`);
    }
    expect(await page.locator('#messages script').count()).toBe(0);

    await page.fill('#new-class', 'empty');
    await page.click('#add-class');
    await page.waitForSelector('.class[data-label="empty"]');
    await page.click('#train-start');
    await waitForMessage(page, 'Class "empty" has no examples');
    await screenshot(page, '5-bad-input');
    await page.locator('.class[data-label="empty"] button', { hasText: 'Delete class' }).click();
    await waitForCount(page, '.class[data-label="empty"]', 0);

    expect((await fs.readdir(classesDir)).sort()).toEqual(before);
    expect(existsSync(path.join(root, 'escape'))).toBe(false);
    const dataset = await loadImageDataset(classesDir, { onBadFile: 'error' });
    expect(dataset.items.filter((i) => i.label === 'roses')).toHaveLength(PER_CLASS);
  });

  it('refuses requests without the token, from another Host or Origin, and oversized bodies', async () => {
    const { studio } = session();
    const noToken = await fetch(`${studio.origin}/api/state`);
    expect(noToken.status).toBe(403);
    const withToken = (extra: Record<string, string> = {}) => ({ headers: { Cookie: `headstart_studio=${studio.token}`, ...extra } });
    expect((await fetch(`${studio.origin}/api/state`, withToken())).status).toBe(200);
    expect(await statusOf(`${studio.origin}/api/state`, { Cookie: `headstart_studio=${studio.token}`, Host: `evil.example:${new URL(studio.origin).port}` })).toBe(403);
    const crossSite = await fetch(`${studio.origin}/api/classes`, { method: 'POST', body: '{"label":"x"}', ...withToken({ Origin: 'http://evil.example' }) });
    expect(crossSite.status).toBe(403);
    const outside = await fetch(`${studio.origin}/files/classes/..%2F..%2Fproject.json`, withToken());
    expect(outside.status).toBe(404);
    const huge = await fetch(`${studio.origin}/api/examples?label=roses&name=big.jpg`, { method: 'POST', body: new Uint8Array(50 * 1024 * 1024), ...withToken() });
    expect(huge.status).toBe(413);
    expect(((await huge.json()) as { error: string }).error).toMatch(/big\.jpg is too large/);
  });
});
