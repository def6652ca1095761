/** `meshctl describe TYPE [NAME_PREFIX...]`: kubectl's multi-line descriptions, separated by blank lines. */
import { pushAll, type Endpoints, type EndpointSlice, type Kind, type KubeObject, type Namespace, type Node, type Pod, type Service } from '@minimesh/api';
import { LABEL_SERVICE_NAME } from '@minimesh/api';
import type { Command, GlobalContext } from '../cli/command.js';
import { ALL_NAMESPACES_FLAG, SELECTOR_FLAG } from '../cli/command.js';
import { CliError, isNotFound, throwCollected } from '../cli/errors.js';
import type { CommandLine } from '@minimesh/runtime';
import { nowOf, type CommandIO } from '../cli/io.js';
import { describeEndpoints, describeEndpointSlice } from '../describe/endpoints.js';
import { describeGeneric } from '../describe/generic.js';
import { describeNamespace } from '../describe/namespace.js';
import { describeNode } from '../describe/node.js';
import { describePod } from '../describe/pod.js';
import { describeService } from '../describe/service.js';
import { byNamespaceAndName, isNamespaced } from '../resources.js';
import { noResourcesMessage } from './no-resources.js';
import { parseResourceArgs } from './resource-args.js';

async function describeObject(kind: Kind, obj: KubeObject, io: CommandIO): Promise<string> {
  const ns = obj.metadata.namespace ?? '';
  const name = obj.metadata.name ?? '';
  switch (kind) {
    case 'Service': {
      const slices = await io.client.list('EndpointSlice', { namespace: ns, labelSelector: `${LABEL_SERVICE_NAME}=${name}` }).catch(() => ({ items: [] as EndpointSlice[] }));
      let endpoints: Endpoints | undefined;
      if (slices.items.length === 0) endpoints = await io.client.get('Endpoints', ns, name).catch(() => undefined);
      return describeService(obj as Service, slices.items, endpoints);
    }
    case 'Pod':
      return describePod(obj as Pod);
    case 'Node': {
      const pods = await io.client.list('Pod', {}).catch(() => ({ items: [] as Pod[] }));
      const onNode = pods.items
        .filter((p) => p.spec?.nodeName === name && p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed')
        .sort(byNamespaceAndName);
      return describeNode(obj as Node, onNode, nowOf(io));
    }
    case 'Namespace':
      return describeNamespace(obj as Namespace);
    case 'Endpoints':
      return describeEndpoints(obj as Endpoints);
    case 'EndpointSlice':
      return describeEndpointSlice(obj as EndpointSlice);
    default:
      return describeGeneric(obj);
  }
}

/** The named object, or, as kubectl does, every object whose name starts with the given text. */
async function findByNameOrPrefix(kind: Kind, namespace: string, name: string, io: CommandIO): Promise<KubeObject[]> {
  try {
    return [await io.client.get(kind, namespace, name)];
  } catch (e) {
    if (!isNotFound(e)) throw e;
    const list = await io.client.list(kind, { namespace });
    const matches = list.items.filter((o) => (o.metadata.name ?? '').startsWith(name)).sort(byNamespaceAndName);
    if (matches.length === 0) throw e;
    return matches;
  }
}

export async function runDescribe(flags: CommandLine, io: CommandIO, ctx: GlobalContext): Promise<number> {
  const args = parseResourceArgs(flags.positionals);
  if (args.kinds.length === 0) {
    throw new CliError('You must specify the type of resource to describe. Use "meshctl api-resources" for a complete list of supported resources.');
  }
  const allNs = flags.bool('all-namespaces');
  const selector = flags.string('selector');
  const targets: { kind: Kind; object: KubeObject }[] = [];
  const errors: unknown[] = [];
  if (args.named.length > 0) {
    for (const { kind, name } of args.named) {
      try {
        const found = await findByNameOrPrefix(kind, isNamespaced(kind) ? ctx.namespace : '', name, io);
        pushAll(targets, found.map((object) => ({ kind, object })));
      } catch (e) {
        errors.push(e);
      }
    }
  } else {
    for (const kind of args.kinds) {
      const list = await io.client.list(kind, { namespace: isNamespaced(kind) && !allNs ? ctx.namespace : '', labelSelector: selector || undefined });
      pushAll(targets, [...list.items].sort(byNamespaceAndName).map((object) => ({ kind, object })));
    }
    if (targets.length === 0) io.stderr.write(noResourcesMessage(args.kinds, allNs, ctx.namespace));
  }
  let first = true;
  for (const t of targets) {
    const text = await describeObject(t.kind, t.object, io);
    io.stdout.write(first ? text : `\n\n${text}`);
    first = false;
  }
  throwCollected(errors);
  return 0;
}

export const describeCommand: Command = {
  name: 'describe',
  summary: 'Show details of a specific resource or group of resources',
  description:
    'Show details of a specific resource or group of resources.\n\n Print a detailed description of the selected resources. First checks for an exact match on TYPE and NAME_PREFIX. If no such resource exists, it will output details for every resource that has a name prefixed with NAME_PREFIX.',
  usage: 'meshctl describe (TYPE [NAME_PREFIX | -l label] | TYPE/NAME) [options]',
  examples:
    '  # Describe a service\n  meshctl describe service my-service\n\n' +
    '  # Describe every service of a namespace\n  meshctl describe svc -n study\n\n' +
    '  # Describe a node\n  meshctl describe nodes node-1\n',
  flags: [ALL_NAMESPACES_FLAG, SELECTOR_FLAG],
  run: runDescribe,
};
