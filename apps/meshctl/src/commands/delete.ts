/** `meshctl delete`: by name, by `-f` manifests, or every match of `--all` / `-l`. Prints `service "x" deleted`. */
import type { Kind } from '@minimesh/api';
import type { Command, GlobalContext } from '../cli/command.js';
import { ALL_NAMESPACES_FLAG, DRY_RUN_FLAG, FILENAME_FLAG, RECURSIVE_FLAG, SELECTOR_FLAG } from '../cli/command.js';
import { addSourceToErr, CliError, isNotFound, throwCollected } from '../cli/errors.js';
import type { Flags } from '../cli/flags.js';
import type { CommandIO } from '../cli/io.js';
import { byNamespaceAndName, isNamespaced, kindString } from '../resources.js';
import { dryRunSuffix, parseDryRun, readManifests, type DryRun } from './manifests.js';
import { parseResourceArgs } from './resource-args.js';

interface Target {
  kind: Kind;
  namespace: string;
  name: string;
  source?: string;
}

const NO_RESOURCES_HINT =
  "Example resource specifications include:\n   '-f rsrc.yaml'\n   '--filename=rsrc.json'\n   '<resource> <name>'\n   '<resource>'";

async function deleteTargets(targets: readonly Target[], flags: Flags, io: CommandIO, dryRun: DryRun, errors: unknown[]): Promise<void> {
  for (const t of targets) {
    try {
      if (dryRun !== 'client') await io.client.delete(t.kind, t.namespace, t.name);
      io.stdout.write(`${kindString(t.kind)} "${t.name}" deleted${dryRunSuffix(dryRun)}\n`);
    } catch (e) {
      if (isNotFound(e) && flags.bool('ignore-not-found')) continue;
      errors.push(t.source ? addSourceToErr('deleting', t.source, e) : e);
    }
  }
}

export async function runDelete(flags: Flags, io: CommandIO, ctx: GlobalContext): Promise<number> {
  const dryRun = parseDryRun(flags);
  const errors: unknown[] = [];
  const selector = flags.string('selector');
  const all = flags.bool('all');
  const allNs = flags.bool('all-namespaces');

  if (flags.strings('filename').length > 0) {
    if (flags.positionals.length > 0) throw new CliError('Unexpected args: ' + `[${flags.positionals.join(' ')}]`);
    const manifests = await readManifests(flags, io, ctx, 'delete');
    errors.push(...manifests.errors);
    const targets = manifests.objects.map((m) => ({ kind: m.kind, namespace: m.namespace, name: m.name, source: m.source }));
    await deleteTargets(targets, flags, io, dryRun, errors);
    throwCollected(errors);
    return 0;
  }

  const args = parseResourceArgs(flags.positionals);
  if (args.kinds.length === 0) throw new CliError('You must provide one or more resources by argument or filename.', NO_RESOURCES_HINT);
  if (args.named.length > 0) {
    if (all || selector) throw new CliError('name cannot be provided when a selector is specified');
    if (allNs) throw new CliError('a resource cannot be retrieved by name across all namespaces');
    const targets = args.named.map(({ kind, name }) => ({ kind, name, namespace: isNamespaced(kind) ? ctx.namespace : '' }));
    await deleteTargets(targets, flags, io, dryRun, errors);
    throwCollected(errors);
    return 0;
  }
  if (!all && !selector) throw new CliError('resource(s) were provided, but no name was specified');

  const targets: Target[] = [];
  for (const kind of args.kinds) {
    const namespace = isNamespaced(kind) && !allNs ? ctx.namespace : '';
    const list = await io.client.list(kind, { namespace, labelSelector: selector || undefined });
    for (const o of [...list.items].sort(byNamespaceAndName)) {
      targets.push({ kind, namespace: o.metadata.namespace ?? '', name: o.metadata.name ?? '' });
    }
  }
  if (targets.length === 0) {
    io.stdout.write('No resources found\n');
    return 0;
  }
  await deleteTargets(targets, flags, io, dryRun, errors);
  throwCollected(errors);
  return 0;
}

export const deleteCommand: Command = {
  name: 'delete',
  summary: 'Delete resources by file names, stdin, resources and names, or by resources and label selector',
  description:
    'Delete resources by file names, stdin, resources and names, or by resources and label selector.\n\n' +
    ' JSON and YAML formats are accepted. Only one type of argument may be specified: file names, resources and names, or resources and label selector.',
  usage: 'meshctl delete ([-f FILENAME] | TYPE [(NAME | -l label | --all)]) [options]',
  examples:
    '  # Delete the objects of service.yaml\n  meshctl delete -f ./service.yaml\n\n' +
    '  # Delete a service\n  meshctl delete svc my-service\n\n' +
    '  # Delete services and endpoints with the same name\n  meshctl delete service,endpoints my-service\n\n' +
    '  # Delete every service labelled app=web\n  meshctl delete svc -l app=web\n',
  flags: [
    FILENAME_FLAG,
    RECURSIVE_FLAG,
    SELECTOR_FLAG,
    ALL_NAMESPACES_FLAG,
    DRY_RUN_FLAG,
    { name: 'all', type: 'bool', defaultText: 'false', help: 'Delete all resources, in the namespace of the specified resource types.' },
    { name: 'ignore-not-found', type: 'bool', defaultText: 'false', help: 'Treat "resource not found" as a successful delete.' },
  ],
  run: runDelete,
};
