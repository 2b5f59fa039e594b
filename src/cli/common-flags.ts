import { defaultHome } from '../index.js';
import type { BadFilePolicy } from '../index.js';
import type { FlagSpec } from './command-spec.js';
import { usageError } from './errors.js';

/** Flags every command takes; the parser adds them, so commands never declare them. */
export const COMMON_FLAGS = {
  json: {
    kind: 'boolean',
    description: 'Print the result as exactly one JSON document on stdout and nothing else (progress stays on stderr).',
    group: 'Output',
  },
  quiet: { kind: 'boolean', short: 'q', description: 'Do not draw progress on stderr.', group: 'Output' },
  help: { kind: 'boolean', short: 'h', description: 'Show this help.', group: 'Output' },
} as const satisfies Record<string, FlagSpec>;

/** `--force`, for every command that writes an output folder or file. */
export const FORCE_FLAG = {
  force: {
    kind: 'boolean',
    description:
      'Replace an existing --out that headstart did not write (no .headstart-output.json marker) or wrote as another kind. ' +
      'An --out that is, contains or lies inside an input is refused even so.',
    group: 'Output',
  },
} as const satisfies Record<string, FlagSpec>;

/** `--no-cache`, `--strict` and `--on-bad-file`, shared by the commands that read images. */
export const DATA_POLICY_FLAGS = {
  'no-cache': {
    kind: 'boolean',
    description: 'Do not reuse or store features in the feature cache (features.sqlite in HEADSTART_HOME).',
    group: 'Data',
  },
  'on-bad-file': {
    kind: 'choice',
    choices: ['skip', 'error'],
    default: 'skip',
    description: 'Corrupt or unsupported files: report and skip them, or refuse the run.',
    group: 'Data',
  },
  strict: { kind: 'boolean', description: 'Same as --on-bad-file error.', group: 'Data' },
} as const satisfies Record<string, FlagSpec>;

/** The `onBadFile` option from `--on-bad-file` and its shorthand `--strict`. */
export function resolveBadFilePolicy(flags: { strict: boolean; onBadFile: BadFilePolicy | undefined }, command: string): BadFilePolicy | undefined {
  if (!flags.strict) return flags.onBadFile;
  if (flags.onBadFile === 'skip') throw usageError('--strict means --on-bad-file error; it cannot be combined with --on-bad-file skip.', command);
  return 'error';
}

/** Environment variables, for --help. */
export function envHelp(): Record<string, string> {
  return {
    HEADSTART_HOME: `Folder for converted backbones, registered backbones and the feature cache (default: ${defaultHome()}).`,
    HEADSTART_DEBUG: 'Set to 1 to print the stack trace of an error (for bug reports).',
  };
}
