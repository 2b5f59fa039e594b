import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import { HeadstartError } from '../../src/index.js';
import type { ErrorCode } from '../../src/index.js';
import type { RunResult } from '../cli/run-headstart.js';

/** Every file under `dir` (hidden ones too) with the sha256 of its bytes: equal snapshots mean nothing changed. */
export async function snapshot(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (d: string): Promise<void> => {
    for (const entry of await fs.readdir(d, { withFileTypes: true })) {
      const full = path.join(d, entry.name);
      if (entry.isDirectory()) await walk(full);
      else out[path.relative(dir, full)] = createHash('sha256').update(await fs.readFile(full)).digest('hex');
    }
  };
  await walk(dir);
  return out;
}

/** The pid of a process that has exited, so temporaries named after it count as a dead writer's. */
export function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', '0']);
  if (child.pid === undefined) throw new Error('could not start a child process');
  return child.pid;
}

/** Awaits a rejection and checks it is a HeadstartError with this code whose message names `mentions`. */
export async function expectHeadstartError(promise: Promise<unknown>, code: ErrorCode, ...mentions: string[]): Promise<HeadstartError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(HeadstartError);
  const e = err as HeadstartError;
  expect(e.code).toBe(code);
  for (const m of mentions) expect(e.message).toContain(m);
  return e;
}

/** A CLI failure as a user sees it: the exit status, `error [CODE]: ...` naming the paths, and no stack trace. */
export function expectCliError(result: RunResult, status: number, code: ErrorCode, ...mentions: string[]): void {
  expect(result.code, result.stderr).toBe(status);
  expect(result.stderr).toContain(`error [${code}]:`);
  for (const m of mentions) expect(result.stderr).toContain(m);
  expect(result.stderr).not.toMatch(/\n\s+at /);
  expect(result.stderr).not.toContain('unexpected failure');
}
