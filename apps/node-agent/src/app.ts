/**
 * The node agent, assembled: informers on Services, EndpointSlices and this Node feed the
 * proxier's change trackers; the proxier programs the kernel. `startNodeAgent` is what main()
 * runs and what tests start in-process (inside a network namespace for the kernel part).
 */
import { existsSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import type { Node } from '@minimesh/api';
import type { ApiClient } from '@minimesh/client';
import { connectFromFlags, natsTransportOptions } from '@minimesh/informer';
import { createInformer, informerSet } from '@minimesh/informer';
import { nodePortIPs, parseNodePortAddresses } from '@minimesh/proxy-core';
import { exec as realExec, startHttpEndpoint, type Exec, type Logger } from '@minimesh/runtime';
import { nodeEligible, proxyHealthy, startHealthz } from './healthz.js';
import { ServiceHealthServer } from './service-health-server.js';
import { proxyMetrics } from './metrics.js';
import type { NodeAgentOptions } from './options.js';
import { createProxier, effectiveProxyMode, sockLbPaths, type Proxier } from './proxy-modes.js';
import { EbpfProxier } from './ebpf/proxier.js';
import { detachSockLb, sockLbProblem } from './ebpf/sock-lb-programs.js';
import { formatSockLbTable, frontendNames } from './ebpf/sock-lb-table.js';

/** Services with this label (any value) belong to another service proxy (kube-proxy's LabelServiceProxyName). */
export const LABEL_SERVICE_PROXY_NAME = 'service.kubernetes.io/service-proxy-name';
/** Set on the Endpoints and EndpointSlices of headless Services (v1.IsHeadlessService). */
export const LABEL_HEADLESS = 'service.kubernetes.io/headless';
/**
 * kube-proxy's informer filter (cmd/kube-proxy/app/server.go), on Services and EndpointSlices
 * alike: objects for another service proxy, and headless Services' slices, are never seen. The
 * apiserver applies it to list and watch (an object that gains either label arrives as DELETED).
 */
export const PROXY_LABEL_SELECTOR = `!${LABEL_SERVICE_PROXY_NAME},!${LABEL_HEADLESS}`;

export interface NodeAgent {
  proxier: Proxier;
  serviceHealth: ServiceHealthServer;
  metricsAddress: string;
  healthzAddress: string;
  stop(): Promise<void>;
}

function localIPv4s(): string[] {
  const out: string[] = [];
  for (const addrs of Object.values(networkInterfaces())) {
    for (const a of addrs ?? []) if (a.family === 'IPv4' && !a.internal) out.push(a.address);
  }
  return out;
}

/**
 * Where the per-Service health-check ports listen (kube-proxy's newServiceHealthServer): 0.0.0.0,
 * or with --nodeport-addresses this host's IPv4 addresses inside those CIDRs (loopback included).
 */
export function healthCheckHosts(nodePortAddressesFlag: string, interfaces = networkInterfaces()): string[] {
  const npa = parseNodePortAddresses(nodePortAddressesFlag ? nodePortAddressesFlag.split(',').map((x) => x.trim()) : undefined);
  if (npa.matchAll) return ['0.0.0.0'];
  const local = Object.values(interfaces).flatMap((addrs) => (addrs ?? []).filter((a) => a.family === 'IPv4').map((a) => a.address));
  return nodePortIPs(npa, local);
}

/** The Node object's InternalIP and ExternalIP addresses. */
export function nodeIPs(node: Node | undefined): string[] {
  return (node?.status?.addresses ?? []).filter((a) => a.type === 'InternalIP' || a.type === 'ExternalIP').map((a) => a.address);
}

export function nodeAddresses(node: Node | undefined): string[] {
  return [...new Set([...nodeIPs(node), ...localIPv4s()])];
}

/** What tests put in place of the real kernel and apiserver. */
export interface NodeAgentDeps {
  exec?: Exec;
  /**
   * How long-lived helpers (nftables mode's `nft -i` session) are started when `exec` is given:
   * the command prefix that puts them where exec's commands go (e.g. ip netns exec NS). Without
   * it, a given exec means no long-lived helpers (every transaction through exec).
   */
  helperPrefix?: readonly string[];
  /** The API client (default: one connected to --server); the agent closes it when it stops. */
  client?: ApiClient;
}

export async function startNodeAgent(o: NodeAgentOptions, log: Logger, deps: NodeAgentDeps = {}): Promise<NodeAgent> {
  const exec = deps.exec ?? realExec;
  const sockLb = sockLbPaths(o);
  const mode = effectiveProxyMode(o['proxy-mode'], log, undefined, () => sockLbProblem(sockLb));
  // An earlier ebpf-mode agent's programs would keep steering connections with frozen maps, over
  // this mode's rules: remove them (kube-proxy, too, cleans up what other modes left).
  if (mode !== 'ebpf' && existsSync(sockLb.pinDir)) {
    // The tc programs' devices are this namespace's only when the agent runs in its node's.
    await detachSockLb(sockLb, deps.exec === undefined ? undefined : []).then(
      () => log.info('removed the socket load balancer an earlier ebpf-mode agent left', { pinDir: sockLb.pinDir }),
      (e: Error) => log.warn('could not remove the socket load balancer an earlier ebpf-mode agent left', { err: e.message }),
    );
  }
  const metrics = proxyMetrics({ processMetrics: true });
  const client = deps.client ?? (await connectFromFlags(o));
  const common = { client, transport: o.transport, nats: natsTransportOptions(o), logger: log.child('informer') };
  // kube-proxy's filters: Services (and their slices, which carry their labels) meant for another
  // service proxy, and the Endpoints/EndpointSlices of headless Services, are not ours.
  const ours = { labelSelector: PROXY_LABEL_SELECTOR };
  const services = createInformer({ kind: 'Service', ...common, ...ours });
  const slices = createInformer({ kind: 'EndpointSlice', ...common, ...ours });
  const nodes = createInformer({ kind: 'Node', ...common });
  const thisNode = () => nodes.get('', o['node-name']);

  const healthTimeoutMs = 2 * o['sync-period'] * 1000;
  const serviceHealth = new ServiceHealthServer({
    hosts: healthCheckHosts(o['nodeport-addresses']),
    proxyHealthy: () => proxyHealthy(proxier, healthTimeoutMs),
    onError: (service, port, err) => log.error('Failed to start healthcheck; will retry at the next sync', { service, port, err: err.message }),
  });
  const shared = {
    nodeName: o['node-name'],
    nodeAddresses: () => nodeAddresses(thisNode()),
    nodeIPs: () => nodeIPs(thisNode()),
    minSyncMs: o['min-sync-period'] * 1000,
    adaptiveMinSync: o['adaptive-min-sync'],
    syncMs: o['sync-period'] * 1000,
    exec,
    metrics,
    // After every successful sync, from the trackers the rules were rendered from.
    onSynced: () => void serviceHealth.sync(proxier.services.healthCheckNodePorts(), proxier.endpoints.localReadyEndpoints()),
  };
  const helperPrefix = deps.exec === undefined ? [] : deps.helperPrefix;
  const proxier = createProxier(mode, o, shared, log, metrics.registry, helperPrefix, deps.exec === undefined);
  services.addEventHandler({
    onAdd: (s) => proxier.onServiceChange(undefined, s),
    onUpdate: (a, b) => proxier.onServiceChange(a, b),
    onDelete: (s) => proxier.onServiceChange(s, undefined),
  });
  slices.addEventHandler({
    onAdd: (s) => proxier.onSliceChange(undefined, s),
    onUpdate: (a, b) => proxier.onSliceChange(a, b),
    onDelete: (s) => proxier.onSliceChange(s, undefined),
  });
  const nodeChanged = (n: Node) => {
    if (n.metadata.name === o['node-name']) proxier.onNodeChange();
  };
  nodes.addEventHandler({ onAdd: nodeChanged, onUpdate: (_a, b) => nodeChanged(b), onDelete: nodeChanged });

  const all = informerSet(services, slices, nodes);
  const metricsEndpoint = await startHttpEndpoint({
    listen: o['metrics-bind-address'],
    registry: metrics.registry,
    ready: () => proxier.synced,
    routes: proxier instanceof EbpfProxier ? { '/sock-lb': (res) => void sockLbPage(proxier, res) } : undefined,
  });
  const healthz = await startHealthz(o['healthz-bind-address'], proxier, healthTimeoutMs, metrics, () => nodeEligible(thisNode()));
  proxier.start();
  all.start();
  void all.waitForSync().then(
    () => {
      log.info('caches synced; programming rules', { node: o['node-name'], mode, ...(mode === 'nftables' || mode === 'ebpf' ? { table: o['nft-table'] } : { prefix: o['chain-prefix'] }) });
      proxier.setInitialized();
    },
    () => undefined,
  );
  return {
    proxier,
    serviceHealth,
    metricsAddress: metricsEndpoint.address,
    healthzAddress: healthz.address,
    async stop() {
      // Rules stay in the kernel: a restarted agent takes them over without dropping traffic.
      await all.stop();
      await proxier.stop();
      await serviceHealth.stop();
      await metricsEndpoint.close();
      await healthz.close();
      client.close();
    },
  };
}

/** The agent's /sock-lb page: the socket load balancer's maps, read from the kernel, as a table. */
async function sockLbPage(proxier: EbpfProxier, res: import('node:http').ServerResponse): Promise<void> {
  try {
    const { frontends, backends } = await proxier.dumpMaps();
    res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
    res.end(formatSockLbTable(frontends, backends, frontendNames(proxier.services.serviceMap, proxier.northSouthAddresses())));
  } catch (e) {
    res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
    res.end(`${(e as Error).message}\n`);
  }
}
