/**
 * minimesh-dns assembled: informers → snapshot → plugin chain → UDP/TCP listeners, plus the
 * probes, metrics, loop detection and the kube-dns Service. `stop()` is the graceful shutdown:
 * lame duck (still answering, /ready failing) for `lameduck` seconds, then everything closes.
 */
import type { ApiClient } from '@minimesh/client';
import { connectFromFlags, natsTransportOptions } from '@minimesh/informer';
import { Rcode, parseKubernetesConfig, type DnsRequest, type DnsResponse, type Handler, type KubernetesConfig } from '@minimesh/dns-core';
import { splitHostPort, type Logger } from '@minimesh/runtime';
import { ClusterSource } from './cluster-source.js';
import { registerKubeDns, type KubeDnsRegistration } from './kube-dns-service.js';
import { localIPs } from './local-ips.js';
import { dnsMetrics, type DnsMetrics } from './metrics.js';
import { list, type DnsOptions } from './options.js';
import { assembleChain } from './plugin-chain.js';
import { accessControl } from './plugins/acl-plugin.js';
import { cachePlugin } from './plugins/cache-plugin.js';
import { forwardPlugin } from './plugins/forward-plugin.js';
import { loopDetector, ownForwarderCheck, type LoopDetector } from './plugins/loop-plugin.js';
import { ResponseCache } from './plugins/response-cache.js';
import { UpstreamExchange, parseUpstream } from './plugins/upstream-exchange.js';
import { UpstreamPool } from './plugins/upstream-pool.js';
import { noProbes, startProbes, type Probes } from './probes.js';
import { readResolvConf } from './resolv-conf.js';
import { startListeners, type DnsListeners } from './server/dns-listeners.js';
import { requestMetrics } from './server/request-metrics.js';
import { AnswerMemo } from './server/answer-memo.js';
import { serveMessage, type ServeContext } from './server/serve-message.js';
import { answerOf, internalRequest } from './internal-query.js';

export const VERSION = '0.1.0';

export interface DnsAppDeps {
  log: Logger;
  /** Called when a forwarding loop is found (main exits, as CoreDNS does). */
  onLoop?: (message: string) => void;
  client?: ApiClient;
  metrics?: DnsMetrics;
  /** One of several --workers (workers.ts): no probes of its own, and only worker 0 registers the Service and probes for loops. */
  worker?: { index: number; probeName: string };
}

export interface DnsApp {
  /** `host:port` the DNS listeners are bound to. */
  address: string;
  port: number;
  probes: Probes;
  source: ClusterSource;
  config: KubernetesConfig;
  metrics: DnsMetrics;
  handler: Handler;
  loop?: LoopDetector;
  /** Lame duck for `lameduckSeconds` (default: the option), then shut down. */
  stop(lameduckSeconds?: number): Promise<void>;
}

