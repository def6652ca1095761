/**
 * Command-line arguments of minimesh-cluster, kubectl style: `--flag value`, `--flag=value`,
 * short `-n value`, repeated flags (`--port 80 --port 53/udp`), booleans (`--ready`,
 * `--ready=false`), and everything after `--` kept as is (for `exec`).
 */

export type OptType = 'string' | 'bool' | 'list';

export interface OptSpec {
  type: OptType;
  short?: string;
  help: string;
  /** Shown in the help, e.g. NAME. */
  value?: string;
  /** Environment variable that provides a default for a string flag. */
  env?: string;
}

export type OptSpecs = Record<string, OptSpec>;

export interface ParsedArgs {
  strings: Record<string, string | undefined>;
  bools: Record<string, boolean | undefined>;
  lists: Record<string, string[]>;
  positionals: string[];
  /** Arguments after `--`. */
  rest: string[];
  help: boolean;
}

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

function parseBool(name: string, raw: string): boolean {
  if (['true', '1', 'yes'].includes(raw)) return true;
  if (['false', '0', 'no'].includes(raw)) return false;
  throw new UsageError(`invalid value for --${name}: "${raw}" is not a boolean`);
}

export function parseArgs(argv: string[], specs: OptSpecs, env: NodeJS.ProcessEnv = process.env): ParsedArgs {
  const out: ParsedArgs = { strings: {}, bools: {}, lists: {}, positionals: [], rest: [], help: false };
  for (const [name, spec] of Object.entries(specs)) {
    if (spec.type === 'list') out.lists[name] = [];
    if (spec.type === 'string' && spec.env && env[spec.env]) out.strings[name] = env[spec.env];
  }
  const byShort = new Map(Object.entries(specs).flatMap(([n, s]) => (s.short ? [[s.short, n] as const] : [])));
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      out.rest = argv.slice(i + 1);
      break;
    }
    if (arg === '--help' || arg === '-h') {
      out.help = true;
      continue;
    }
    let name: string;
    let inline: string | undefined;
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      name = arg.slice(2, eq === -1 ? undefined : eq);
      inline = eq === -1 ? undefined : arg.slice(eq + 1);
    } else if (/^-[A-Za-z]$/.test(arg)) {
      const long = byShort.get(arg.slice(1));
      if (!long) throw new UsageError(`unknown flag: ${arg}`);
      name = long;
    } else {
      out.positionals.push(arg);
      continue;
    }
    const spec = specs[name];
    if (!spec) throw new UsageError(`unknown flag: --${name}`);
    if (spec.type === 'bool') {
      out.bools[name] = inline === undefined ? true : parseBool(name, inline);
      continue;
    }
    let value = inline;
    if (value === undefined) {
      value = argv[i + 1];
      if (value === undefined) throw new UsageError(`flag needs an argument: --${name}`);
      i++;
    }
    if (spec.type === 'list') out.lists[name]!.push(value);
    else out.strings[name] = value;
  }
  return out;
}

export function helpText(usage: string, description: string, specs: OptSpecs): string {
  const lines = [description, '', `Usage: ${usage}`];
  const entries = Object.entries(specs);
  if (entries.length) lines.push('', 'Flags:');
  for (const [name, spec] of entries) {
    const short = spec.short ? `-${spec.short}, ` : '';
    const value = spec.type === 'bool' ? '' : ` ${spec.value ?? 'VALUE'}`;
    const env = spec.env ? ` [$${spec.env}]` : '';
    lines.push(`  ${short}--${name}${value}${env}`, `      ${spec.help}`);
  }
  lines.push('  -h, --help', '      Show this help.');
  return lines.join('\n') + '\n';
}
