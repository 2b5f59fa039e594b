import { afterAll, beforeAll } from 'vitest';
/**
 * Runs the built binary (`node dist/cli/main.js`) the way a user does, with HEADSTART_HOME pointing at a temp folder.
 *
 * Build policy: `ensureBuilt()` (call it in beforeAll) compiles with `tsc -p tsconfig.build.json` when
 * dist/cli/main.js is missing or older than any file under src/, so `npx vitest run test/cli` works on its own;
 * under `npm test` the build has just run and nothing is recompiled.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = fileURLToPath(new URL('../..', import.meta.url));
export const BIN = path.join(REPO, 'dist', 'cli', 'main.js');
export const FLOWERS = path.join(REPO, 'assets', 'flowers-mini');

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(full) : statSync(full).mtimeMs);
  }
  return newest;
}

export function ensureBuilt(): void {
  const stale = !existsSync(BIN) || statSync(BIN).mtimeMs < newestMtime(path.join(REPO, 'src'));
  if (!stale) return;
  const tsc = path.join(REPO, 'node_modules', 'typescript', 'bin', 'tsc');
  const result = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: REPO, encoding: 'utf8' });
  // tsc still emits on type errors (possibly in folders other engineers are editing): report them, but only a
  // missing binary stops the CLI tests.
  if (result.status !== 0) process.stderr.write(`tsc -p tsconfig.build.json reported errors:\n${result.stdout}${result.stderr}\n`);
  if (!existsSync(BIN)) throw new Error(`Build did not produce ${BIN}.`);
}

export async function makeTempDir(prefix = 'headstart-cli-'): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), prefix));
}

export async function removeDir(dir: string | undefined): Promise<void> {
  if (dir) await rm(dir, { recursive: true, force: true });
}

/** `env` adds to or overrides the environment (PATH without a program, say). */
export function runHeadstart(args: string[], options: { home: string; cwd?: string; env?: Record<string, string> }): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: options.cwd ?? REPO,
      env: { ...process.env, HEADSTART_HOME: options.home, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Parses stdout as exactly one JSON document (JSON.parse rejects anything around or after it). */
export function parseJsonStdout<T = unknown>(result: RunResult): T {
  try {
    return JSON.parse(result.stdout) as T;
  } catch (err) {
    throw new Error(`stdout is not one JSON document: ${(err as Error).message}\n--- stdout ---\n${result.stdout}\n--- stderr ---\n${result.stderr}`);
  }
}

/**
 * For a test file that runs the binary: builds it if stale and gives the file a fresh HEADSTART_HOME (removed
 * afterwards). Returns a runner bound to that home.
 */
export function useCliWithTempHome(): (...args: string[]) => Promise<RunResult> {
  let home = '';
  beforeAll(async () => {
    ensureBuilt();
    home = await makeTempDir();
  });
  afterAll(() => removeDir(home));
  return (...args: string[]) => runHeadstart(args, { home });
}
