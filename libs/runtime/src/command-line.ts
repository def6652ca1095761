/**
 * The one command-line parser of the project, pflag's rules (spf13/pflag, what kubectl uses):
 * `--name=value`, `--name value`, `-n value`, `-nvalue`, `-n=value`, grouped boolean shorthands
 * (`-Aw`), `--bool=false`, repeatable list flags (`strings`: repeated and comma-separated), flags
 * anywhere among the arguments, and `--` to end them (what follows is kept as `rest`). Errors
 * are worded as pflag words them.
 *
 * Three users sit on it: meshctl (kubectl's habits and help layout), the cluster tool (flags as
 * FlagDefs, read through CommandLine, help from `usageText`), and every server app (typed specs
 * with defaults, environment variables and `parse` hooks, ./flags.ts, help from `usageText` too).
 */

export type FlagType = 'string' | 'bool' | 'strings';

export interface FlagDef {
  name: string;
  short?: string;
  type: FlagType;
  /** For help: the default as kubectl prints it (`''`, `false`, `[]`, ...). */
  defaultText?: string;
  /** For help: what the value is (`NAME`; `VALUE` when not given; booleans take none). */
  valueName?: string;
  help: string;
  /** Environment variable that sets the flag when it is not given. */
  env?: string;
}

export class FlagError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FlagError';
  }
}

/** strconv.ParseBool's words, plus yes/no for environment variables. */
const TRUE = new Set(['1', 't', 'T', 'TRUE', 'true', 'True', 'yes']);
const FALSE = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False', 'no']);

export function parseBool(raw: string, shown: string): boolean {
  if (TRUE.has(raw)) return true;
  if (FALSE.has(raw)) return false;
  throw new FlagError(`invalid argument "${raw}" for "${shown}" flag: strconv.ParseBool: parsing "${raw}": invalid syntax`);
}

export type FlagValue = string | boolean | string[];

export interface ParsedCommandLine {
  /** Values by flag name, for the flags given on the command line. */
  values: Map<string, FlagValue>;
  /** Arguments that are not flags, before `--`. */
  positionals: string[];
  /** Arguments after `--`, as they are. */
  rest: string[];
}

export function parseCommandLine(argv: readonly string[], defs: readonly FlagDef[]): ParsedCommandLine {
  const byName = new Map(defs.map((s) => [s.name, s]));
  const byShort = new Map(defs.filter((s) => s.short).map((s) => [s.short!, s]));
  const values = new Map<string, FlagValue>();
  const positionals: string[] = [];
  let rest: string[] = [];

  const set = (def: FlagDef, raw: string | undefined, shown: string): void => {
    if (def.type === 'bool') {
      values.set(def.name, raw === undefined ? true : parseBool(raw, shown));
      return;
    }
    if (raw === undefined) throw new FlagError(`flag needs an argument: ${shown}`);
    if (def.type === 'strings') {
      const prev = (values.get(def.name) as string[] | undefined) ?? [];
      for (const v of raw.split(',')) if (v !== '') prev.push(v);
      values.set(def.name, prev);
    } else {
      values.set(def.name, raw);
    }
  };

  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      rest = argv.slice(i + 1);
      break;
    }
    if (arg.startsWith('--') && arg.length > 2) {
      const eq = arg.indexOf('=');
      const name = eq >= 0 ? arg.slice(2, eq) : arg.slice(2);
      const def = byName.get(name);
      if (!def) throw new FlagError(`unknown flag: --${name}`);
      let raw: string | undefined = eq >= 0 ? arg.slice(eq + 1) : undefined;
      if (raw === undefined && def.type !== 'bool') {
        if (i + 1 >= argv.length) throw new FlagError(`flag needs an argument: --${name}`);
        raw = argv[++i];
      }
      set(def, raw, `--${name}`);
      continue;
    }
    if (arg.startsWith('-') && arg.length > 1) {
      // One or more shorthands: `-n ns`, `-nns`, `-n=ns`, `-Aw`.
      let j = 1;
      while (j < arg.length) {
        const c = arg[j]!;
        const def = byShort.get(c);
        if (!def) throw new FlagError(`unknown shorthand flag: '${c}' in ${arg}`);
        const after = arg.slice(j + 1);
        if (def.type === 'bool') {
          if (after.startsWith('=')) {
            set(def, after.slice(1), `-${c}, --${def.name}`);
            break;
          }
          set(def, undefined, `-${c}, --${def.name}`);
          j++;
          continue;
        }
        let raw: string | undefined;
        if (after.startsWith('=')) raw = after.slice(1);
        else if (after.length > 0) raw = after;
        else if (i + 1 < argv.length) raw = argv[++i];
        if (raw === undefined) throw new FlagError(`flag needs an argument: '${c}' in -${c}`);
        set(def, raw, `-${c}, --${def.name}`);
        break;
      }
      continue;
    }
    positionals.push(arg);
  }
  return { values, positionals, rest };
}

