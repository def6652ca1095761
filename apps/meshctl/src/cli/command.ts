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

/** Who meshctl is to the apiserver: kubectl's flags, each also set by its $MINIMESH_ variable. */
export interface Credentials {
  caFile?: string;
  certFile?: string;
  keyFile?: string;
  token?: string;
  tokenFile?: string;
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
  {
    name: 'certificate-authority',
    type: 'string',
    defaultText: "''",
    env: 'MINIMESH_CERTIFICATE_AUTHORITY',
    help: 'Path to a cert file for the certificate authority. Also set by $MINIMESH_CERTIFICATE_AUTHORITY.',
  },
  { name: 'client-certificate', type: 'string', defaultText: "''", env: 'MINIMESH_CLIENT_CERTIFICATE', help: 'Path to a client certificate file for TLS. Also set by $MINIMESH_CLIENT_CERTIFICATE.' },
  { name: 'client-key', type: 'string', defaultText: "''", env: 'MINIMESH_CLIENT_KEY', help: 'Path to a client key file for TLS. Also set by $MINIMESH_CLIENT_KEY.' },
  { name: 'token', type: 'string', defaultText: "''", env: 'MINIMESH_TOKEN', help: 'Bearer token for authentication to the API server. Also set by $MINIMESH_TOKEN.' },
  { name: 'token-file', type: 'string', defaultText: "''", env: 'MINIMESH_TOKEN_FILE', help: 'File holding a bearer token. Also set by $MINIMESH_TOKEN_FILE.' },
  { name: 'namespace', short: 'n', type: 'string', defaultText: "''", help: 'If present, the namespace scope for this CLI request.' },
  { name: 'help', short: 'h', type: 'bool', defaultText: 'false', help: 'help for the command' },
];

/** Flags that take a value among the global ones, to find the command name in argv. */
export const GLOBAL_VALUE_FLAGS = new Set(['-s', '--server', '-n', '--namespace', '--certificate-authority', '--client-certificate', '--client-key', '--token', '--token-file']);

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
