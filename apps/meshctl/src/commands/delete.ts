/**
 * `meshctl delete`: by name, by `-f` manifests, or every match of `--all` / `-l` (one
 * DeleteCollection per kind). Prints `service "x" deleted`. Pods are deleted gracefully:
 * `--grace-period N` (-1: the pod's own), `--now` (1 s), `--force` (grace period 0); with
 * `--wait` (the default) the command returns once the objects are gone.
 */
import { pushAll, type DeleteOptions, type Kind, type KubeObject } from '@minimesh/api';
import type { Command, GlobalContext } from '../cli/command.js';
import { ALL_NAMESPACES_FLAG, DRY_RUN_FLAG, FILENAME_FLAG, RECURSIVE_FLAG, SELECTOR_FLAG } from '../cli/command.js';
import { addSourceToErr, CliError, isNotFound, throwCollected } from '../cli/errors.js';
import { parseDurationFlag } from '../cli/go-duration.js';
import type { CommandLine } from '@minimesh/runtime';
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

const WAIT_POLL_MS = 200;

/**
 * The grace period as kubectl works it out: `--now` is 1 s; `--force` alone is 0 (and may not be
 * combined with a positive grace period); `--grace-period=0` without `--force` is 1 s.
 */
function deleteOptions(flags: CommandLine): DeleteOptions {
  const raw = flags.string('grace-period', '-1');
  if (!/^[-+]?\d+$/.test(raw)) {
    throw new CliError(`invalid argument "${raw}" for "--grace-period" flag: strconv.ParseInt: parsing "${raw}": invalid syntax`, "See 'meshctl delete --help' for usage.");
  }
  let grace = Number(raw);
  if (flags.bool('now')) {
    if (grace !== -1) throw new CliError('--now and --grace-period cannot be specified together');
    grace = 1;
  }
  const force = flags.bool('force');
  if (grace === 0 && !force) grace = 1;
  if (force && grace < 0) grace = 0;
  if (force && grace > 0) throw new CliError('--force and --grace-period greater than 0 cannot be specified together');
  return grace >= 0 ? { gracePeriodSeconds: grace } : {};
}

/** `--timeout` (a Go duration) in milliseconds; 0 waits for as long as it takes (kubectl: a week). */
function timeoutMs(flags: CommandLine): number {
  const ms = parseDurationFlag(flags.string('timeout', '0s'), 'timeout', 'delete') * 1000;
  return ms === 0 ? 7 * 24 * 3_600_000 : ms;
}

/** Waits until each deleted object is gone (or replaced by a new one of the same name). */
async function waitForDeletion(objects: readonly KubeObject[], io: CommandIO, limitMs: number): Promise<void> {
  const deadline = Date.now() + limitMs;
  for (const o of objects) {
    for (;;) {
      const current = await io.client.get(o.kind, o.metadata.namespace ?? '', o.metadata.name ?? '').catch((e: unknown) => {
        if (isNotFound(e)) return undefined;
        throw e;
      });
      if (!current || current.metadata.uid !== o.metadata.uid) break;
      if (Date.now() > deadline) throw new CliError(`timed out waiting for the condition on ${kindString(o.kind)}s/${o.metadata.name ?? ''}`);
      await new Promise((r) => setTimeout(r, WAIT_POLL_MS));
    }
  }
}

function deletedWord(flags: CommandLine, opts: DeleteOptions): string {
  return flags.bool('force') && opts.gracePeriodSeconds === 0 ? 'force deleted' : 'deleted';
}

const FORCE_WARNING =
  'Warning: Immediate deletion does not wait for confirmation that the running resource has been terminated. The resource may continue to run on the cluster indefinitely.\n';

const NO_RESOURCES_HINT =
  "Example resource specifications include:\n   '-f rsrc.yaml'\n   '--filename=rsrc.json'\n   '<resource> <name>'\n   '<resource>'";

async function deleteTargets(targets: readonly Target[], flags: CommandLine, io: CommandIO, dryRun: DryRun, errors: unknown[], opts: DeleteOptions, waitMs: number): Promise<void> {
  const deleted: KubeObject[] = [];
  for (const t of targets) {
    try {
      if (dryRun !== 'client') deleted.push(await io.client.delete(t.kind, t.namespace, t.name, opts));
      io.stdout.write(`${kindString(t.kind)} "${t.name}" ${deletedWord(flags, opts)}${dryRunSuffix(dryRun)}\n`);
    } catch (e) {
      if (isNotFound(e) && flags.bool('ignore-not-found')) continue;
      errors.push(t.source ? addSourceToErr('deleting', t.source, e) : e);
    }
  }
  if (flags.bool('wait', true) && deleted.length) await waitForDeletion(deleted, io, waitMs);
}

