/**
 * The server apps' flags, in the nats.js options style: a spec gives each flag its default (whose
 * type is the flag's type: string, number or boolean), an optional `parse`, and an environment
 * equivalent (MINIMESH_<FLAG> unless `env` says otherwise); `parseFlags` returns a fully-defaulted,
 * validated options object (flag > environment > default) or throws a FlagError naming the flag.
 * The command line itself is read by the project's one parser (./command-line.ts), and the help
 * is laid out by its `usageText`.
 *
 * Value parsers for the usual kinds of flag sit here too, so every app words a bad value the same
 * way: `durationFlag` (Go durations, `30s`, `1m30s`, `500ms`, or a bare number of seconds),
 * `integer(min, max)` and `oneOf(...)`.
 */
import { FlagError, parseBool, parseCommandLine, usageText, type FlagDef } from './command-line.js';

export { FlagError } from './command-line.js';

export interface FlagSpec<T> {
  description: string;
  default: T;
  /** Environment variable; MINIMESH_<UPPER_SNAKE> of the flag name unless given. */
  env?: string;
  /** Parses the raw text; throw an Error with a short reason when it is not acceptable. */
  parse?: (raw: string) => T;
  /** For help: the default as the user would write it (`30s`); JSON of `default` unless given. */
  defaultText?: string;
  /** For help: what the value is (`DURATION`); `VALUE` unless given. */
  valueName?: string;
}

export type FlagSpecs = Record<string, FlagSpec<unknown>>;
export type FlagValues<S extends FlagSpecs> = { [K in keyof S]: S[K]['default'] };

export function envName(flag: string, spec: FlagSpec<unknown>): string {
  return spec.env ?? `MINIMESH_${flag.replace(/-/g, '_').toUpperCase()}`;
}

function parseValue(spec: FlagSpec<unknown>, raw: string, source: string): unknown {
  try {
    if (spec.parse) return spec.parse(raw);
    if (typeof spec.default === 'number') {
      const n = Number(raw);
      if (raw.trim() === '' || !Number.isFinite(n)) throw new Error(`"${raw}" is not a number`);
      return n;
    }
    if (typeof spec.default === 'boolean') {
      if (raw === '') return true;
      try {
        return parseBool(raw, source);
      } catch {
        throw new Error(`"${raw}" is not a boolean`);
      }
    }
    return raw;
  } catch (e) {
    throw new FlagError(`invalid value for ${source}: ${(e as Error).message}`);
  }
}

export interface ParsedFlags<S extends FlagSpecs> {
  values: FlagValues<S>;
  help: boolean;
  /** Arguments that are not flags. */
  positionals: string[];
}

const HELP: FlagDef = { name: 'help', short: 'h', type: 'bool', help: 'Show this help.' };

/** The specs as the one parser's definitions (with their environment variables and defaults, for help). */
export function flagDefs(specs: FlagSpecs): FlagDef[] {
  return Object.entries(specs).map(([name, spec]) => ({
    name,
    type: typeof spec.default === 'boolean' ? ('bool' as const) : ('string' as const),
    help: spec.description,
    env: envName(name, spec),
    valueName: spec.valueName,
    defaultText: spec.defaultText ?? (spec.default === '' ? undefined : JSON.stringify(spec.default)),
  }));
}

export function parseFlags<S extends FlagSpecs>(specs: S, argv: string[], env: NodeJS.ProcessEnv = process.env): ParsedFlags<S> {
  const parsed = parseCommandLine(argv, [HELP, ...flagDefs(specs)]);
  const values: Record<string, unknown> = {};
  for (const [flag, spec] of Object.entries(specs)) {
    const given = parsed.values.get(flag);
    const fromEnv = env[envName(flag, spec)];
    if (given !== undefined) values[flag] = parseValue(spec, String(given), `--${flag}`);
    else if (fromEnv !== undefined) values[flag] = parseValue(spec, fromEnv, envName(flag, spec));
    else values[flag] = spec.default;
  }
  return { values: values as FlagValues<S>, help: parsed.values.get('help') === true, positionals: [...parsed.positionals, ...parsed.rest] };
}

export function helpText(usage: string, description: string, specs: FlagSpecs): string {
  return usageText(usage, description, flagDefs(specs), 'Flags (each also settable by the environment variable shown):');
}

