/**
 * Start-up: rebuild the allocators from the store, then make sure the objects every cluster has
 * exist: the system namespaces and the `kubernetes` Service holding the first ClusterIP.
 */
import { AlreadyExistsError, type Namespace, type Service } from '@minimesh/api';
import { ClusterIPAllocator, NodePortAllocator, indexedIP } from '@minimesh/allocators';
import type { Logger } from '@minimesh/runtime';
import type { Store } from '../store/store.js';
import { Registry, SYSTEM_NAMESPACES } from './registry.js';
import { POOL_CLUSTER_IP, POOL_NODE_PORT, type Allocators } from './service-allocations.js';

export interface BootstrapOptions {
  serviceCidr: string;
  nodePortRange: string;
  log: Logger;
}

export async function restoreAllocators(store: Store, opts: BootstrapOptions): Promise<Allocators> {
  const ip = new ClusterIPAllocator(opts.serviceCidr);
  const port = new NodePortAllocator(opts.nodePortRange);
  for (const a of await store.allocations(POOL_CLUSTER_IP)) {
    try {
      ip.allocate(a.value);
    } catch (e) {
      opts.log.warn('ClusterIP kept in the store is not usable in the current range; please recreate service', {
        ip: a.value,
        service: a.owner,
        err: (e as Error).message,
      });
    }
  }
  for (const a of await store.allocations(POOL_NODE_PORT)) {
    try {
      port.allocate(Number(a.value));
    } catch (e) {
      opts.log.warn(`Port ${a.value} is not within the port range ${opts.nodePortRange}; please recreate service`, {
        service: a.owner,
        err: (e as Error).message,
      });
    }
  }
  return { ip, port };
}

export async function openRegistry(store: Store, opts: BootstrapOptions): Promise<Registry> {
  const registry = new Registry(store, await restoreAllocators(store, opts), {
    onListenerError: (e) => opts.log.error('a commit listener failed', { err: (e as Error).stack ?? String(e) }),
  });
  await registry.resumeDeletions();
  const ensure = async (create: () => Promise<unknown>) => {
    try {
      await create();
    } catch (e) {
      if (!(e instanceof AlreadyExistsError)) throw e;
    }
  };
  for (const name of SYSTEM_NAMESPACES) {
    if (!(await store.get('Namespace', '', name))) {
      const ns: Namespace = { apiVersion: 'v1', kind: 'Namespace', metadata: { name } };
      await ensure(() => registry.create(ns));
    }
  }
  if (!(await store.get('Service', 'default', 'kubernetes'))) {
    const ip = indexedIP(opts.serviceCidr, 1);
    if (registry.clusterIPTaken(ip)) {
      // Someone else holds the first IP (the Service was deleted and the IP reused): carry on
      // without it, as Kubernetes' reconciler does, rather than refuse to start.
      opts.log.warn('cannot recreate the kubernetes Service: its ClusterIP is held by another Service', { clusterIP: ip });
      return registry;
    }
    const svc: Service = {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'kubernetes', namespace: 'default', labels: { component: 'apiserver', provider: 'kubernetes' } },
      spec: { type: 'ClusterIP', clusterIP: ip, ports: [{ name: 'https', protocol: 'TCP', port: 443, targetPort: 6443 }] },
    };
    await ensure(() => registry.create(svc));
  }
  return registry;
}
