import { promises as fs } from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import { runCli } from '../../src/cli/run-cli.js';
import type { RunResult } from '../cli/run-headstart.js';

/** A failed run as a user sees it: the exit status, `error [CODE]` naming the file, and no stack trace. */
export function expectCleanFailure(r: RunResult, expected: { code: string; mentions: string; status?: number }): void {
  expect(r.stderr, r.stderr).toContain(`error [${expected.code}]`);
  expect(r.stderr).toContain(expected.mentions);
  expect(r.stderr).not.toMatch(/^\s+at /m);
  expect(r.code, r.stderr).toBe(expected.status ?? 1);
}

/** A copy of a model directory, with `edit` applied to its parsed headstart.json. */
export async function copyModel(modelDir: string, to: string, edit?: (manifest: Record<string, unknown>) => void): Promise<string> {
  await fs.cp(modelDir, to, { recursive: true });
  if (edit) {
    const file = path.join(to, 'headstart.json');
    const manifest = JSON.parse(await fs.readFile(file, 'utf8')) as Record<string, unknown>;
    edit(manifest);
    await fs.writeFile(file, JSON.stringify(manifest, null, 2));
  }
  return to;
}

/** The first image of a class folder. */
export async function firstImage(dir: string): Promise<string> {
  const names = (await fs.readdir(dir)).filter((n) => n.endsWith('.jpg')).sort();
  return path.join(dir, names[0] as string);
}

/**
 * Runs a command line in this process through the CLI's own entry (`runCli`), with stdout and stderr captured: the
 * same parsing, printing and exit statuses as the binary, without a process start per case.
 */
export async function runCliInProcess(args: string[], env: Record<string, string | undefined>): Promise<RunResult> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    env,
  });
  return { code, stdout, stderr };
}
