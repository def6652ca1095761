/**
 * The server apps' flags, in the nats.js options style: a spec gives each flag its default (whose
 * type is the flag's type: string, number or boolean), an optional `parse`, and an environment
 * equivalent (MINIMESH_<FLAG> unless `env` says otherwise); `parseFlags` returns a fully-defaulted,
 * validated options object (flag > environment > default) or throws a FlagError naming the flag.
 * The command line itself is read by the project's one parser (./command-line.ts).
 */
import { FlagError, parseBool, parseCommandLine, type FlagDef } from './command-line.js';

export { FlagError } from './command-line.js';

export interface FlagSpec<T> {
  description: string;
  default: T;
  /** Environment variable; MINIMESH_<UPPER_SNAKE> of the flag name unless given. */
  env?: string;
  /** Parses the raw text; throw an Error with a short reason when it is not acceptable. */
  parse?: (raw: string) => T;
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

export function parseFlags<S extends FlagSpecs>(specs: S, argv: string[], env: NodeJS.ProcessEnv = process.env): ParsedFlags<S> {
  const defs: FlagDef[] = [HELP, ...Object.entries(specs).map(([name, spec]) => ({ name, type: typeof spec.default === 'boolean' ? ('bool' as const) : ('string' as const), help: spec.description }))];
  const parsed = parseCommandLine(argv, defs);
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
  const lines = [description, '', `Usage: ${usage}`, '', 'Flags (each also settable by the environment variable shown):'];
  for (const [flag, spec] of Object.entries(specs)) {
    const def = spec.default === '' ? '' : ` (default ${JSON.stringify(spec.default)})`;
    lines.push(`  --${flag}  [$${envName(flag, spec)}]`);
    lines.push(`      ${spec.description}${def}`);
  }
  lines.push('  -h, --help', '      Show this help.');
  return lines.join('\n') + '\n';
}
