import type { ProgressCallback } from '../index.js';

/** What the CLI may touch of the process: passed in, so the whole CLI runs in-process too. */
export interface CliIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown; isTTY?: boolean; columns?: number };
  env: Record<string, string | undefined>;
  /** Aborted on Ctrl-C; long work stops at its next check. */
  signal?: AbortSignal;
}

/** Everything a command needs besides its parsed arguments. */
export interface CommandContext {
  io: CliIo;
  /** `HEADSTART_HOME`, or undefined for the API's default. */
  home: string | undefined;
  /** `--json`: stdout holds exactly one JSON document. */
  json: boolean;
  signal: AbortSignal | undefined;
  /** Draws progress on stderr (a no-op with --quiet). */
  onProgress: ProgressCallback;
  /** Writes the command's result, once: `value` as JSON with --json, else the text `human()` returns. */
  print(value: unknown, human: () => string): void;
}
