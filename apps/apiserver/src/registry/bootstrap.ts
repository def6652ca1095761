/**
 * Start-up: rebuild the allocators from the store, resume graceful deletions, then make sure the
 * system namespaces exist (the `kubernetes` Service is kubernetes-service.ts's).
 */
import { AlreadyExistsError, type Namespace } from '@minimesh/api';
import { ClusterIPAllocator, NodePortAllocator } from '@minimesh/allocators';
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
  return registry;
}
