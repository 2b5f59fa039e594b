import { closestMatch } from './closest-match.js';
import type { SkippedFile } from '../index.js';
import type { CliIo, CommandContext } from './command-context.js';
import type { CommandSpec } from './command-spec.js';
import { COMMANDS } from './commands/index.js';
import { envHelp } from './common-flags.js';
import { debugRequested, EXIT, reportError, usageError } from './errors.js';
import { renderCommandHelp, renderGroupHelp, renderTopHelp } from './help-text.js';
import { parseCommand, wantsHelp } from './parse-command.js';
import { createProgressRenderer } from './progress.js';
import { sanitizeForTerminal } from './terminal-text.js';
import type { ProgressRenderer } from './progress.js';
import { readVersion } from './version.js';

const GROUPS = [...new Set(COMMANDS.filter((c) => c.name.includes(' ')).map((c) => c.name.split(' ')[0] as string))];
const TOP_NAMES = [...new Set(COMMANDS.map((c) => c.name.split(' ')[0] as string))];

function subcommandsOf(group: string): CommandSpec[] {
  return COMMANDS.filter((c) => c.name.startsWith(`${group} `));
}

/** Finds the command `argv` names; returns it with the arguments after its name, or a help text to print. */
function resolveCommand(argv: string[]): { spec: CommandSpec; rest: string[] } | { help: string } {
  const [first, second] = argv;
  if (first === undefined) {
    throw usageError(`No command given. Commands: ${TOP_NAMES.join(', ')}.`);
  }
  if (first.startsWith('-')) {
    const guess = closestMatch(first, ['--help', '--version']);
    throw usageError(`Unknown option ${first}: headstart expects a command first.${guess ? ` Did you mean ${guess}?` : ''}`);
  }
  const subs = subcommandsOf(first);
  const names = subs.map((s) => s.name.split(' ')[1] as string);
  // A group may also be a command of its own ('demo' and 'demo sim2real'): anything but a subcommand name goes to it.
  const groupIsCommand = COMMANDS.some((c) => c.name === first);
  if (GROUPS.includes(first) && !(groupIsCommand && (second === undefined || !names.includes(second)))) {
    if (second === '--help' || second === '-h' || second === 'help') return { help: renderGroupHelp(first, subs) };
    if (second === undefined) throw usageError(`'headstart ${first}' needs a command: ${names.join(', ')}.`, first);
    const spec = subs.find((s) => s.name === `${first} ${second}`);
    if (!spec) {
      const guess = closestMatch(second, names);
      throw usageError(`Unknown command '${first} ${second}'.${guess ? ` Did you mean '${first} ${guess}'?` : ''} Commands: ${names.join(', ')}.`, first);
    }
    return { spec, rest: argv.slice(2) };
  }
  const spec = COMMANDS.find((c) => c.name === first);
  if (!spec) {
    const guess = closestMatch(first, TOP_NAMES);
    throw usageError(`Unknown command '${first}'.${guess ? ` Did you mean '${guess}'?` : ''} Commands: ${TOP_NAMES.join(', ')}.`);
  }
  return { spec, rest: argv.slice(1) };
}

/** The skipped files a command's result lists (every result with input files has `skipped`). */
function skippedIn(value: unknown): SkippedFile[] {
  const list = typeof value === 'object' && value !== null ? (value as { skipped?: unknown }).skipped : undefined;
  if (!Array.isArray(list)) return [];
  return list.filter((s): s is SkippedFile => typeof s === 'object' && s !== null && typeof (s as SkippedFile).file === 'string' && typeof (s as SkippedFile).reason === 'string');
}

/** `headstart help [command...]` */
function helpFor(topics: string[]): string {
  if (topics.length === 0) return renderTopHelp(COMMANDS, readVersion(), envHelp());
  const resolved = resolveCommand([...topics, '--help']);
  return 'help' in resolved ? resolved.help : renderCommandHelp(resolved.spec);
}

/**
 * Runs one command line and resolves to the exit status. Nothing here touches `process`: output, environment and
 * the abort signal come through `io`, so the same code runs as the binary and in-process.
 */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  let renderer: ProgressRenderer | undefined;
  try {
    const [first] = argv;
    if (first === '--version' || first === '-V') {
      io.stdout.write(`${readVersion()}\n`);
      return EXIT.ok;
    }
    if (first === '--help' || first === '-h' || first === 'help') {
      io.stdout.write(`${helpFor(argv.slice(1).filter((a) => a !== '--help' && a !== '-h'))}\n`);
      return EXIT.ok;
    }
    const resolved = resolveCommand(argv);
    if ('help' in resolved) {
      io.stdout.write(`${resolved.help}\n`);
      return EXIT.ok;
    }
    const { spec, rest } = resolved;
    if (wantsHelp(rest)) {
      io.stdout.write(`${renderCommandHelp(spec)}\n`);
      return EXIT.ok;
    }
    const { args, common } = parseCommand(spec, rest);
    const progress = createProgressRenderer({ stream: io.stderr, quiet: common.quiet, showSkips: spec.name !== 'predict' });
    renderer = progress;
    let printed = false;
    const ctx: CommandContext = {
      io,
      home: io.env.HEADSTART_HOME || undefined,
      json: common.json,
      signal: io.signal,
      onProgress: progress.onProgress,
      print: (value, human) => {
        if (printed && common.json) throw new Error(`headstart ${spec.name} printed more than one result with --json.`);
        printed = true;
        progress.reportSkipped(skippedIn(value), common.json ? "the JSON result's 'skipped' list" : 'the report (or the --json output)');
        progress.flush();
        io.stdout.write(common.json ? `${JSON.stringify(value, null, 2)}\n` : `${sanitizeForTerminal(human())}\n`);
      },
    };
    const code = (await spec.run(args, ctx)) ?? EXIT.ok;
    progress.flush();
    return code;
  } catch (err) {
    renderer?.flush();
    return reportError(err, io.stderr, { debug: debugRequested(io.env) });
  }
}
