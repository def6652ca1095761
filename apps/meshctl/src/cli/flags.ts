/**
 * A small pflag-like parser: `--name=value`, `--name value`, `-n value`, `-nvalue`, `-n=value`,
 * grouped boolean shorthands (`-Aw`), `--bool=false`, repeatable flags, flags anywhere among the
 * arguments, and `--` to end them. Errors are worded as pflag words them.
 */

export type FlagType = 'string' | 'bool' | 'strings';
import { pushAll } from '@minimesh/api';

export interface FlagSpec {
  name: string;
  short?: string;
  type: FlagType;
  /** For help: the default as kubectl prints it (`''`, `false`, `[]`, ...). */
  defaultText?: string;
  help: string;
  /** Environment variable that sets the flag when it is not given. */
  env?: string;
}

export interface ParsedFlags {
  /** Values by flag name: string, boolean, or string[] for `strings`. Absent when not given. */
  values: Map<string, string | boolean | string[]>;
  positionals: string[];
}

export class FlagError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FlagError';
  }
}

export function parseFlags(argv: readonly string[], specs: readonly FlagSpec[]): ParsedFlags {
  const byName = new Map(specs.map((s) => [s.name, s]));
  const byShort = new Map(specs.filter((s) => s.short).map((s) => [s.short!, s]));
  const values = new Map<string, string | boolean | string[]>();
  const positionals: string[] = [];

  const set = (spec: FlagSpec, raw: string | undefined, shown: string): void => {
    if (spec.type === 'bool') {
      if (raw === undefined || raw === 'true') values.set(spec.name, true);
      else if (raw === 'false') values.set(spec.name, false);
      else throw new FlagError(`invalid argument "${raw}" for "${shown}" flag: strconv.ParseBool: parsing "${raw}": invalid syntax`);
      return;
    }
    if (raw === undefined) throw new FlagError(`flag needs an argument: ${shown}`);
    if (spec.type === 'strings') {
      const prev = (values.get(spec.name) as string[] | undefined) ?? [];
      values.set(spec.name, [...prev, ...raw.split(',').filter((v) => v !== '')]);
    } else {
      values.set(spec.name, raw);
    }
  };

  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      pushAll(positionals, argv.slice(i + 1));
      break;
    }
    if (arg.startsWith('--') && arg.length > 2) {
      const eq = arg.indexOf('=');
      const name = eq >= 0 ? arg.slice(2, eq) : arg.slice(2);
      const spec = byName.get(name);
      if (!spec) throw new FlagError(`unknown flag: --${name}`);
      let raw: string | undefined = eq >= 0 ? arg.slice(eq + 1) : undefined;
      if (raw === undefined && spec.type !== 'bool') {
        if (i + 1 >= argv.length) throw new FlagError(`flag needs an argument: --${name}`);
        raw = argv[++i];
      }
      set(spec, raw, `--${name}`);
      continue;
    }
    if (arg.startsWith('-') && arg.length > 1) {
      // One or more shorthands: `-n ns`, `-nns`, `-n=ns`, `-Aw`.
      let j = 1;
      while (j < arg.length) {
        const c = arg[j]!;
        const spec = byShort.get(c);
        if (!spec) throw new FlagError(`unknown shorthand flag: '${c}' in ${arg}`);
        const rest = arg.slice(j + 1);
        if (spec.type === 'bool') {
          if (rest.startsWith('=')) {
            set(spec, rest.slice(1), `-${c}, --${spec.name}`);
            break;
          }
          set(spec, undefined, `-${c}, --${spec.name}`);
          j++;
          continue;
        }
        let raw: string | undefined;
        if (rest.startsWith('=')) raw = rest.slice(1);
        else if (rest.length > 0) raw = rest;
        else if (i + 1 < argv.length) raw = argv[++i];
        if (raw === undefined) throw new FlagError(`flag needs an argument: '${c}' in -${c}`);
        set(spec, raw, `-${c}, --${spec.name}`);
        break;
      }
      continue;
    }
    positionals.push(arg);
  }
  return { values, positionals };
}

/** Typed access to parsed flags, with environment fallbacks. */
export class Flags {
  constructor(
    private readonly parsed: ParsedFlags,
    private readonly specs: readonly FlagSpec[],
    private readonly env: Readonly<Record<string, string | undefined>> = {},
  ) {}

  get positionals(): string[] {
    return this.parsed.positionals;
  }

  /** True when the flag was given on the command line (not from the environment). */
  given(name: string): boolean {
    return this.parsed.values.has(name);
  }

  string(name: string, fallback = ''): string {
    const v = this.parsed.values.get(name);
    if (typeof v === 'string') return v;
    const spec = this.specs.find((s) => s.name === name);
    const fromEnv = spec?.env ? this.env[spec.env] : undefined;
    return fromEnv !== undefined && fromEnv !== '' ? fromEnv : fallback;
  }

  /** The flag's value; `fallback` when it was not given (`--wait` defaults to true). */
  bool(name: string, fallback = false): boolean {
    const v = this.parsed.values.get(name);
    return typeof v === 'boolean' ? v : fallback;
  }

  strings(name: string): string[] {
    const v = this.parsed.values.get(name);
    return Array.isArray(v) ? v : [];
  }
}