// ---- value parsers ----

const UNIT_SECONDS: Record<string, number> = { ns: 1e-9, us: 1e-6, µs: 1e-6, μs: 1e-6, ms: 1e-3, s: 1, m: 60, h: 3600 };

/**
 * A duration in seconds: Go's time.ParseDuration syntax (`300ms`, `1.5h`, `2h45m`, `-1s`), as
 * Kubernetes' and CoreDNS's duration flags take it, or a bare number of seconds. Throws with Go's
 * words (`time: invalid duration "x"`).
 */
export function parseDuration(raw: string): number {
  const s = raw.trim();
  if (/^[-+]?(\d+\.?\d*|\.\d+)$/.test(s)) return Number(s);
  const m = /^([-+]?)((?:(?:\d+\.?\d*|\.\d+)[a-zµμ]+)+)$/.exec(s);
  if (!m) throw new Error(`time: invalid duration "${raw}"`);
  let total = 0;
  for (const [, num, unit] of m[2]!.matchAll(/(\d+\.?\d*|\.\d+)([a-zµμ]+)/g)) {
    const factor = UNIT_SECONDS[unit!];
    if (factor === undefined) throw new Error(`time: unknown unit "${unit}" in duration "${raw}"`);
    total += Number(num) * factor;
  }
  return m[1] === '-' ? -total : total;
}

/** Seconds as Go's Duration.String() writes them: `30s`, `1m0s`, `24h0m0s`, `500ms`. */
export function formatDuration(seconds: number): string {
  if (seconds === 0) return '0s';
  const sign = seconds < 0 ? '-' : '';
  const abs = Math.abs(seconds);
  if (abs < 1) {
    const ms = Math.round(abs * 1e6) / 1e3;
    return ms >= 1 ? `${sign}${ms}ms` : `${sign}${Math.round(abs * 1e9) / 1e3}µs`;
  }
  const h = Math.floor(abs / 3600);
  const min = Math.floor((abs - h * 3600) / 60);
  const sec = Math.round((abs - h * 3600 - min * 60) * 1e9) / 1e9;
  if (h > 0) return `${sign}${h}h${min}m${sec}s`;
  if (min > 0) return `${sign}${min}m${sec}s`;
  return `${sign}${sec}s`;
}

export interface DurationLimits {
  /** `positive`: more than 0 (kube-proxy's and client-go's periods); `non-negative`: 0 or more. */
  min?: 'positive' | 'non-negative';
}

/** Parses a duration flag (seconds) and checks its sign, in Kubernetes' words. */
export function duration(limits: DurationLimits = {}): (raw: string) => number {
  return (raw) => {
    const n = parseDuration(raw);
    if (limits.min === 'positive' && !(n > 0)) throw new Error(`"${raw}": must be greater than 0`);
    if (limits.min === 'non-negative' && n < 0) throw new Error(`"${raw}": must be greater than or equal to 0`);
    return n;
  };
}

/** A flag whose value is a duration, held in seconds; help shows the default as a Go duration. */
export function durationFlag(description: string, defaultSeconds: number, limits: DurationLimits = {}): FlagSpec<number> {
  return { description, default: defaultSeconds, defaultText: formatDuration(defaultSeconds), valueName: 'DURATION', parse: duration(limits) };
}

/** Parses an integer from `min` to `max` (inclusive). */
export function integer(min: number, max = Number.MAX_SAFE_INTEGER): (raw: string) => number {
  return (raw) => {
    const n = Number(raw);
    if (raw.trim() === '' || !Number.isInteger(n)) throw new Error(`"${raw}" is not an integer`);
    if (n < min || n > max) throw new Error(max === Number.MAX_SAFE_INTEGER ? `"${raw}": must be greater than or equal to ${min}` : `${raw} is not an integer between ${min} and ${max}`);
    return n;
  };
}

/** Accepts one of `allowed`. */
export function oneOf<T extends string>(allowed: readonly T[]): (raw: string) => T {
  return (raw) => {
    if (!(allowed as readonly string[]).includes(raw)) throw new Error(`"${raw}" is not one of ${allowed.join(', ')}`);
    return raw as T;
  };
}

/** Accepts any text but the empty one. */
export function nonEmpty(raw: string): string {
  if (raw.trim() === '') throw new Error('must not be empty');
  return raw;
}
