/**
 * What the informer tests run against: a real nats-server and a real apiserver publishing to it
 * (in this process, or as containers: control-plane.ts), plus TCP proxies between them and the
 * informer, so a test can cut the informer off alone.
 */
import type { Kind, KubeObject, Namespace, Pod } from '@minimesh/api';
import { connectApiClient, type ApiClient } from '@minimesh/client';
import { eventually, startTcpProxy, type NatsServer, type TcpProxy } from '@minimesh/runtime/testing';
import { createInformer, type Informer, type InformerOptions, type Transport } from '@minimesh/informer';
import { startControlPlane, type ApiServerFlags, type StoreState } from './control-plane.js';

export interface TestCluster {
  nats: NatsServer;
  /** The apiserver's store, as the apiserver reports it. */
  store: StoreState;
  /** The apiserver as the test sees it (direct). */
  readonly truth: ApiClient;
  /** The apiserver as informers see it (through `grpcProxy`). */
  client: ApiClient;
  grpcProxy: TcpProxy;
  natsProxy: TcpProxy;
  /** nats://… of `natsProxy`. */
  natsUrl: string;
  /** Restarts the apiserver on the same port, with `extra` flags (a new data directory, say). */
  restartApiServer(extra?: ApiServerFlags): Promise<void>;
  /** Cuts (or restores) both of the informers' connections. */
  cutInformers(): Promise<void>;
  restoreInformers(): Promise<void>;
  stop(): Promise<void>;
}

export async function startTestCluster(apiserver: ApiServerFlags = {}): Promise<TestCluster> {
  const cp = await startControlPlane({ 'bookmark-interval': 1, ...apiserver });
  const grpcProxy = await startTcpProxy({ port: Number(cp.apiAddress.split(':').pop()) });
  const natsProxy = await startTcpProxy({ port: cp.nats.port });
  const client = connectApiClient(grpcProxy.address, { caFile: cp.caFile });
  return {
    nats: cp.nats,
    store: cp.store,
    get truth() {
      return cp.client;
    },
    client,
    grpcProxy,
    natsProxy,
    natsUrl: `nats://${natsProxy.address}`,
    restartApiServer: (extra = {}) => cp.restartApiServer(extra),
    cutInformers: async () => {
      await grpcProxy.cut();
      await natsProxy.cut();
    },
    restoreInformers: async () => {
      await grpcProxy.restore();
      await natsProxy.restore();
    },
    stop: async () => {
      client.close();
      await grpcProxy.close();
      await natsProxy.close();
      await cp.stop();
    },
  };
}

export interface LogEntry {
  level: 'debug' | 'info' | 'warn' | 'error';
  msg: string;
  meta?: Record<string, unknown>;
}

/** A logger that keeps what it is told (and prints it with MINIMESH_LOG_LEVEL=debug). */
export function recordingLogger() {
  const entries: LogEntry[] = [];
  const echo = process.env.MINIMESH_LOG_LEVEL === 'debug';
  const at = (level: LogEntry['level']) => (msg: string, meta?: Record<string, unknown>) => {
    entries.push({ level, msg, meta });
    if (echo) console.error(level, msg, JSON.stringify(meta ?? {}));
  };
  return {
    entries,
    relists: () => entries.filter((e) => e.msg === 'relisted').map((e) => String(e.meta?.reason)),
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
  };
}

/** An informer of the test cluster on `transport`, with a short backoff cap so tests recover fast. */
export function testInformer<K extends Kind>(
  c: TestCluster,
  transport: Transport,
  opts: Omit<InformerOptions<K>, 'client' | 'transport'>,
): Informer<Extract<KubeObject, { kind: K }>> {
  return createInformer<K>({
    client: c.client,
    transport,
    nats: transport === 'nats' ? { servers: c.natsUrl } : undefined,
    backoff: { initialMs: 50, maxMs: 1000 },
    ...opts,
  });
}

export const ns = (name: string): Namespace => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });

export const pod = (namespace: string, name: string, labels: Record<string, string> = {}): Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace, labels },
  spec: { containers: [{ name: 'c' }] },
});

/** `namespace/name@resourceVersion` of each object, sorted: what "the same objects" means here. */
export function fingerprint(objects: KubeObject[]): string[] {
  return objects.map((o) => `${o.metadata.namespace ?? ''}/${o.metadata.name}@${o.metadata.resourceVersion}`).sort();
}

/** Resolves once the apiserver has published every committed event to NATS. */
export async function allPublished(c: TestCluster): Promise<void> {
  const rev = await c.store.revision();
  await eventually(async () => (await c.store.publishedRevision()) >= rev, 15_000);
}

/**
 * Waits until the informer's cache is exactly the apiserver's list; on timeout the error says
 * what differed and ends with what the informer logged last (a rare race is then readable from
 * the CI output alone).
 */
export async function untilMatchesList<T extends KubeObject>(c: TestCluster, informer: Informer<T>, log?: { entries: LogEntry[] }, timeoutMs = 20_000): Promise<void> {
  await eventually(() => matchesList(c, informer), timeoutMs).catch(async (e: Error) => {
    const list = await listOf(c, informer).catch(() => undefined);
    const recent = (log?.entries ?? []).slice(-25).map((l) => `  ${l.level} ${l.msg} ${JSON.stringify(l.meta ?? {})}`);
    throw new Error(
      [
        `${e.message}: the cache never matched the list in ${timeoutMs} ms`,
        `cache: ${fingerprint(informer.list()).join(' ')}`,
        `list:  ${list ? fingerprint(list.items).join(' ') : '(the list failed)'}`,
        ...(recent.length ? ['the informer logged last:', ...recent] : []),
      ].join('\n'),
    );
  });
}

/** The apiserver's list of what the informer selects. */
function listOf<T extends KubeObject>(c: TestCluster, informer: Informer<T>) {
  return c.truth.list(informer.kind, { namespace: informer.namespace, labelSelector: informer.labelSelector });
}

/** True once the informer's cache is exactly the apiserver's list for the same selection. */
export async function matchesList<T extends KubeObject>(c: TestCluster, informer: Informer<T>): Promise<boolean> {
  const list = await listOf(c, informer);
  return JSON.stringify(fingerprint(informer.list())) === JSON.stringify(fingerprint(list.items));
}