export function serverLabel(listen: string, port: number): string {
  const { host } = splitHostPort(listen);
  return host === '0.0.0.0' || host === '::' ? `dns://:${port}` : `dns://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

export async function startDnsApp(o: DnsOptions, deps: DnsAppDeps): Promise<DnsApp> {
  const log = deps.log;
  const metrics = deps.metrics ?? dnsMetrics({ version: VERSION });
  const ownClient = !deps.client;
  const client = deps.client ?? (await connectFromFlags(o));
  const config = parseKubernetesConfig({
    zones: list(o.zones),
    ttl: o.ttl,
    pods: o.pods,
    fallthrough: list(o.fallthrough),
    endpointPodNames: o['endpoint-pod-names'],
    localIPs: o['local-ips'] ? list(o['local-ips']) : localIPs(o.listen),
  });
  const upstreamTexts = o.upstreams ? list(o.upstreams) : readResolvConf(o['resolv-conf']);
  const upstreams = upstreamTexts.map(parseUpstream);
  if (upstreams.length === 0) log.warn('no upstream servers: names outside the cluster zones get SERVFAIL');

  // Under --workers every worker is programmed by the same changes: worker 0 alone observes how long
  // that took, or the summed /metrics would count each change once per worker.
  const observesProgramming = (deps.worker?.index ?? 0) === 0;
  const source = new ClusterSource({ client, transport: o.transport, nats: natsTransportOptions(o), watchPods: config.pods === 'verified', log: log.child('kubernetes'), metrics: observesProgramming ? metrics.kubernetes : undefined });
  const exchange = new UpstreamExchange();
  const pool = new UpstreamPool({ upstreams, policy: o.policy as 'random', maxFails: 2, healthCheckMs: o['health-check'] * 1000, exchange, metrics: metrics.forward });

  const { port: wantedPort } = splitHostPort(o.listen);
  let label = serverLabel(o.listen, wantedPort);
  const cache =
    o['cache-size'] > 0
      ? new ResponseCache(
          { successCapacity: o['cache-size'], denialCapacity: o['cache-size'], successMaxTTL: o['cache-ttl'], denialMaxTTL: o['cache-ttl'], minTTL: o['cache-min-ttl'], servfailTTL: o['servfail-ttl'] },
          (type) => metrics.cache.evictions.inc({ server: label, type, zones: '.', view: '' }),
        )
      : undefined;

  const isLocal = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1', ...config.localIPs]);
  const loop = o['loop-detect']
    ? loopDetector({
        server: label,
        probeName: deps.worker?.probeName,
        isOwnForwarder: ownForwarderCheck(() => exchange.ownPorts(), isLocal),
        onLoop: (message) => {
          log.error(message);
          deps.onLoop?.(message);
        },
      })
    : undefined;

  let head: Handler = async () => {
    throw new Error('chain not built');
  };
  const query = (req: DnsRequest): Promise<DnsResponse> => head(req);
  // No --acl: the cluster zones for anyone, forwarding only for --allow-forward-from.
  const access = accessControl({
    acl: o.acl,
    forwardFrom: list(o['allow-forward-from']),
    zones: config.zones,
    onDecision: (action, zone = '.') => {
      if (action === 'allow') metrics.acl.allowed.with(label, '').inc();
      else metrics.acl[action === 'block' ? 'blocked' : action === 'filter' ? 'filtered' : 'dropped'].with(label, zone, '').inc();
    },
  });
  const { handler, enabled } = assembleChain(
    {
      acl: access.acl,
      cache: cache ? cachePlugin({ cache, metrics: metrics.cache, server: label }) : undefined,
      kubernetes: { config, snapshot: () => source.snapshot() },
      loop: loop?.plugin,
      forward: forwardPlugin({
        pool,
        exchange,
        maxConcurrent: o['max-concurrent'],
        readTimeoutMs: o['forward-timeout'] * 1000,
        deadlineMs: 5000,
        forceTcp: o['force-tcp'],
        preferUdp: o['prefer-udp'],
        metrics: metrics.forward,
        log: log.child('forward'),
        allowFrom: access.forwardFrom,
        maxUdpSize: o['max-udp-size'],
      }),
    },
    { lookup: async (name, type, parent) => answerOf(await query(internalRequest(name, type, parent.remote))) },
  );
  head = handler;

  const memo = new AnswerMemo<(seconds: number) => void>({ current: () => source.snapshot(), clientClass: access.clientClass });
  const allowed = () => metrics.acl.allowed.with(label, '');
  let allowedSeries = allowed();
  const serveContext: ServeContext = {
    handler,
    metrics: requestMetrics(metrics, label),
    log,
    maxUdpSize: o['max-udp-size'],
    memo,
    onMemoHit: () => allowedSeries.inc(),
  };
  let listeners: DnsListeners | undefined;
  let probes: Probes | undefined;
  let registration: KubeDnsRegistration | undefined;
  try {
    listeners = await startListeners(
      o.listen,
      (wire, proto, remote) => serveMessage(serveContext, wire, proto, remote),
      log,
      {
        maxConnections: o['max-tcp-connections'],
        maxPipelined: o['max-tcp-queries'],
        idleTimeoutMs: o['tcp-idle-timeout'] * 1000,
      },
      (reply) => memo.held(reply),
    );
    label = serverLabel(o.listen, listeners.port);
    serveContext.metrics = requestMetrics(metrics, label);
    allowedSeries = allowed();
    memo.clear(); // its entries count under the label of before
    for (const name of enabled) metrics.pluginEnabled.set({ server: label, zone: '.', view: '', name }, 1);
    probes = deps.worker
      ? noProbes()
      : await startProbes({
          healthListen: o['health-listen'],
          readyListen: o['ready-listen'],
          metricsListen: o['metrics-listen'],
          registry: metrics.registry,
          health: metrics.health,
          notReady: () => (source.hasSynced() ? [] : ['kubernetes']),
        });
  } catch (e) {
    await listeners?.close();
    await exchange.close();
    if (ownClient) client.close();
    throw e;
  }
  source.start();
  const first = (deps.worker?.index ?? 0) === 0;
  if (o['register-service'] && first) registration = registerKubeDns({ client, services: source.services, clusterIP: o['service-ip'], log: log.child('kube-dns') });
  if (loop && upstreams.length > 0 && !first) loop.watch();
  else if (loop && upstreams.length > 0) {
    void loop.probe(async (name) => {
      const r = await query(internalRequest(name, 'HINFO'));
      return r.wire !== undefined && r.rcode !== Rcode.SERVFAIL;
    });
  }

  const l = listeners;
  const p = probes;
  let stopping: Promise<void> | undefined;
  return {
    address: l.address,
    port: l.port,
    probes: p,
    source,
    config,
    metrics,
    handler,
    loop,
    stop(lameduckSeconds = o.lameduck) {
      stopping ??= (async () => {
        p.enterLameDuck();
        if (lameduckSeconds > 0) {
          log.info('lame duck', { seconds: lameduckSeconds });
          await new Promise((r) => setTimeout(r, lameduckSeconds * 1000));
        }
        loop?.stop();
        registration?.stop();
        pool.stop();
        await l.close();
        await source.stop();
        await exchange.close();
        await p.close();
        if (ownClient) client.close();
      })();
      return stopping;
    },
  };
}
