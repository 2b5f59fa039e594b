import { defaultHome, DISTRIBUTE_DEFAULTS } from '../index.js';
import type { BadFilePolicy, DistributeOptions } from '../index.js';
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

/** `--workers`, `--queue` and `--shard-size`: where feature extraction runs (extract, train, eval, rank). */
export const DISTRIBUTE_FLAGS = {
  workers: { kind: 'integer', min: 1, description: 'Extract on N worker processes on this machine (no Redis needed).', group: 'Scaling' },
  queue: {
    kind: 'string',
    placeholder: 'URL',
    description: "Extract in shards over a Redis queue (redis://host:port) that 'headstart worker' processes take from.",
    group: 'Scaling',
  },
  'shard-size': { kind: 'integer', min: 1, default: DISTRIBUTE_DEFAULTS.shardSize, description: 'Images per shard (with --workers or --queue).', group: 'Scaling' },
} as const satisfies Record<string, FlagSpec>;

/** The `distribute` option from the scaling flags, or undefined to extract in this process. */
export function resolveDistribute(flags: { workers: number | undefined; queue: string | undefined; shardSize: number | undefined }, command: string): DistributeOptions | undefined {
  if (flags.workers !== undefined && flags.queue !== undefined) throw usageError('--workers (processes on this machine) and --queue (a Redis queue) are alternatives: pass one.', command);
  if (flags.workers === undefined && flags.queue === undefined) {
    if (flags.shardSize !== undefined) throw usageError('--shard-size applies with --workers or --queue: add one, or drop --shard-size.', command);
    return undefined;
  }
  return {
    ...(flags.workers !== undefined ? { workers: flags.workers } : {}),
    ...(flags.queue !== undefined ? { queue: flags.queue } : {}),
    ...(flags.shardSize !== undefined ? { shardSize: flags.shardSize } : {}),
  };
}

/** `{ distribute }` to spread into a workflow's options, or nothing. */
export function distributeOption(distribute: DistributeOptions | undefined): { distribute?: DistributeOptions } {
  return distribute ? { distribute } : {};
}
