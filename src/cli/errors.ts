import { HeadstartError } from '../index.js';
import type { ErrorCode } from '../index.js';

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

/**
 * The one place errors are printed: a HeadstartError as `error [HS_CODE]: message`, anything else with its stack,
 * since it is a bug. Resolves to the exit status.
 */
export function reportError(err: unknown, stderr: { write(text: string): unknown }): number {
  if (isHeadstartError(err)) {
    stderr.write(`error [${err.code}]: ${err.message}\n`);
    return exitCodeFor(err.code);
  }
  const detail = err instanceof Error ? (err.stack ?? `${err.name}: ${err.message}`) : String(err);
  stderr.write(`error: unexpected failure (a bug in headstart or a dependency; please report it with this output)\n${detail}\n`);
  return EXIT.failure;
}
