/**
 * `meshctl get ipvs --node NODE [--scheduler rr]`: the IPVS table the node's agent programs in ipvs
 * mode, printed as `ipvsadm -Ln` prints it, whatever the kernel (on one without IPVS the agent
 * falls back to iptables, and this shows what IPVS would hold). Computed here from the Services,
 * the EndpointSlices and the Node, by the node agent's own renderer; counters are 0.
 */
import { EndpointsChangeTracker, ServiceChangeTracker, formatIpvsadmList, parseIpvsScheduler, renderIpvs } from '@minimesh/proxy-core';
import type { CommandLine } from '@minimesh/runtime';
import type { GlobalContext } from '../cli/command.js';
import { CliError } from '../cli/errors.js';
import type { CommandIO } from '../cli/io.js';

export async function runGetIpvs(flags: CommandLine, io: CommandIO, _ctx: GlobalContext): Promise<number> {
  const nodeName = flags.string('node');
  if (!nodeName) throw new CliError('get ipvs needs --node NODE: the table is per node', "See 'meshctl get -h' for help and examples");
  let scheduler;
  try {
    scheduler = parseIpvsScheduler(flags.string('scheduler'));
  } catch (e) {
    throw new CliError(`invalid argument "${flags.string('scheduler')}" for "--scheduler" flag: ${(e as Error).message}`);
  }
  const node = await io.client.get('Node', '', nodeName);
  const addresses = (node.status?.addresses ?? []).filter((a) => a.type === 'InternalIP' || a.type === 'ExternalIP').map((a) => a.address);
  const services = new ServiceChangeTracker();
  for (const s of (await io.client.list('Service')).items) services.update(undefined, s);
  services.checkoutChanges();
  const endpoints = new EndpointsChangeTracker({ nodeName, startTime: 0 });
  for (const s of (await io.client.list('EndpointSlice')).items) endpoints.update(undefined, s);
  endpoints.checkoutChanges();
  const result = renderIpvs({ services: services.serviceMap, endpoints: endpoints.endpointsMap, node: { name: nodeName, addresses }, opts: { scheduler } });
  io.stdout.write(formatIpvsadmList(result.table));
  return 0;
}
