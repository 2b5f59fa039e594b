import type { CommandContext } from './command-context.js';

/**
 * One flag of a command. The key under which a flag is declared is the flag as typed (`weight-decay`), and its value
 * reaches the command under the API option's name (`weightDecay`), so CLI flags stay the API names in kebab-case.
 */
export type FlagSpec = StringFlag | IntegerFlag | NumberFlag | NumberListFlag | ChoiceFlag | BooleanFlag;

interface FlagBase {
  /** One line for --help; the API option's JSDoc, shortened. */
  description: string;
  /** Shown as `(default: …)` in --help. Documentation only: the API applies its own defaults. */
  default?: string | number | boolean | readonly (string | number)[];
  /** Section of --help the flag is listed under. @default 'Options' */
  group?: string;
  /** A missing required flag is a usage error; `requiredReason` says why it cannot be left out. */
  required?: boolean;
  requiredReason?: string;
  /** Single-letter alias. */
  short?: string;
}

/** Free text or a path; `placeholder` names it in --help (DIR, PATH, ID). */
export interface StringFlag extends FlagBase {
  kind: 'string';
  placeholder: string;
}

export interface IntegerFlag extends FlagBase {
  kind: 'integer';
  /** Smallest accepted value. */
  min?: number;
}

export interface NumberFlag extends FlagBase {
  kind: 'number';
  /** Values must be above this when `minExclusive`, else at least this. */
  min?: number;
  minExclusive?: boolean;
  /** Values must be below this when `maxExclusive`, else at most this. */
  max?: number;
  maxExclusive?: boolean;
}

/** Comma-separated numbers: `--hidden 256,128`. */
export interface NumberListFlag extends FlagBase {
  kind: 'numbers';
  /** Exact count of numbers expected (mean and std take three). */
  length?: number;
  /** Every number must be an integer. */
  integers?: boolean;
  /** Every number must be above this (exclusive). */
  above?: number;
  placeholder: string;
}

export interface ChoiceFlag<C extends string = string> extends FlagBase {
  kind: 'choice';
  choices: readonly C[];
}

/** Present or absent; never takes a value. */
export interface BooleanFlag extends FlagBase {
  kind: 'boolean';
}

/** `weight-decay` -> `weightDecay`, at the type level. */
export type CamelCase<S extends string> = S extends `${infer Head}-${infer Tail}` ? `${Head}${Capitalize<CamelCase<Tail>>}` : S;

type FlagValue<F> = F extends { kind: 'boolean' }
  ? boolean
  : F extends { kind: 'integer' | 'number' }
    ? number
    : F extends { kind: 'numbers' }
      ? number[]
      : F extends { kind: 'choice'; choices: readonly (infer C)[] }
        ? C
        : string;

/** Parsed flag values, keyed by option name; booleans are always present, other flags only when required. */
export type FlagValues<Flags extends Record<string, FlagSpec>> = {
  [K in keyof Flags & string as CamelCase<K>]: Flags[K] extends { kind: 'boolean' }
    ? boolean
    : Flags[K] extends { required: true }
      ? FlagValue<Flags[K]>
      : FlagValue<Flags[K]> | undefined;
};

export interface PositionalSpec {
  /** Shown in usage, upper case: FILE, ID. */
  name: string;
  description: string;
  min: number;
  /** @default Infinity */
  max?: number;
}

export interface ParsedArgs<Flags extends Record<string, FlagSpec>> {
  flags: FlagValues<Flags>;
  positionals: string[];
}

export interface CommandSpec<Flags extends Record<string, FlagSpec> = Record<string, FlagSpec>> {
  /** As typed after `headstart`: 'train', 'zoo list'. */
  name: string;
  /** One line for the command list. */
  summary: string;
  /** A paragraph for the command's --help. */
  description?: string;
  flags: Flags;
  positionals?: PositionalSpec;
  examples?: string[];
  /** Environment variables the command reads, for --help. */
  env?: Record<string, string>;
  /** Prints its result and resolves to the exit code (0 unless the command says otherwise). */
  run(args: ParsedArgs<Flags>, ctx: CommandContext): Promise<number | void>;
}

/** Declares a command; `const` keeps choice lists literal, so parsed values get their union types. */
export function defineCommand<const Flags extends Record<string, FlagSpec>>(spec: CommandSpec<Flags>): CommandSpec<Flags> {
  return spec;
}

/** `weight-decay` -> `weightDecay`. */
export function camelCase<S extends string>(flag: S): CamelCase<S> {
  return flag.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase()) as CamelCase<S>;
}
