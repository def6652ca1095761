/**
 * `meshctl create -f`: create every object of the manifests (failing on those that exist), and
 * `meshctl create namespace NAME`.
 */
import type { Namespace } from '@minimesh/api';
import type { Command, GlobalContext } from '../cli/command.js';
import { DRY_RUN_FLAG, FILENAME_FLAG, RECURSIVE_FLAG } from '../cli/command.js';
import { addSourceToErr, CliError, throwCollected } from '../cli/errors.js';
import type { CommandLine } from '@minimesh/runtime';
import type { CommandIO } from '../cli/io.js';
import { withLastApplied } from '../manifest/last-applied.js';
import { parseOutputFormat, renderObjects } from '../print/output.js';
import { objectRef, resolveKind } from '../resources.js';
import { createServiceCommand } from './create-service.js';
import { dryRunSuffix, parseDryRun, readManifests } from './manifests.js';

async function createNamespace(names: string[], flags: CommandLine, io: CommandIO): Promise<number> {
  const name = names[0];
  if (names.length !== 1 || !name) {
    throw new CliError(`exactly one NAME is required, got ${name ? names.length : 0}`, "See 'meshctl create namespace -h' for help and examples");
  }
  const dryRun = parseDryRun(flags);
  let ns: Namespace = { apiVersion: 'v1', kind: 'Namespace', metadata: { name } };
  if (flags.bool('save-config')) ns = withLastApplied(ns);
  if (dryRun !== 'client') ns = await io.client.create(ns);
  io.stdout.write(`${objectRef('Namespace', name)} created${dryRunSuffix(dryRun)}\n`);
  return 0;
}

export async function runCreate(flags: CommandLine, io: CommandIO, ctx: GlobalContext): Promise<number> {
  const [sub, ...rest] = flags.positionals;
  if (sub !== undefined && flags.strings('filename').length === 0) {
    const kind = resolveKind(sub);
    if (kind === 'Namespace') return createNamespace(rest, flags, io);
    if (kind === 'Service') return createServiceCommand(rest, flags, io, ctx);
    throw new CliError(`unknown command "${sub}" for "meshctl create"`, "See 'meshctl create -h' for help and examples");
  }
  const output = parseOutputFormat(flags.string('output'), ['table', 'json', 'yaml', 'name']);
  const dryRun = parseDryRun(flags);
  const { objects, errors } = await readManifests(flags, io, ctx, 'create');
  for (const m of objects) {
    try {
      if (m.decodeError) throw addSourceToErr('creating', m.source, m.decodeError);
      const toSend = flags.bool('save-config') ? withLastApplied(m.object!) : m.object!;
      let created = toSend;
      if (dryRun !== 'client') {
        try {
          created = await io.client.create(toSend);
        } catch (e) {
          throw addSourceToErr('creating', m.source, e);
        }
      }
      if (output === 'table') io.stdout.write(`${objectRef(m.kind, created.metadata.name ?? m.name)} created${dryRunSuffix(dryRun)}\n`);
      else io.stdout.write(renderObjects(output as 'json' | 'yaml' | 'name', () => m.kind, [created], true));
    } catch (e) {
      errors.push(e);
    }
  }
  throwCollected(errors);
  return 0;
}

export const createCommand: Command = {
  name: 'create',
  summary: 'Create a resource from a file or from stdin',
  description:
    'Create a resource from a file or from stdin.\n\n JSON and YAML formats are accepted. Objects that already exist are an error (use apply to update them).\n\n' +
    ' Subcommands:\n  namespace NAME                         Create a namespace with the specified name\n' +
    '  service clusterip|nodeport|loadbalancer NAME [--tcp=port:targetPort] [--node-port=port]\n' +
    '  service externalname NAME --external-name=host',
  usage: 'meshctl create -f FILENAME [options]',
  examples:
    '  # Create the objects of service.yaml\n  meshctl create -f ./service.yaml\n\n' +
    '  # Create a namespace named study\n  meshctl create namespace study\n\n' +
    '  # Create a ClusterIP service named my-cs serving 5678 and sending to 8080\n  meshctl create service clusterip my-cs --tcp=5678:8080\n',
  flags: [
    FILENAME_FLAG,
    RECURSIVE_FLAG,
    DRY_RUN_FLAG,
    { name: 'output', short: 'o', type: 'string', defaultText: "''", help: 'Output format. One of: (json, yaml, name).' },
    {
      name: 'save-config',
      type: 'bool',
      defaultText: 'false',
      help: "If true, the configuration of current object will be saved in its annotation. Otherwise, the annotation will be unchanged. This flag is useful when you want to perform meshctl apply on this object in the future.",
    },
    { name: 'tcp', type: 'strings', defaultText: '[]', help: 'Port pairs can be specified as \'<port>:<targetPort>\' (create service).' },
    { name: 'node-port', type: 'string', defaultText: '0', help: 'Port used to expose the service on each node in a cluster (create service nodeport).' },
    { name: 'external-name', type: 'string', defaultText: "''", help: 'External name of service (create service externalname).' },
    { name: 'clusterip', type: 'string', defaultText: "''", help: "Assign your own ClusterIP or set to 'None' for a 'headless' service (no loadbalancing) (create service clusterip)." },
  ],
  run: runCreate,
};
