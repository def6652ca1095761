/**
 * `meshctl expose pod|service NAME`: a new Service selecting what the exposed object selects (a
 * pod's labels, a service's selector), on the given or introspected ports, as kubectl builds it.
 */
import type { Kind, KubeObject, Pod, Service, ServicePort } from '@minimesh/api';
import type { Command, GlobalContext } from '../cli/command.js';
import { DRY_RUN_FLAG } from '../cli/command.js';
import { CliError } from '../cli/errors.js';
import type { CommandLine } from '@minimesh/runtime';
import type { CommandIO } from '../cli/io.js';
import { withLastApplied } from '../manifest/last-applied.js';
import { parseOutputFormat, renderObjects } from '../print/output.js';
import { objectRef } from '../resources.js';
import { parseDryRun } from './manifests.js';
import { parseResourceArgs } from './resource-args.js';

const DNS1035_LABEL_MAX = 63;

function formatSelector(set: Record<string, string>): string {
  return Object.keys(set)
    .sort()
    .map((k) => `${k}=${set[k]}`)
    .join(',');
}

/** `a=b,c=d` → map; equality requirements only, as kubectl's parseLabels. */
function parseLabels(spec: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of spec.split(',')) {
    const kv = part.split('=');
    if (kv.length !== 2) throw new CliError(`unexpected label spec: ${part}`);
    if (kv[0] === '') throw new CliError('unexpected empty label key');
    out[kv[0]!] = kv[1]!;
  }
  return out;
}

function selectorOf(kind: Kind, obj: KubeObject): string {
  if (kind === 'Pod') {
    const labels = obj.metadata.labels ?? {};
    if (Object.keys(labels).length === 0) throw new CliError('couldn\'t retrieve selectors via --selector flag or introspection: the pod has no labels and cannot be exposed');
    return formatSelector(labels);
  }
  const selector = (obj as Service).spec?.selector ?? {};
  if (Object.keys(selector).length === 0) throw new CliError('couldn\'t retrieve selectors via --selector flag or introspection: the service has no pod selector set');
  return formatSelector(selector);
}

/** Port numbers of the exposed object, with their protocols. */
function portsOf(kind: Kind, obj: KubeObject): { port: string; protocol: string }[] {
  if (kind === 'Pod') {
    return ((obj as Pod).spec?.containers ?? []).flatMap((c) =>
      (c.ports ?? []).map((p) => ({ port: String(p.containerPort), protocol: p.protocol || 'TCP' })),
    );
  }
  return ((obj as Service).spec?.ports ?? []).map((p) => ({ port: String(p.port), protocol: p.protocol || 'TCP' }));
}

function buildPorts(portString: string, flagProtocol: string, introspected: { port: string; protocol: string }[]): ServicePort[] {
  const protocolsByPort = new Map<string, string[]>();
  for (const p of introspected) protocolsByPort.set(p.port, [...(protocolsByPort.get(p.port) ?? []), p.protocol]);
  const strings = portString.split(',');
  const ports: ServicePort[] = [];
  strings.forEach((s, i) => {
    if (!/^-?\d+$/.test(s)) throw new CliError(`strconv.Atoi: parsing "${s}": invalid syntax`);
    const port = Number(s);
    const name = strings.length > 1 ? `port-${i + 1}` : '';
    let protocol = flagProtocol;
    if (!protocol) {
      protocol = 'TCP';
      const found = protocolsByPort.get(s);
      if (found && found.length === 1) protocol = found[0]!;
      else if (found && found.length > 1) {
        for (const proto of found) ports.push({ name: `port-${i + 1}-${proto.toLowerCase()}`, port, protocol: proto });
        return;
      }
    }
    ports.push({ ...(name ? { name } : {}), port, protocol });
  });
  return ports;
}

