/** What every meshctl command is: flags, help text and a run function over CommandIO. */
import type { CommandIO } from './io.js';
import type { CommandLine, FlagDef } from '@minimesh/runtime';

export interface GlobalContext {
  /** `-n`, else `default`. */
  namespace: string;
  /** True when `-n` was given explicitly. */
  namespaceGiven: boolean;
  /** The apiserver address (`--server`, `$MINIMESH_SERVER`, `127.0.0.1:6443`). */
  server: string;
}

export interface Command {
  name: string;
  /** Other names (`help` has none; kubectl has few). */
  aliases?: string[];
  /** One line, for `meshctl --help`. */
  summary: string;
  /** The paragraph at the top of `meshctl <cmd> --help`. */
  description: string;
  usage: string;
  examples: string;
  flags: FlagDef[];
  run(flags: CommandLine, io: CommandIO, ctx: GlobalContext): Promise<number>;
}

export const DEFAULT_SERVER = '127.0.0.1:6443';

/** Flags every command accepts. */
export const GLOBAL_FLAGS: FlagDef[] = [
  {
    name: 'server',
    short: 's',
    type: 'string',
    defaultText: `'${DEFAULT_SERVER}'`,
    env: 'MINIMESH_SERVER',
    help: 'The address (host:port) of the minimesh apiserver. Also set by $MINIMESH_SERVER.',
  },
  { name: 'namespace', short: 'n', type: 'string', defaultText: "''", help: 'If present, the namespace scope for this CLI request.' },
  { name: 'help', short: 'h', type: 'bool', defaultText: 'false', help: 'help for the command' },
];

/** Flags that take a value among the global ones, to find the command name in argv. */
export const GLOBAL_VALUE_FLAGS = new Set(['-s', '--server', '-n', '--namespace']);

export const FILENAME_FLAG: FlagDef = {
  name: 'filename',
  short: 'f',
  type: 'strings',
  defaultText: '[]',
  help: "Filename, directory, or '-' for standard input, that contains the configuration.",
};

export const RECURSIVE_FLAG: FlagDef = {
  name: 'recursive',
  short: 'R',
  type: 'bool',
  defaultText: 'false',
  help: 'Process the directory used in -f, --filename recursively.',
};

export const SELECTOR_FLAG: FlagDef = {
  name: 'selector',
  short: 'l',
  type: 'string',
  defaultText: "''",
  help: "Selector (label query) to filter on, supports '=', '==', '!=', 'in', 'notin'. (e.g. -l key1=value1,key2=value2)",
};

export const ALL_NAMESPACES_FLAG: FlagDef = {
  name: 'all-namespaces',
  short: 'A',
  type: 'bool',
  defaultText: 'false',
  help: "If present, list the requested object(s) across all namespaces. Namespace in current context is ignored even if specified with --namespace.",
};

export const DRY_RUN_FLAG: FlagDef = {
  name: 'dry-run',
  type: 'string',
  defaultText: "'none'",
  help: 'Must be "none" or "client". If client strategy, only print the object that would be sent, without sending it.',
};
