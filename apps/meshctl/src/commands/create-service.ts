/** `meshctl create service clusterip|nodeport|loadbalancer|externalname NAME`, as kubectl builds them. */
import type { Service, ServicePort } from '@minimesh/api';
import type { GlobalContext } from '../cli/command.js';
import { CliError } from '../cli/errors.js';
import type { CommandLine } from '@minimesh/runtime';
import type { CommandIO } from '../cli/io.js';
import { withLastApplied } from '../manifest/last-applied.js';
import { parseOutputFormat, renderObjects } from '../print/output.js';
import { objectRef } from '../resources.js';
import { dryRunSuffix, parseDryRun } from './manifests.js';

const TYPES: Record<string, string> = {
  clusterip: 'ClusterIP',
  nodeport: 'NodePort',
  loadbalancer: 'LoadBalancer',
  externalname: 'ExternalName',
};

function parsePort(s: string, what: string): number {
  if (!/^\d+$/.test(s)) throw new CliError(`strconv.Atoi: parsing "${s}": invalid syntax (${what})`);
  return Number(s);
}

/** `5678:8080` → port 5678, targetPort 8080 (a name when not a number); `5678` → both 5678. */
function parseTcp(spec: string, nodePort: number): ServicePort {
  const [p, t] = spec.split(':', 2);
  const port = parsePort(p ?? '', 'port');
  const targetPort = t === undefined ? port : /^\d+$/.test(t) ? Number(t) : t;
  const sp: ServicePort = { name: spec.replaceAll(':', '-'), port, targetPort, protocol: 'TCP' };
  if (nodePort) sp.nodePort = nodePort;
  return sp;
}

export async function createServiceCommand(args: string[], flags: CommandLine, io: CommandIO, ctx: GlobalContext): Promise<number> {
  const [typeArg, ...names] = args;
  const name = names[0];
  const type = typeArg ? TYPES[typeArg] : undefined;
  if (!type) throw new CliError(`unknown service type "${typeArg ?? ''}": use one of clusterip, nodeport, loadbalancer, externalname`);
  if (names.length !== 1 || !name) {
    throw new CliError(`exactly one NAME is required, got ${name ? names.length : 0}`, `See 'meshctl create service ${typeArg} -h' for help and examples`);
  }
  const tcp = flags.strings('tcp');
  const clusterIP = flags.string('clusterip');
  if (type === 'ExternalName' && !flags.string('external-name')) throw new CliError('external name must be specified');
  if (type !== 'ExternalName' && tcp.length === 0 && clusterIP !== 'None') {
    throw new CliError('at least one tcp port specifier must be provided');
  }
  const nodePort = flags.string('node-port') ? parsePort(flags.string('node-port'), 'node-port') : 0;
  let svc: Service = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: ctx.namespace, labels: { app: name } },
    spec: { type, selector: { app: name }, ports: tcp.map((t) => parseTcp(t, nodePort)) },
  };
  if (type === 'ExternalName') svc.spec!.externalName = flags.string('external-name');
  if (clusterIP) svc.spec!.clusterIP = clusterIP;
  if (flags.bool('save-config')) svc = withLastApplied(svc);
  const dryRun = parseDryRun(flags);
  const output = parseOutputFormat(flags.string('output'), ['table', 'json', 'yaml', 'name']);
  const created = dryRun === 'client' ? svc : await io.client.create(svc);
  if (output === 'table') io.stdout.write(`${objectRef('Service', name)} created${dryRunSuffix(dryRun)}\n`);
  else io.stdout.write(renderObjects(output as 'json' | 'yaml' | 'name', () => 'Service', [created], true));
  return 0;
}