export async function runExpose(flags: CommandLine, io: CommandIO, ctx: GlobalContext): Promise<number> {
  const args = parseResourceArgs(flags.positionals);
  if (args.named.length === 0) {
    throw new CliError('You must provide one or more resources by argument or filename.', "See 'meshctl expose -h' for help and examples");
  }
  const output = parseOutputFormat(flags.string('output'), ['table', 'json', 'yaml', 'name']);
  const dryRun = parseDryRun(flags);
  for (const { kind, name } of args.named) {
    if (kind !== 'Pod' && kind !== 'Service') throw new CliError(`cannot expose a ${kind}`);
    const source = await io.client.get(kind, ctx.namespace, name);
    const selector = flags.string('selector') || selectorOf(kind, source);
    const introspected = portsOf(kind, source);
    let portString = flags.string('port');
    if (!portString) {
      const uniquePorts = introspected.map((p) => p.port);
      if (uniquePorts.length === 0 && flags.string('cluster-ip') !== 'None') throw new CliError('couldn\'t find port via --port flag or introspection');
      portString = uniquePorts.join(',');
    }
    const ports = portString ? buildPorts(portString, flags.string('protocol'), introspected) : [];
    const targetPort = flags.string('target-port');
    for (const p of ports) p.targetPort = targetPort ? (/^\d+$/.test(targetPort) ? Number(targetPort) : targetPort) : p.port;

    const labelSpec = flags.string('labels');
    const labels = labelSpec ? parseLabels(labelSpec) : source.metadata.labels;
    const serviceName = flags.string('name') || name.slice(0, DNS1035_LABEL_MAX);
    let svc: Service = {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: serviceName, namespace: ctx.namespace, ...(labels && Object.keys(labels).length ? { labels: { ...labels } } : {}) },
      spec: { selector: parseLabels(selector), ports },
    };
    const spec = svc.spec!;
    if (flags.string('external-ip')) spec.externalIPs = [flags.string('external-ip')];
    if (flags.string('type')) spec.type = flags.string('type');
    if (spec.type === 'LoadBalancer' && flags.string('load-balancer-ip')) spec.loadBalancerIP = flags.string('load-balancer-ip');
    const affinity = flags.string('session-affinity');
    if (affinity) {
      if (affinity !== 'None' && affinity !== 'ClientIP') throw new CliError(`unknown session affinity: ${affinity}`);
      spec.sessionAffinity = affinity;
    }
    if (flags.string('cluster-ip')) spec.clusterIP = flags.string('cluster-ip');
    if (flags.bool('save-config')) svc = withLastApplied(svc);

    const created = dryRun === 'client' ? svc : await io.client.create(svc);
    if (output === 'table') io.stdout.write(`${objectRef('Service', serviceName)} exposed${dryRun === 'client' ? ' (dry run)' : ''}\n`);
    else io.stdout.write(renderObjects(output as 'json' | 'yaml' | 'name', () => 'Service', [created], true));
  }
  return 0;
}

export const exposeCommand: Command = {
  name: 'expose',
  summary: 'Take a pod or service and expose it as a new Kubernetes service',
  description:
    'Expose a resource as a new Kubernetes service.\n\n Looks up a service or pod by name and uses the selector for that resource as the selector for a new service on the specified port. Note that if no port is specified via --port and the exposed resource has multiple ports, all will be re-used by the new service. Also if no labels are specified, the new service will re-use the labels from the resource it exposes.\n\n' +
    ' Possible resources include (case insensitive):\n\n pod (po), service (svc)',
  usage:
    'meshctl expose TYPE NAME [--port=port] [--protocol=TCP|UDP|SCTP] [--target-port=number-or-name] [--name=name] [--external-ip=external-ip-of-service] [--type=type] [options]',
  examples:
    '  # Create a service for a pod valid-pod, which serves on port 444 with the name "frontend"\n  meshctl expose pod valid-pod --port=444 --name=frontend\n\n' +
    '  # Create a second service based on the above service, exposing the container port 8443 as port 443 with the name "nginx-https"\n  meshctl expose service nginx --port=443 --target-port=8443 --name=nginx-https\n\n' +
    "  # Create a service for pods labelled app=web balancing UDP traffic and named 'video-stream'\n  meshctl expose pod web-0 --selector=app=web --port=4100 --protocol=UDP --name=video-stream\n",
  flags: [
    { name: 'port', type: 'string', defaultText: "''", help: 'The port that the service should serve on. Copied from the resource being exposed, if unspecified' },
    { name: 'target-port', type: 'string', defaultText: "''", help: 'Name or number for the port on the container that the service should direct traffic to. Optional.' },
    { name: 'protocol', type: 'string', defaultText: "''", help: "The network protocol for the service to be created. Default is 'TCP'." },
    { name: 'type', type: 'string', defaultText: "''", help: "Type for this service: ClusterIP, NodePort, LoadBalancer, or ExternalName. Default is 'ClusterIP'." },
    { name: 'name', type: 'string', defaultText: "''", help: 'The name for the newly created object.' },
    { name: 'selector', type: 'string', defaultText: "''", help: 'A label selector to use for this service. Only equality-based selector requirements are supported. If empty (the default) infer the selector from the exposed pod or service.' },
    { name: 'labels', short: 'l', type: 'string', defaultText: "''", help: 'Labels to apply to the service created by this call.' },
    { name: 'external-ip', type: 'string', defaultText: "''", help: 'Additional external IP address (not managed by Kubernetes) to accept for the service.' },
    { name: 'cluster-ip', type: 'string', defaultText: "''", help: "ClusterIP to be assigned to the service. Leave empty to auto-allocate, or set to 'None' to create a headless service." },
    { name: 'load-balancer-ip', type: 'string', defaultText: "''", help: 'IP to assign to the LoadBalancer. If empty, an ephemeral IP will be created and used.' },
    { name: 'session-affinity', type: 'string', defaultText: "''", help: "If non-empty, set the session affinity for the service to this; legal values: 'None', 'ClientIP'" },
    { name: 'save-config', type: 'bool', defaultText: 'false', help: 'If true, the configuration of current object will be saved in its annotation.' },
    { name: 'output', short: 'o', type: 'string', defaultText: "''", help: 'Output format. One of: (json, yaml, name).' },
    DRY_RUN_FLAG,
  ],
  run: runExpose,
};