export async function runDelete(flags: CommandLine, io: CommandIO, ctx: GlobalContext): Promise<number> {
  // Every flag is checked before anything is deleted.
  const dryRun = parseDryRun(flags);
  const opts = deleteOptions(flags);
  const waitMs = timeoutMs(flags);
  if (flags.bool('force') && opts.gracePeriodSeconds === 0) io.stderr.write(FORCE_WARNING);
  const errors: unknown[] = [];
  const selector = flags.string('selector');
  const all = flags.bool('all');
  const allNs = flags.bool('all-namespaces');

  if (flags.strings('filename').length > 0) {
    if (flags.positionals.length > 0) throw new CliError('Unexpected args: ' + `[${flags.positionals.join(' ')}]`);
    const manifests = await readManifests(flags, io, ctx, 'delete');
    pushAll(errors, manifests.errors);
    const targets = manifests.objects.map((m) => ({ kind: m.kind, namespace: m.namespace, name: m.name, source: m.source }));
    await deleteTargets(targets, flags, io, dryRun, errors, opts, waitMs);
    throwCollected(errors);
    return 0;
  }

  const args = parseResourceArgs(flags.positionals);
  if (args.kinds.length === 0) throw new CliError('You must provide one or more resources by argument or filename.', NO_RESOURCES_HINT);
  if (args.named.length > 0) {
    if (all || selector) throw new CliError('name cannot be provided when a selector is specified');
    if (allNs) throw new CliError('a resource cannot be retrieved by name across all namespaces');
    const targets = args.named.map(({ kind, name }) => ({ kind, name, namespace: isNamespaced(kind) ? ctx.namespace : '' }));
    await deleteTargets(targets, flags, io, dryRun, errors, opts, waitMs);
    throwCollected(errors);
    return 0;
  }
  if (!all && !selector) throw new CliError('resource(s) were provided, but no name was specified');

  // Every match of the selector: one DeleteCollection per kind (a dry run only lists them).
  const deleted: KubeObject[] = [];
  for (const kind of args.kinds) {
    const namespace = isNamespaced(kind) && !allNs ? ctx.namespace : '';
    const select = { namespace, labelSelector: selector || undefined, fieldSelector: flags.string('field-selector') || undefined };
    const objects = dryRun === 'client' ? (await io.client.list(kind, select)).items : await io.client.deleteCollection(kind, select, opts);
    pushAll(deleted, [...objects].sort(byNamespaceAndName));
  }
  if (deleted.length === 0) {
    io.stdout.write('No resources found\n');
    return 0;
  }
  for (const o of deleted) io.stdout.write(`${kindString(o.kind)} "${o.metadata.name ?? ''}" ${deletedWord(flags, opts)}${dryRunSuffix(dryRun)}\n`);
  if (dryRun !== 'client' && flags.bool('wait', true)) await waitForDeletion(deleted, io, waitMs);
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
    '  # Delete every service labelled app=web\n  meshctl delete svc -l app=web\n\n' +
    '  # Delete a pod with the minimal delay, or at once without waiting for it to stop\n  meshctl delete pod web --now\n  meshctl delete pod web --grace-period=0 --force\n',
  flags: [
    FILENAME_FLAG,
    RECURSIVE_FLAG,
    SELECTOR_FLAG,
    ALL_NAMESPACES_FLAG,
    DRY_RUN_FLAG,
    { name: 'all', type: 'bool', defaultText: 'false', help: 'Delete all resources, in the namespace of the specified resource types.' },
    { name: 'ignore-not-found', type: 'bool', defaultText: 'false', help: 'Treat "resource not found" as a successful delete.' },
    { name: 'field-selector', type: 'string', defaultText: "''", help: 'Selector (field query) to filter on, supports \'=\', \'==\', and \'!=\'.(e.g. --field-selector key1=value1,key2=value2).' },
    {
      name: 'grace-period',
      type: 'string',
      defaultText: '-1',
      help: 'Period of time in seconds given to the resource to terminate gracefully. Ignored if negative. Set to 1 for immediate shutdown. Can only be set to 0 when --force is true (force deletion).',
    },
    { name: 'now', type: 'bool', defaultText: 'false', help: 'If true, resources are signaled for immediate shutdown (same as --grace-period=1).' },
    { name: 'force', type: 'bool', defaultText: 'false', help: 'If true, immediately remove resources from API and bypass graceful deletion.' },
    { name: 'wait', type: 'bool', defaultText: 'true', help: 'If true, wait for resources to be gone before returning. This waits for finalizers.' },
    { name: 'timeout', type: 'string', defaultText: '0s', help: 'The length of time to wait before giving up on a delete, zero means wait as long as it takes.' },
  ],
  run: runDelete,
};
