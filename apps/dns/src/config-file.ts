/**
 * The `--config` file: a JSON object whose keys are flag names. Its values are turned into
 * environment-style strings placed under the real environment, so flags and environment win.
 */
import { readFileSync } from 'node:fs';
import { FlagError, envName, type FlagSpecs } from '@minimesh/runtime';

/** The config path from the arguments (`--config x`, `--config=x`) or the environment. */
export function configPath(specs: FlagSpecs, argv: readonly string[], env: NodeJS.ProcessEnv): string {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--config') return argv[i + 1] ?? '';
    if (a.startsWith('--config=')) return a.slice('--config='.length);
  }
  const spec = specs.config;
  return spec ? (env[envName('config', spec)] ?? '') : '';
}

/**
 * Keys whose list items are lines, not comma-separated values: `acl` takes its policies or rules
 * as an array, one per item (`["cluster.local { allow }", ". { allow net 10.0.0.0/8; block }"]`).
 */
const LINE_LISTS = new Set(['acl']);

export function configEnv(specs: FlagSpecs, path: string, read: (p: string) => string = (p) => readFileSync(p, 'utf8')): Record<string, string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(read(path));
  } catch (e) {
    throw new FlagError(`config file ${path}: ${(e as Error).message}`);
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new FlagError(`config file ${path}: must be a JSON object`);
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(parsed)) {
    const spec = specs[key];
    if (!spec || key === 'config') throw new FlagError(`config file ${path}: unknown key "${key}"`);
    if (Array.isArray(value)) out[envName(key, spec)] = value.map(String).join(LINE_LISTS.has(key) ? '\n' : ',');
    else if (['string', 'number', 'boolean'].includes(typeof value)) out[envName(key, spec)] = String(value);
    else throw new FlagError(`config file ${path}: "${key}" must be a string, number, boolean or list`);
  }
  return out;
}
