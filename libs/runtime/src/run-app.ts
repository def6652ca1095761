/**
 * The entry point every minimesh app shares: flags (with their environment variables) → `--help`
 * or a flag error (one line and a hint, exit 2) → start → graceful stop on SIGTERM/SIGINT; a
 * failure to start is one line with its reason, exit 1 (the stack only with MINIMESH_DEBUG=1).
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
      process.stderr.write(`${spec.name}: ${e.message}\nRun '${spec.name} --help' for usage.\n`);
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
    process.stderr.write(`${spec.name}: ${startFailure(e)}\n`);
    process.exit(1);
  });
}

/** One line saying why an app could not start (a port in use, a data directory it cannot write). */
export function startFailure(e: Error): string {
  if (process.env.MINIMESH_DEBUG) return e.stack ?? e.message;
  const err = e as NodeJS.ErrnoException & { address?: string; port?: number };
  if (err.code === 'EADDRINUSE') return `cannot listen on ${err.address ?? ''}${err.port ? `:${err.port}` : ''}: address already in use`;
  if (err.code === 'EACCES' && err.syscall === 'listen') return `cannot listen on ${err.address ?? ''}${err.port ? `:${err.port}` : ''}: permission denied`;
  return (e.message || String(e)).split('\n')[0]!;
}
