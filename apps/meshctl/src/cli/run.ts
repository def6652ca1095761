/**
 * The command line: find the command, parse its flags (global flags may come anywhere), print help,
 * run it, and print any failure the way kubectl does. Returns the exit code.
 */
import { apiResourcesCommand } from '../commands/api-resources.js';
import { applyCommand } from '../commands/apply.js';
import { annotateCommand, labelCommand } from '../commands/label.js';
import { patchCommand } from '../commands/patch.js';
import { createCommand } from '../commands/create.js';
import { deleteCommand } from '../commands/delete.js';
import { describeCommand } from '../commands/describe.js';
import { exposeCommand } from '../commands/expose.js';
import { getCommand } from '../commands/get.js';
import type { Command, Credentials, GlobalContext } from './command.js';
import { DEFAULT_SERVER, GLOBAL_FLAGS, GLOBAL_VALUE_FLAGS } from './command.js';
import { CliError, formatError } from './errors.js';
import { CommandLine, FlagError, parseCommandLine } from '@minimesh/runtime';
import { commandHelp, rootHelp } from './help.js';
import type { CommandIO } from './io.js';
import { lazyClient, type LazyClient } from './lazy-client.js';
import type { ApiClient } from '@minimesh/client';

export const COMMANDS: readonly Command[] = [
  createCommand,
  exposeCommand,
  getCommand,
  deleteCommand,
  applyCommand,
  patchCommand,
  labelCommand,
  annotateCommand,
  describeCommand,
  apiResourcesCommand,
];

/** The index of the command name in argv, skipping global flags and their values. */
function commandIndex(argv: readonly string[]): number {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') return i + 1 < argv.length ? i + 1 : -1;
    if (GLOBAL_VALUE_FLAGS.has(a)) {
      i++;
      continue;
    }
    if (!a.startsWith('-')) return i;
  }
  return -1;
}

export interface RunEnvironment {
  env?: Readonly<Record<string, string | undefined>>;
  /** Connects to the apiserver at the resolved address; used, on first call, when `io.client` is absent. */
  connect?: (server: string, credentials: Credentials) => Promise<ApiClient>;
}

export type RunIO = Omit<CommandIO, 'client'> & { client?: ApiClient };

export async function run(argv: readonly string[], runIO: RunIO, runEnv: RunEnvironment = {}): Promise<number> {
  let lazy: LazyClient | undefined;
  try {
    return await runCommand(argv, runIO, runEnv, (server, credentials) => {
      if (runIO.client) return runIO.client;
      if (!runEnv.connect) throw new Error('no apiserver client configured');
      const connect = runEnv.connect;
      lazy = lazyClient(() => connect(server, credentials));
      return lazy;
    });
  } finally {
    lazy?.close();
  }
}

async function runCommand(
  argv: readonly string[],
  runIO: RunIO,
  runEnv: RunEnvironment,
  clientFor: (server: string, credentials: Credentials) => ApiClient,
): Promise<number> {
  const env = runEnv.env ?? {};
  let server = env.MINIMESH_SERVER || DEFAULT_SERVER;
  const idx = commandIndex(argv);
  let name = idx >= 0 ? argv[idx]! : undefined;
  let rest = idx >= 0 ? [...argv.slice(0, idx), ...argv.slice(idx + 1)] : [...argv];
  if (name === 'help') {
    const target = rest.find((a) => !a.startsWith('-'));
    name = target;
    rest = ['--help'];
    if (!target) {
      runIO.stdout.write(rootHelp(COMMANDS));
      return 0;
    }
  }
  if (name === undefined) {
    runIO.stdout.write(rootHelp(COMMANDS));
    return 0;
  }
  const cmd = COMMANDS.find((c) => c.name === name || c.aliases?.includes(name!));
  if (!cmd) {
    runIO.stderr.write(`error: unknown command "${name}" for "meshctl"\nRun 'meshctl --help' for usage.\n`);
    return 1;
  }
  try {
    const specs = [...cmd.flags, ...GLOBAL_FLAGS];
    let flags: CommandLine;
    try {
      flags = new CommandLine(parseCommandLine(rest, specs), specs, env);
    } catch (e) {
      if (e instanceof FlagError) throw new CliError(e.message, `See 'meshctl ${cmd.name} --help' for usage.`);
      throw e;
    }
    if (flags.bool('help')) {
      runIO.stdout.write(commandHelp(cmd));
      return 0;
    }
    server = flags.string('server', DEFAULT_SERVER);
    const ctx: GlobalContext = {
      namespace: flags.string('namespace') || 'default',
      namespaceGiven: flags.given('namespace') && flags.string('namespace') !== '',
      server,
    };
    const credentials: Credentials = {};
    if (flags.string('certificate-authority')) credentials.caFile = flags.string('certificate-authority');
    if (flags.string('client-certificate')) credentials.certFile = flags.string('client-certificate');
    if (flags.string('client-key')) credentials.keyFile = flags.string('client-key');
    if (flags.string('token')) credentials.token = flags.string('token');
    if (flags.string('token-file')) credentials.tokenFile = flags.string('token-file');
    return await cmd.run(flags, { ...runIO, client: clientFor(server, credentials) }, ctx);
  } catch (e) {
    runIO.stderr.write(formatError(e, { server }));
    return 1;
  }
}
