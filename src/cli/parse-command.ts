import { parseArgs } from 'node:util';
import type { ParseArgsConfig } from 'node:util';
import { closestMatch } from './closest-match.js';
import { camelCase } from './command-spec.js';
import type { CommandSpec, FlagSpec, FlagValues, ParsedArgs } from './command-spec.js';
import { COMMON_FLAGS } from './common-flags.js';
import { usageError } from './errors.js';

export interface CommonFlags {
  json: boolean;
  quiet: boolean;
}

/** The flag as written in usage: `--epochs N`, `--head linear|mlp`, `--data DIR`, `--json`. */
export function flagLabel(name: string, flag: FlagSpec): string {
  switch (flag.kind) {
    case 'boolean':
      return `--${name}`;
    case 'integer':
      return `--${name} N`;
    case 'number':
      return `--${name} X`;
    case 'choice':
      return `--${name} ${flag.choices.join('|')}`;
    case 'numbers':
    case 'string':
      return `--${name} ${flag.placeholder}`;
  }
}

/** True when the arguments ask for help (before any `--`), whatever else they hold. */
export function wantsHelp(argv: readonly string[]): boolean {
  const end = argv.indexOf('--');
  return (end === -1 ? argv : argv.slice(0, end)).some((a) => a === '--help' || a === '-h');
}

function allFlags(spec: CommandSpec): Record<string, FlagSpec> {
  return { ...spec.flags, ...COMMON_FLAGS };
}

function describeRange(flag: { min?: number; minExclusive?: boolean; max?: number; maxExclusive?: boolean }): string {
  const parts: string[] = [];
  if (flag.min !== undefined) parts.push(flag.minExclusive ? `> ${flag.min}` : `>= ${flag.min}`);
  if (flag.max !== undefined) parts.push(flag.maxExclusive ? `< ${flag.max}` : `<= ${flag.max}`);
  return parts.length ? ` (${parts.join(', ')})` : '';
}

function parseNumber(text: string): number | undefined {
  const trimmed = text.trim();
  if (trimmed === '') return undefined;
  const n = Number(trimmed);
  return Number.isFinite(n) ? n : undefined;
}

/** Turns one flag's raw text into its typed value, or throws a usage error that names the flag and the value. */
function convertValue(name: string, flag: FlagSpec, raw: string | boolean, command: string): unknown {
  const received = `Received: '${String(raw)}'.`;
  if (flag.kind === 'boolean') return raw === true;
  const text = String(raw);
  switch (flag.kind) {
    case 'string':
      if (text.trim() === '') throw usageError(`Expected --${name} to be a non-empty ${flag.placeholder}. ${received}`, command);
      return text;
    case 'choice':
      if (!flag.choices.includes(text)) {
        throw usageError(`Expected --${name} to be one of ${flag.choices.map((c) => `'${c}'`).join(', ')}. ${received}`, command);
      }
      return text;
    case 'integer': {
      const n = /^[+-]?\d+$/.test(text.trim()) ? Number(text) : undefined;
      if (n === undefined || (flag.min !== undefined && n < flag.min)) {
        throw usageError(`Expected --${name} to be an integer${describeRange(flag)}. ${received}`, command);
      }
      return n;
    }
    case 'number': {
      const n = parseNumber(text);
      const tooLow = n !== undefined && flag.min !== undefined && (flag.minExclusive ? n <= flag.min : n < flag.min);
      const tooHigh = n !== undefined && flag.max !== undefined && (flag.maxExclusive ? n >= flag.max : n > flag.max);
      if (n === undefined || tooLow || tooHigh) throw usageError(`Expected --${name} to be a number${describeRange(flag)}. ${received}`, command);
      return n;
    }
    case 'numbers': {
      const values = text.split(',').map(parseNumber);
      const what = `${flag.length ?? 'a list of'} comma-separated ${flag.integers ? 'integers' : 'numbers'}${flag.above !== undefined ? ` above ${flag.above}` : ''}`;
      const ok =
        values.every((v): v is number => v !== undefined) &&
        (flag.length === undefined || values.length === flag.length) &&
        (!flag.integers || values.every(Number.isInteger)) &&
        (flag.above === undefined || values.every((v) => v > (flag.above as number)));
      if (!ok) throw usageError(`Expected --${name} to be ${what} (${flag.placeholder}). ${received}`, command);
      return values;
    }
  }
}

