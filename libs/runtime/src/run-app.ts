/**
 * The entry point every minimesh app shares: flags (with their environment variables) → `--help`
 * or a flag error (exit 2, with the help text) → start → graceful stop on SIGTERM/SIGINT; a
 * failure to start exits 1 with its reason.
 */
import { FlagError, helpText, parseFlags, type FlagSpecs, type FlagValues } from './flags.js';
import { createLogger, type Logger } from './logger.js';
import { onShutdown } from './shutdown.js';

export interface AppSpec<S extends FlagSpecs> {
  /** Binary name: `minimesh-apiserver`; also the logger's component without the prefix. */
  name: string;
  description: string;
  flags: S;
  /** Where the flags' values come from besides argv (default: process.env). */
  env?: (argv: string[]) => NodeJS.ProcessEnv;
  /** Starts the app; returns how to stop it. */
  start(values: FlagValues<S>, log: Logger): Promise<() => Promise<void>>;
}

export function runApp<S extends FlagSpecs>(spec: AppSpec<S>): void {
  const usage = `${spec.name} [flags]`;
  const run = async (): Promise<void> => {
    const argv = process.argv.slice(2);
    let parsed;
    try {
      parsed = parseFlags(spec.flags, argv, spec.env ? spec.env(argv) : process.env);
    } catch (e) {
      if (!(e instanceof FlagError)) throw e;
      process.stderr.write(`error: ${e.message}\n\n${helpText(usage, spec.description, spec.flags)}`);
      process.exit(2);
    }
    if (parsed.help) {
      process.stdout.write(helpText(usage, spec.description, spec.flags));
      return;
    }
    const log = createLogger(spec.name.replace(/^minimesh-/, ''));
    const stop = await spec.start(parsed.values, log);
    onShutdown(log, stop);
  };
  run().catch((e: Error) => {
    process.stderr.write(`${spec.name}: ${e.stack ?? e.message}\n`);
    process.exit(1);
  });
}
