/**
 * The entry point every minimesh app shares: flags (with their environment variables) → `--help`
 * or a flag error (one line and a hint, exit 2: a bad value, an unknown flag, an argument that is
 * not a flag, flags that do not fit together) → start → graceful stop on SIGTERM/SIGINT; a failure
 * to start is one line with its reason, exit 1 (the stack only with MINIMESH_DEBUG=1).
 */
import { FlagError, helpText, parseFlags, type FlagSpecs, type FlagValues, type ParsedFlags } from './flags.js';
import { createLogger, type Logger } from './logger.js';
import { onShutdown } from './shutdown.js';

export interface AppSpec<S extends FlagSpecs> {
  /** Binary name: `minimesh-apiserver`; also the logger's component without the prefix. */
  name: string;
  description: string;
  flags: S;
  /** Where the flags' values come from besides argv (default: process.env). */
  env?: (argv: string[]) => NodeJS.ProcessEnv;
  /** Checks flags against each other; throw an Error whose message names them. */
  validate?: (values: FlagValues<S>) => void;
  /** Starts the app; returns how to stop it. */
  start(values: FlagValues<S>, log: Logger): Promise<() => Promise<void>>;
}

export function runApp<S extends FlagSpecs>(spec: AppSpec<S>): void {
  const usage = `${spec.name} [flags]`;
  const run = async (): Promise<void> => {
    const argv = process.argv.slice(2);
    let parsed;
    try {
      parsed = readFlags(spec, argv, spec.env ? spec.env(argv) : process.env);
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
  run().catch((e: unknown) => {
    process.stderr.write(`${spec.name}: ${startFailure(e)}\n`);
    process.exit(1);
  });
}

/**
 * The flags of an app, as runApp reads them: parsed, then checked together (`validate`); an
 * argument that is not a flag is refused in kube-apiserver's words. Throws FlagError.
 */
export function readFlags<S extends FlagSpecs>(spec: Pick<AppSpec<S>, 'name' | 'flags' | 'validate'>, argv: string[], env: NodeJS.ProcessEnv): ParsedFlags<S> {
  const parsed = parseFlags(spec.flags, argv, env);
  if (parsed.help) return parsed;
  if (parsed.positionals.length > 0) {
    throw new FlagError(`"${spec.name}" does not take any arguments, got [${parsed.positionals.map((a) => JSON.stringify(a)).join(' ')}]`);
  }
  if (spec.validate) {
    try {
      spec.validate(parsed.values);
    } catch (e) {
      throw e instanceof FlagError ? e : new FlagError((e as Error).message);
    }
  }
  return parsed;
}

/** One line saying why an app could not start (a port in use, a data directory it cannot write). */
export function startFailure(e: unknown, debug = Boolean(process.env.MINIMESH_DEBUG)): string {
  if (!(e instanceof Error)) return String(e);
  if (debug) return e.stack ?? e.message;
  const err = e as NodeJS.ErrnoException & { address?: string; port?: number };
  const where = `${err.address ?? ''}${err.port !== undefined ? `:${err.port}` : ''}`;
  if (err.code === 'EADDRINUSE') return `cannot listen on ${where}: address already in use`;
  if (err.code === 'EADDRNOTAVAIL') return `cannot listen on ${where}: address not available on this host`;
  if (err.code === 'EACCES' && err.syscall === 'listen') return `cannot listen on ${where}: permission denied`;
  // Node's "ENOTDIR: not a directory, mkdir '/x/y'" as Go's os.PathError words it: "mkdir /x/y: not a directory".
  const fsError = /^[A-Z]+: (.+), \w+ '.*'$/.exec(err.message);
  if (err.syscall && err.path !== undefined && fsError) return `${err.syscall} ${err.path}: ${fsError[1]}`;
  return (e.message || String(e)).split('\n')[0]!;
}