/** Rewrites node:util's parse errors into messages that name the flag and point to --help. */
function translateParseError(err: unknown, spec: CommandSpec): Error {
  const e = err as { code?: string; message?: string };
  const flag = /'(-{1,2}[^' <]+)/.exec(e.message ?? '')?.[1] ?? '';
  const known = Object.keys(allFlags(spec)).map((f) => `--${f}`);
  if (e.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    const guess = closestMatch(flag, known);
    return usageError(`Unknown option ${flag} for 'headstart ${spec.name}'.${guess ? ` Did you mean ${guess}?` : ''}`, spec.name);
  }
  if (e.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    const name = flag.replace(/^-+/, '');
    const entry = Object.entries(allFlags(spec)).find(([key, f]) => key === name || f.short === name);
    if (entry?.[1].kind === 'boolean') return usageError(`Option ${flag} takes no value.`, spec.name);
    const label = entry ? flagLabel(entry[0], entry[1]) : flag;
    return usageError(`Option ${flag} needs a value: ${label}. To pass a value that starts with '-', write ${flag}=VALUE.`, spec.name);
  }
  return usageError(e.message ?? String(err), spec.name);
}

const NUMERIC_KINDS: readonly FlagSpec['kind'][] = ['integer', 'number', 'numbers'];

/** `--seed -3` becomes `--seed=-3`: node:util would take a negative number after a flag for another flag. */
function joinNegativeNumbers(spec: CommandSpec, argv: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const next = argv[i + 1];
    const flag = arg.startsWith('--') ? spec.flags[arg.slice(2)] : undefined;
    if (flag && NUMERIC_KINDS.includes(flag.kind) && next !== undefined && /^-\.?\d/.test(next)) {
      out.push(`${arg}=${next}`);
      i++;
    } else {
      out.push(arg);
    }
  }
  return out;
}

/** Parses a command's arguments against its spec: strict, typed, with every problem reported as a usage error. */
export function parseCommand(spec: CommandSpec, argv: string[]): { args: ParsedArgs<Record<string, FlagSpec>>; common: CommonFlags } {
  const flags = allFlags(spec);
  const options: NonNullable<ParseArgsConfig['options']> = {};
  for (const [name, flag] of Object.entries(flags)) {
    options[name] = { type: flag.kind === 'boolean' ? 'boolean' : 'string', ...(flag.short ? { short: flag.short } : {}) };
  }
  let parsed: { values: Record<string, string | boolean | (string | boolean)[] | undefined>; positionals: string[] };
  try {
    parsed = parseArgs({ args: joinNegativeNumbers(spec, argv), options, strict: true, allowPositionals: true });
  } catch (err) {
    throw translateParseError(err, spec);
  }

  const values: Record<string, unknown> = {};
  const missing: string[] = [];
  for (const [name, flag] of Object.entries(spec.flags)) {
    const raw = parsed.values[name];
    if (Array.isArray(raw)) throw usageError(`Option --${name} was given more than once.`, spec.name);
    if (raw === undefined) {
      if (flag.required) missing.push(name);
      values[camelCase(name)] = flag.kind === 'boolean' ? false : undefined;
      continue;
    }
    values[camelCase(name)] = convertValue(name, flag, raw, spec.name);
  }
  if (missing.length > 0) {
    // Flags missing for the same reason are named together, the reason once.
    const byReason = new Map<string, string[]>();
    for (const name of missing) {
      const flag = spec.flags[name] as FlagSpec;
      const reason = flag.requiredReason ?? flag.description.replace(/\.$/, '');
      byReason.set(reason, [...(byReason.get(reason) ?? []), flagLabel(name, flag)]);
    }
    const parts = [...byReason].map(([reason, labels]) => `${labels.join(' and ')} (${reason})`);
    throw usageError(`'headstart ${spec.name}' needs ${parts.join(' and ')}.`, spec.name);
  }

  const { positionals } = parsed;
  const pos = spec.positionals;
  if (!pos && positionals.length > 0) {
    throw usageError(`Unexpected argument '${positionals[0]}': 'headstart ${spec.name}' takes no positional arguments.`, spec.name);
  }
  if (pos && positionals.length < pos.min) {
    throw usageError(`'headstart ${spec.name}' needs ${pos.min === 1 ? 'a' : `at least ${pos.min}`} ${pos.name} argument: ${pos.description.replace(/\.$/, '')}.`, spec.name);
  }
  if (pos && positionals.length > (pos.max ?? Infinity)) {
    throw usageError(`'headstart ${spec.name}' takes at most ${pos.max} ${pos.name} argument${pos.max === 1 ? '' : 's'}; received ${positionals.length}.`, spec.name);
  }
  return {
    args: { flags: values as FlagValues<Record<string, FlagSpec>>, positionals },
    common: { json: parsed.values.json === true, quiet: parsed.values.quiet === true },
  };
}
