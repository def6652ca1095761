/**
 * `meshctl apply -f`: create what does not exist (recording the last-applied configuration), or
 * three-way merge the manifest into the live object and send the difference as a strategic merge
 * patch, as kubectl does for the core kinds (`configured`), or do nothing (`unchanged`). Every
 * object is tried; failures are reported together at the end, like kubectl.
 */
import { KINDS, PATCH_SCHEMAS, createMergePatch, createStrategicMergePatch, type KubeObject } from '@minimesh/api';
import type { Command, GlobalContext } from '../cli/command.js';
import { DRY_RUN_FLAG, FILENAME_FLAG, RECURSIVE_FLAG } from '../cli/command.js';
import { addSourceToErr, CliError, isNotFound, reasonOf, throwCollected } from '../cli/errors.js';
import type { CommandLine } from '@minimesh/runtime';
import type { CommandIO } from '../cli/io.js';
import { readLastApplied, withLastApplied } from '../manifest/last-applied.js';
import type { MappedObject } from '../manifest/mapping.js';
import { deepEqual, threeWayMerge } from '../manifest/merge.js';
import { parseOutputFormat, renderObjects } from '../print/output.js';
import { objectRef } from '../resources.js';
import { dryRunSuffix, parseDryRun, readManifests, type DryRun } from './manifests.js';

const MAX_CONFLICT_RETRIES = 5;

type Outcome = { result: 'created' | 'configured' | 'unchanged'; object: KubeObject };

function withoutStatus<T extends KubeObject>(obj: T): T {
  const copy = { ...obj } as T & { status?: unknown };
  delete copy.status;
  return copy;
}

function missingAnnotationWarning(m: MappedObject): string {
  return (
    `Warning: resource ${KINDS[m.kind].resource}/${m.name} is missing the kubectl.kubernetes.io/last-applied-configuration annotation ` +
    'which is required by meshctl apply. meshctl apply should only be used on resources created declaratively by either ' +
    'meshctl create --save-config or meshctl apply. The missing annotation will be patched automatically.\n'
  );
}

async function applyOne(m: MappedObject, io: CommandIO, dryRun: DryRun): Promise<Outcome> {
  const { client } = io;
  let live: KubeObject | undefined;
  try {
    live = await client.get(m.kind, m.namespace, m.name);
  } catch (e) {
    if (!isNotFound(e)) throw e;
  }
  if (m.decodeError) throw addSourceToErr(live ? 'applying' : 'creating', m.source, m.decodeError);
  const modified = withLastApplied(m.object!);

  if (!live) {
    try {
      const created = dryRun === 'client' ? modified : await client.create(modified);
      return { result: 'created', object: created };
    } catch (e) {
      throw addSourceToErr('creating', m.source, e);
    }
  }

  let warned = false;
  for (let attempt = 1; ; attempt++) {
    const original = readLastApplied(live);
    if (!original && !warned) {
      io.stderr.write(missingAnnotationWarning(m));
      warned = true;
    }
    const current = withoutStatus(live);
    // Custom resources merge like a JSON merge patch (every list atomic), as kubectl does for them.
    const schema = KINDS[m.kind].custom === true ? undefined : PATCH_SCHEMAS[m.kind];
    const desired = threeWayMerge(original ? withoutStatus(original as unknown as KubeObject) : undefined, withoutStatus(modified), current, schema);
    if (deepEqual(desired, current)) return { result: 'unchanged', object: live };
    if (dryRun === 'client') return { result: 'configured', object: desired };
    try {
      // kubectl sends a strategic merge patch for built-in kinds, a merge patch for custom resources.
      const custom = KINDS[m.kind].custom === true;
      const patch = (custom ? createMergePatch(current, desired) : createStrategicMergePatch(current, desired, PATCH_SCHEMAS[m.kind])) as object;
      const updated = await client.patch(m.kind, m.namespace, m.name, custom ? 'merge' : 'strategic', patch);
      return { result: 'configured', object: updated };
    } catch (e) {
      if (reasonOf(e) !== 'Conflict' || attempt >= MAX_CONFLICT_RETRIES) throw addSourceToErr('applying', m.source, e);
      live = await client.get(m.kind, m.namespace, m.name);
    }
  }
}

export async function runApply(flags: CommandLine, io: CommandIO, ctx: GlobalContext): Promise<number> {
  if (flags.positionals.length > 0) {
    throw new CliError(`Unexpected args: [${flags.positionals.join(' ')}]`, "See 'meshctl apply -h' for help and examples");
  }
  const output = parseOutputFormat(flags.string('output'), ['table', 'json', 'yaml', 'name']);
  const dryRun = parseDryRun(flags);
  const { objects, errors } = await readManifests(flags, io, ctx, 'apply');
  for (const m of objects) {
    const generateName = (m.object?.metadata as { generateName?: unknown } | undefined)?.generateName;
    if (!m.name && typeof generateName === 'string' && generateName) {
      errors.push(new CliError(`from ${generateName}: cannot use generate name with apply`));
      continue;
    }
    if (!m.name) {
      errors.push(new CliError(`error when retrieving current configuration of ${objectRef(m.kind, '')} from "${m.source}": resource name may not be empty`));
      continue;
    }
    try {
      const outcome = await applyOne(m, io, dryRun);
      if (output === 'table') io.stdout.write(`${objectRef(m.kind, m.name)} ${outcome.result}${dryRunSuffix(dryRun)}\n`);
      else io.stdout.write(renderObjects(output as 'json' | 'yaml' | 'name', () => m.kind, [outcome.object], true));
    } catch (e) {
      errors.push(e);
    }
  }
  throwCollected(errors);
  return 0;
}

export const applyCommand: Command = {
  name: 'apply',
  summary: 'Apply a configuration to a resource by file name or stdin',
  description:
    'Apply a configuration to a resource by file name or stdin. The resource name must be specified. This resource will be created if it doesn\'t exist yet. To use \'apply\', always create the resource initially with either \'apply\' or \'create --save-config\'.\n\n' +
    ' YAML and JSON formats are accepted; several documents may be separated by "---", and a "kind: List" is applied item by item.',
  usage: 'meshctl apply (-f FILENAME) [options]',
  examples:
    '  # Apply the configuration in service.yaml\n  meshctl apply -f ./service.yaml\n\n' +
    '  # Apply every manifest of a directory\n  meshctl apply -f ./manifests/\n\n' +
    "  # Apply the YAML passed into stdin\n  cat service.yaml | meshctl apply -f -\n",
  flags: [
    FILENAME_FLAG,
    RECURSIVE_FLAG,
    DRY_RUN_FLAG,
    { name: 'output', short: 'o', type: 'string', defaultText: "''", help: 'Output format. One of: (json, yaml, name).' },
  ],
  run: runApply,
};
