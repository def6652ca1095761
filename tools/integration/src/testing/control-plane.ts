/**
 * The control plane an integration suite runs against: a real nats-server (JetStream) and a real
 * apiserver publishing to it. By default both run on this machine (nats-server as a child process,
 * the apiserver in this process); with MINIMESH_CONTROL_PLANE=containers they run as containers
 * from the built images, through testcontainers (control-plane-containers.ts; tools/containers/run.sh
 * runs the informer suites that way when a Docker engine is there). Suites only use what both give:
 * addresses, a client, the store's state as the apiserver reports it, restarts.
 */
import type { ApiClient } from '@minimesh/client';
import type { NatsServer } from '@minimesh/runtime/testing';
import { startNats } from '@minimesh/runtime/testing';
import { startTestApiServer } from '@minimesh/apiserver/testing';

/** The apiserver's flags by their command-line names (`'data-dir'`, `'nats-url'`, ...). */
export type ApiServerFlags = NonNullable<Parameters<typeof startTestApiServer>[0]>;

/** The store's state as the apiserver reports it. */
export interface StoreState {
  id(): Promise<string>;
  revision(): Promise<number>;
  /** The highest revision NATS has got. */
  publishedRevision(): Promise<number>;
  /** The oldest revision the watch history still holds. */
  oldestRevision(): Promise<number>;
}

export interface ControlPlane {
  nats: NatsServer;
  /** host:port of the apiserver's gRPC (TLS), and the CA that verifies it. */
  readonly apiAddress: string;
  readonly caFile: string;
  /** A client of the apiserver; a new one after each restart. */
  readonly client: ApiClient;
  readonly store: StoreState;
  /** Stops the apiserver and starts it again on the same address, with `extra` flags over the first ones. */
  restartApiServer(extra?: ApiServerFlags): Promise<void>;
  stop(): Promise<void>;
}

/** NATS and an apiserver publishing to it, with `flags`: as containers with MINIMESH_CONTROL_PLANE=containers, else here. */
export async function startControlPlane(flags: ApiServerFlags = {}): Promise<ControlPlane> {
  if (process.env.MINIMESH_CONTROL_PLANE === 'containers') return (await import('./control-plane-containers.js')).startContainerControlPlane(flags);
  const nats = await startNats();
  const opts = { listen: '127.0.0.1:0', 'nats-url': nats.url, ...flags };
  const api = await startTestApiServer(opts);
  const store = () => api.server.store;
  return {
    nats,
    apiAddress: api.server.address,
    caFile: api.server.caFile,
    get client() {
      return api.client;
    },
    store: {
      id: async () => store().id,
      revision: () => store().revision(),
      publishedRevision: () => store().publishedRevision(),
      oldestRevision: () => store().oldestRevision(),
    },
    restartApiServer: (extra = {}) => api.restart({ ...opts, listen: api.server.address, ...extra }),
    stop: async () => {
      await api.stop();
      await nats.cleanup();
    },
  };
}
