import { HeadstartError } from '../index.js';
import type { ErrorCode } from '../index.js';
import { sanitizeForTerminal } from './terminal-text.js';

/** The environment variable that makes the CLI print stack traces (any value but '' and '0'). */
export const DEBUG_ENV = 'HEADSTART_DEBUG';

/** Exit statuses: 0 success, 1 the work failed, 2 the command line was wrong, 130 interrupted (Ctrl-C). */
export const EXIT = { ok: 0, failure: 1, usage: 2, interrupted: 130 } as const;

/**
 * A command-line mistake (unknown command or flag, missing or malformed value). It uses the API's code for invalid
 * options, so API validation errors and CLI usage errors print and exit alike.
 */
export function usageError(message: string, helpCommand = ''): HeadstartError {
  const help = helpCommand ? `headstart ${helpCommand} --help` : 'headstart --help';
  return new HeadstartError('HS_INVALID_OPTION', `${message} Run '${help}' for usage.`);
}

function isHeadstartError(err: unknown): err is HeadstartError {
  if (err instanceof HeadstartError) return true;
  const e = err as { name?: unknown; code?: unknown } | null;
  return typeof e === 'object' && e !== null && e.name === 'HeadstartError' && typeof e.code === 'string' && e.code.startsWith('HS_');
}

function exitCodeFor(code: ErrorCode): number {
  if (code === 'HS_INVALID_OPTION') return EXIT.usage;
  if (code === 'HS_ABORTED') return EXIT.interrupted;
  return EXIT.failure;
}

function firstLine(text: string): string {
  return (text.split('\n').find((line) => line.trim() !== '') ?? text).trim();
}

/**
 * The one place errors are printed: a HeadstartError as `error [HS_CODE]: message`, anything else (a bug) as one
 * line naming the error, with how to see its stack: never a raw trace unless `debug` (HEADSTART_DEBUG) asks for it.
 * Resolves to the exit status.
 */
export function reportError(err: unknown, stderr: { write(text: string): unknown }, options: { debug?: boolean } = {}): number {
  const stack = options.debug && err instanceof Error && err.stack ? `${sanitizeForTerminal(err.stack)}\n` : '';
  if (isHeadstartError(err)) {
    stderr.write(`error [${err.code}]: ${sanitizeForTerminal(err.message)}\n${stack}`);
    return exitCodeFor(err.code);
  }
  const what = err instanceof Error ? `${err.name}: ${firstLine(err.message)}` : firstLine(String(err));
  const how = options.debug ? 'the stack trace follows' : `rerun with ${DEBUG_ENV}=1 to see where it happened`;
  stderr.write(`error: unexpected failure (${sanitizeForTerminal(what)}). This is a bug in headstart or a dependency: please report it; ${how}.\n${stack}`);
  return EXIT.failure;
}

/** Whether the environment asks for stack traces. */
export function debugRequested(env: Record<string, string | undefined>): boolean {
  const value = env[DEBUG_ENV];
  return value !== undefined && value !== '' && value !== '0';
}