/** Typed access to a parsed command line, with environment fallbacks. */
export class CommandLine {
  constructor(
    private readonly parsed: ParsedCommandLine,
    private readonly defs: readonly FlagDef[],
    private readonly env: Readonly<Record<string, string | undefined>> = {},
  ) {}

  /** Parses argv against `defs`; a FlagError when argv does not fit them. */
  static parse(argv: readonly string[], defs: readonly FlagDef[], env: Readonly<Record<string, string | undefined>> = {}): CommandLine {
    return new CommandLine(parseCommandLine(argv, defs), defs, env);
  }

  /** Arguments that are not flags, those after `--` included. */
  get positionals(): string[] {
    return [...this.parsed.positionals, ...this.parsed.rest];
  }

  /** Arguments that are not flags, before `--` only. */
  get args(): string[] {
    return this.parsed.positionals;
  }

  /** Arguments after `--` only. */
  get rest(): string[] {
    return this.parsed.rest;
  }

  /** True when the flag was given on the command line (not from the environment). */
  given(name: string): boolean {
    return this.parsed.values.has(name);
  }

  private fromEnv(name: string): string | undefined {
    const def = this.defs.find((s) => s.name === name);
    const v = def?.env ? this.env[def.env] : undefined;
    return v !== undefined && v !== '' ? v : undefined;
  }

  string(name: string, fallback = ''): string {
    const v = this.parsed.values.get(name);
    if (typeof v === 'string') return v;
    return this.fromEnv(name) ?? fallback;
  }

  /** The flag's value, else its environment variable's; undefined when neither is set or it is empty. */
  optional(name: string): string | undefined {
    const v = this.string(name);
    return v === '' ? undefined : v;
  }

  /** The flag's value; its environment variable's, else `fallback` when it was not given. */
  bool(name: string, fallback = false): boolean {
    const v = this.parsed.values.get(name);
    if (typeof v === 'boolean') return v;
    const e = this.fromEnv(name);
    return e !== undefined ? parseBool(e, this.defs.find((s) => s.name === name)?.env ?? name) : fallback;
  }

  strings(name: string): string[] {
    const v = this.parsed.values.get(name);
    if (Array.isArray(v)) return v;
    const e = this.fromEnv(name);
    return e !== undefined ? e.split(',').filter((x) => x !== '') : [];
  }
}

/**
 * Help text for the cluster tool's commands and the server apps: the description, the usage, then
 * one entry per flag (`-n, --namespace NS [$ENV]` over its help and default). meshctl lays its
 * help out as kubectl does instead (apps/meshctl/src/cli/help.ts).
 */
export function usageText(usage: string, description: string, defs: readonly FlagDef[], heading = 'Flags:'): string {
  const lines = [description, '', `Usage: ${usage}`];
  const shown = defs.filter((d) => d.name !== 'help');
  if (shown.length) lines.push('', heading);
  for (const d of shown) {
    const short = d.short ? `-${d.short}, ` : '';
    const value = d.type === 'bool' ? '' : ` ${d.valueName ?? 'VALUE'}`;
    const env = d.env ? ` [$${d.env}]` : '';
    const def = d.defaultText !== undefined ? ` (default ${d.defaultText})` : '';
    lines.push(`  ${short}--${d.name}${value}${env}`, `      ${d.help}${def}`);
  }
  lines.push('  -h, --help', '      Show this help.');
  return lines.join('\n') + '\n';
}
