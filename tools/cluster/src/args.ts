/**
 * Command-line arguments of minimesh-cluster, kubectl style (the project's one parser,
 * @minimesh/runtime's parseCommandLine): `--flag value`, `--flag=value`, short `-n value`,
 * repeated flags (`--port 80 --port 53/udp`), booleans (`--ready`, `--ready=false`), and
 * everything after `--` kept as is (for `exec`).
 */
import { CommandLine, FlagError, parseCommandLine, type FlagDef, type FlagType } from '@minimesh/runtime';

const TYPES: Record<OptType, FlagType> = { string: 'string', bool: 'bool', list: 'strings' };

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

/** Reads argv with the project's one command-line parser (pflag's rules), into the shape the commands use. */
export function parseArgs(argv: string[], specs: OptSpecs, env: NodeJS.ProcessEnv = process.env): ParsedArgs {
  const defs: FlagDef[] = [
    { name: 'help', short: 'h', type: 'bool', help: '' },
    ...Object.entries(specs).map(([name, spec]) => ({ name, short: spec.short, type: TYPES[spec.type], help: spec.help, env: spec.env })),
  ];
  let parsed;
  try {
    parsed = parseCommandLine(argv, defs);
  } catch (e) {
    if (e instanceof FlagError) throw new UsageError(e.message);
    throw e;
  }
  const line = new CommandLine(parsed, defs, env);
  const out: ParsedArgs = { strings: {}, bools: {}, lists: {}, positionals: parsed.positionals, rest: parsed.rest, help: parsed.values.get('help') === true };
  for (const [name, spec] of Object.entries(specs)) {
    if (spec.type === 'list') out.lists[name] = (parsed.values.get(name) as string[] | undefined) ?? [];
    else if (spec.type === 'bool') {
      const v = parsed.values.get(name);
      if (typeof v === 'boolean') out.bools[name] = v;
    } else {
      const v = line.string(name);
      if (v !== '') out.strings[name] = v;
    }
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
