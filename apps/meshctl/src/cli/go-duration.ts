/**
 * A duration flag as kubectl's (Go's time.ParseDuration through pflag) reads it: `30s`, `1m30s`,
 * `1h2m`, `.5s`, `300ms`; a bare number only when it is 0 (Go: `time: missing unit`). Returns
 * seconds; throws kubectl's flag error (`invalid argument "x" for "--timeout" flag: time: ...`)
 * with the usage hint meshctl gives every bad flag.
 */
import { parseDuration } from '@minimesh/runtime';
import { CliError } from './errors.js';

export function parseDurationFlag(raw: string, flag: string, command: string): number {
  const fail = (why: string): never => {
    throw new CliError(`invalid argument "${raw}" for "--${flag}" flag: ${why}`, `See 'meshctl ${command} --help' for usage.`);
  };
  if (raw !== raw.trim()) fail(`time: invalid duration "${raw}"`);
  if (/^[-+]?0$/.test(raw)) return 0;
  if (/^[-+]?(\d+\.?\d*|\.\d+)$/.test(raw)) fail(`time: missing unit in duration "${raw}"`);
  try {
    return parseDuration(raw);
  } catch (e) {
    return fail(e instanceof Error ? e.message : String(e));
  }
}
