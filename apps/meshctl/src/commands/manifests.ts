/** The `-f` part shared by apply, create and delete: load, map and decode every document. */
import type { CommandIO } from '../cli/io.js';
import type { GlobalContext } from '../cli/command.js';
import { CliError } from '../cli/errors.js';
import type { CommandLine } from '@minimesh/runtime';
import { loadManifests } from '../manifest/load.js';
import { mapDocument, type MappedObject } from '../manifest/mapping.js';

export interface MappedManifests {
  objects: MappedObject[];
  /** Per-document failures before anything was sent (unreadable YAML, unknown kinds, namespace mismatch). */
  errors: unknown[];
}

/** Reads `-f` and maps every document; decoding failures stay on their object (the server reports them in kubectl). */
export async function readManifests(flags: CommandLine, io: CommandIO, ctx: GlobalContext, verb: string): Promise<MappedManifests> {
  const filenames = flags.strings('filename');
  if (filenames.length === 0) {
    throw new CliError('must specify one of -f and -k', `See 'meshctl ${verb} --help' for usage.`);
  }
  const loaded = await loadManifests(filenames, { recursive: flags.bool('recursive'), cwd: io.cwd, readStdin: io.readStdin });
  const errors: unknown[] = loaded.problems.map((p) => p.error);
  const objects: MappedObject[] = [];
  for (const doc of loaded.documents) {
    try {
      objects.push(mapDocument(doc, { namespace: ctx.namespace, enforce: ctx.namespaceGiven }));
    } catch (e) {
      errors.push(e);
    }
  }
  if (objects.length === 0 && errors.length === 0) throw new CliError(`no objects passed to ${verb}`);
  return { objects, errors };
}

export type DryRun = 'none' | 'client';

export function parseDryRun(flags: CommandLine): DryRun {
  const v = flags.string('dry-run', 'none');
  if (v === 'none' || v === 'client') return v;
  if (v === 'server') throw new CliError('--dry-run=server is not supported by minimesh');
  throw new CliError(`Invalid dry-run value (${v}). Must be "none", "server", or "client".`);
}

export function dryRunSuffix(dryRun: DryRun): string {
  return dryRun === 'client' ? ' (dry run)' : '';
}
