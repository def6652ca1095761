/** The informers the controllers read from, and the look-ups they need. */
import { LABEL_SERVICE_NAME, type Endpoints, type EndpointSlice, type Node, type Pod, type Service } from '@minimesh/api';
import type { ApiClient } from '@minimesh/client';
import { createInformer, informerSet, type Informer, type InformerSet, type NatsTransportOptions } from '@minimesh/informer';
import type { Logger } from '@minimesh/runtime';

export const SLICES_BY_SERVICE = 'by-service-name';

export interface Caches {
  services: Informer<Service>;
  pods: Informer<Pod>;
  endpoints: Informer<Endpoints>;
  slices: Informer<EndpointSlice>;
  nodes: Informer<Node>;
  all: InformerSet;
}

export interface CacheOptions {
  client: ApiClient;
  transport: 'grpc' | 'nats';
  nats: NatsTransportOptions;
  log: Logger;
}

export function createCaches(o: CacheOptions): Caches {
  const common = { client: o.client, transport: o.transport, nats: o.nats, logger: o.log };
  const services = createInformer({ kind: 'Service', ...common });
  const pods = createInformer({ kind: 'Pod', ...common });
  const endpoints = createInformer({ kind: 'Endpoints', ...common });
  const slices = createInformer({ kind: 'EndpointSlice', ...common });
  const nodes = createInformer({ kind: 'Node', ...common });
  slices.addIndexer(SLICES_BY_SERVICE, (s) => {
    const svc = s.metadata.labels?.[LABEL_SERVICE_NAME];
    return svc ? [`${s.metadata.namespace}/${svc}`] : [];
  });
  return { services, pods, endpoints, slices, nodes, all: informerSet(services, pods, endpoints, slices, nodes) };
}

export function splitKey(key: string): { namespace: string; name: string } {
  const i = key.indexOf('/');
  return { namespace: key.slice(0, i), name: key.slice(i + 1) };
}

export function keyOf(obj: { metadata: { namespace?: string; name?: string } }): string {
  return `${obj.metadata.namespace ?? ''}/${obj.metadata.name ?? ''}`;
}

/** Slices labelled kubernetes.io/service-name=<name> in the namespace (of any manager). */
export function slicesOfService(c: Caches, key: string): EndpointSlice[] {
  return c.slices.byIndex(SLICES_BY_SERVICE, key);
}
