/**
 * Drives `headstart studio` the way a user does: the built binary serves a project, and Debian's chromium (no
 * browser download: playwright-core with an absolute executablePath) opens it with a fake camera.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, mkdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, inject } from 'vitest';
import { BIN, ensureBuilt, REPO } from '../cli/run-headstart.js';

export const CHROMIUM = '/usr/bin/chromium';
/** Screenshots the tests write (git-ignored), one per page state worth looking at. */
export const SCREENSHOTS = path.join(REPO, 'test-output', 'studio');

export interface RunningStudio {
  url: string;
  /** `http://host:port`, without the token. */
  origin: string;
  token: string;
  projectDir: string;
  stop(): Promise<void>;
}

/** Starts `headstart studio --project DIR --port 0 --json` and waits for its one JSON line. */
export function startStudioProcess(projectDir: string, home: string): Promise<RunningStudio> {
  const child: ChildProcess = spawn(process.execPath, [BIN, 'studio', '--project', projectDir, '--port', '0', '--json', '--quiet'], {
    cwd: REPO,
    env: { ...process.env, HEADSTART_HOME: home },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    child.on('exit', (code) => reject(new Error(`headstart studio exited with ${code} before listening:\n${stderr}`)));
    child.stdout?.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
      let info: { url: string; projectDir: string };
      try {
        info = JSON.parse(stdout) as { url: string; projectDir: string };
      } catch {
        return;
      }
      const url = new URL(info.url);
      resolve({
        url: info.url,
        origin: url.origin,
        token: url.searchParams.get('token') ?? '',
        projectDir: info.projectDir,
        stop: async () => {
          child.kill('SIGINT');
          await exited;
        },
      });
    });
  });
}

/** A fresh chromium profile with the fake camera, headless; closing the context removes the profile. */
export async function launchBrowser(): Promise<{ context: BrowserContext; close(): Promise<void> }> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} not found: install Debian's chromium (bash scripts/install-system-packages.sh, which npm test runs).`);
  }
  const profile = await mkdtemp(path.join(os.tmpdir(), 'headstart-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream',
    ],
    viewport: { width: 1100, height: 900 },
  });
  return {
    context,
    close: async () => {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}

export async function screenshot(page: Page, name: string): Promise<void> {
  await mkdir(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/** Waits until `selector` matches `count` elements (`op` '>=' for at least), polling from Node (the page's CSP forbids eval). */
export async function waitForCount(page: Page, selector: string, count: number, op: '===' | '>=' = '===', timeout = 30_000): Promise<void> {
  const poll = expect.poll(() => page.locator(selector).count(), { timeout, interval: 100 });
  if (op === '===') await poll.toBe(count);
  else await poll.toBeGreaterThanOrEqual(count);
}

/** Waits for a message in the page's message area that contains `text`. */
export async function waitForMessage(page: Page, text: string): Promise<void> {
  await page.locator('#messages .message', { hasText: text }).first().waitFor();
}

export interface StudioSession {
  studio: RunningStudio;
  context: BrowserContext;
  /** Temp folder holding the project (removed afterwards). */
  root: string;
  home: string;
}

/** For a test file: a new project folder served by the built binary and a browser on it, all closed afterwards. */
export function useStudioSession(projectName: string): () => StudioSession {
  let session: StudioSession | undefined;
  let browser: Awaited<ReturnType<typeof launchBrowser>> | undefined;
  beforeAll(async () => {
    ensureBuilt();
    const home = inject('sharedHome');
    const root = await mkdtemp(path.join(os.tmpdir(), 'headstart-studio-'));
    const studio = await startStudioProcess(path.join(root, projectName), home);
    browser = await launchBrowser();
    session = { studio, context: browser.context, root, home };
  });
  afterAll(async () => {
    await browser?.close();
    await session?.studio.stop();
    if (session) await rm(session.root, { recursive: true, force: true });
  });
  return () => {
    if (!session) throw new Error('The studio session did not start (see beforeAll).');
    return session;
  };
}

/** A new tab on the studio, once its script has rendered the project. */
export async function openStudioPage(session: StudioSession): Promise<Page> {
  const page = await session.context.newPage();
  await page.goto(session.studio.url);
  await page.waitForSelector('body[data-ready="true"]');
  return page;
}
