/**
 * Command-line flags with environment equivalents, in the nats.js options style:
 * a spec gives each flag its default, and `parseFlags` returns a fully-defaulted, validated
 * options object (flag > environment > default) or throws a FlagError naming the flag.
 */

export class FlagError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FlagError';
  }
}

export interface FlagSpec<T> {
  /** Kebab-case name: `--data-dir`. The env equivalent is MINIMESH_<UPPER_SNAKE> unless `env` says otherwise. */
  description: string;
  default: T;
  env?: string;
  /** Parses the raw text; throw an Error with a short reason when it is not acceptable. */
  parse?: (raw: string) => T;
}

export type FlagSpecs = Record<string, FlagSpec<unknown>>;
export type FlagValues<S extends FlagSpecs> = { [K in keyof S]: S[K]['default'] };

export function envName(flag: string, spec: FlagSpec<unknown>): string {
  return spec.env ?? `MINIMESH_${flag.replace(/-/g, '_').toUpperCase()}`;
}

function parseValue(flag: string, spec: FlagSpec<unknown>, raw: string, source: string): unknown {
  try {
    if (spec.parse) return spec.parse(raw);
    if (typeof spec.default === 'number') {
      const n = Number(raw);
      if (raw.trim() === '' || !Number.isFinite(n)) throw new Error(`"${raw}" is not a number`);
      return n;
    }
    if (typeof spec.default === 'boolean') {
      if (['true', '1', 'yes', ''].includes(raw)) return true;
      if (['false', '0', 'no'].includes(raw)) return false;
      throw new Error(`"${raw}" is not a boolean`);
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

export function parseFlags<S extends FlagSpecs>(specs: S, argv: string[], env: NodeJS.ProcessEnv = process.env): ParsedFlags<S> {
  const values: Record<string, unknown> = {};
  for (const [flag, spec] of Object.entries(specs)) {
    const e = env[envName(flag, spec)];
    values[flag] = e !== undefined ? parseValue(flag, spec, e, envName(flag, spec)) : spec.default;
  }
  const positionals: string[] = [];
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--help' || arg === '-h') {
      help = true;
      continue;
    }
    if (!arg.startsWith('--')) {
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq === -1 ? undefined : eq);
    const spec = specs[name];
    if (!spec) throw new FlagError(`unknown flag: --${name}`);
    let raw: string;
    if (eq !== -1) raw = arg.slice(eq + 1);
    else if (typeof spec.default === 'boolean') raw = 'true';
    else {
      const next = argv[i + 1];
      if (next === undefined) throw new FlagError(`flag needs an argument: --${name}`);
      raw = next;
      i++;
    }
    values[name] = parseValue(name, spec, raw, `--${name}`);
  }
  return { values: values as FlagValues<S>, help, positionals };
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
