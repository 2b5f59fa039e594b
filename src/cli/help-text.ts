import type { CommandSpec, FlagSpec } from './command-spec.js';
import { COMMON_FLAGS } from './common-flags.js';
import { flagLabel } from './parse-command.js';
import { formatDefinitions, wrapText } from './text-wrap.js';

const WIDTH = 100;

function formatDefault(value: NonNullable<FlagSpec['default']>): string {
  return Array.isArray(value) ? value.join(',') : String(value);
}

function flagText(flag: FlagSpec): string {
  const extra: string[] = [];
  if (flag.required) extra.push('required');
  if (flag.default !== undefined) extra.push(`default: ${formatDefault(flag.default)}`);
  return extra.length ? `${flag.description} (${extra.join('; ')})` : flag.description;
}

function flagRow(name: string, flag: FlagSpec): [string, string] {
  const label = flagLabel(name, flag);
  return [flag.short ? `-${flag.short}, ${label}` : `    ${label}`, flagText(flag)];
}

/** `headstart train --data DIR --out DIR [options]` */
export function usageLine(spec: CommandSpec): string {
  const required = Object.entries(spec.flags)
    .filter(([, f]) => f.required)
    .map(([name, f]) => flagLabel(name, f));
  const pos = spec.positionals;
  const positional = pos ? (pos.max === 1 ? (pos.min > 0 ? pos.name : `[${pos.name}]`) : `${pos.name}...`) : undefined;
  return ['headstart', spec.name, ...required, '[options]', ...(positional ? [positional] : [])].join(' ');
}

/** A command's --help, generated from its spec: usage, description, flags by group with defaults, env, examples. */
export function renderCommandHelp(spec: CommandSpec): string {
  const out: string[] = [`headstart ${spec.name}: ${spec.summary}`, '', `Usage: ${usageLine(spec)}`];
  if (spec.description) out.push('', ...wrapText(spec.description, WIDTH));

  const groups = new Map<string, [string, string][]>();
  for (const [name, flag] of Object.entries({ ...spec.flags, ...COMMON_FLAGS } as Record<string, FlagSpec>)) {
    const group = flag.group ?? 'Options';
    groups.set(group, [...(groups.get(group) ?? []), flagRow(name, flag)]);
  }
  const positional: [string, string][] = spec.positionals ? [[`    ${spec.positionals.name}`, spec.positionals.description]] : [];
  const labelWidth = Math.min(30, Math.max(...[...groups.values(), positional].flat().map(([label]) => label.length)));
  if (positional.length > 0) out.push('', 'Arguments:', formatDefinitions(positional, { width: WIDTH, labelWidth }));
  for (const [group, rows] of groups) out.push('', `${group}:`, formatDefinitions(rows, { width: WIDTH, labelWidth }));

  if (spec.env && Object.keys(spec.env).length > 0) out.push('', 'Environment:', formatDefinitions(Object.entries(spec.env), { width: WIDTH }));
  if (spec.examples?.length) out.push('', 'Examples:', ...spec.examples.map((e) => `  ${e}`));
  return out.join('\n');
}

/** `headstart --help`: every command with its one-line summary. */
export function renderTopHelp(specs: readonly CommandSpec[], version: string, env: Record<string, string>): string {
  return [
    `headstart ${version}: transfer learning for TypeScript. Cut a pretrained model, freeze it, train a new head,`,
    'measure what transfer bought.',
    '',
    'Usage: headstart <command> [options]',
    '',
    'Commands:',
    formatDefinitions(specs.map((s) => [s.name, s.summary]), { width: WIDTH }),
    '',
    'Global options:',
    formatDefinitions(
      [
        ['-h, --help', "Show this help; after a command, that command's options (headstart train --help)."],
        ['-V, --version', 'Print the version.'],
      ],
      { width: WIDTH },
    ),
    '',
    'Every command takes --json (one JSON document on stdout), --quiet (no progress on stderr) and --help.',
    '',
    'Environment:',
    formatDefinitions(Object.entries(env), { width: WIDTH }),
    '',
    "Start with 'headstart demo', then 'headstart train --data <folder> --out <model>'.",
  ].join('\n');
}

/** `headstart zoo --help`: the subcommands of a group. */
export function renderGroupHelp(group: string, specs: readonly CommandSpec[]): string {
  return [
    `Usage: headstart ${group} <command> [options]`,
    '',
    'Commands:',
    formatDefinitions(specs.map((s) => [s.name, s.summary]), { width: WIDTH }),
    '',
    `Run 'headstart ${group} <command> --help' for a command's options.`,
  ].join('\n');
}
