/**
 * ClusterIP and NodePort bookkeeping for one Service write, as Kubernetes' service REST storage
 * does it (storage/alloc.go): allocate what the new object needs and the old one did not own,
 * release what the old one owned and the new one no longer has.
 *
 * Allocations happen in memory at once (and are undone by `rollback` if the commit fails);
 * releases are only reported, and applied in memory by `commitReleases` after the commit, so a
 * failed write never frees anything.
 */
import {
  InvalidError,
  RangeFullError,
  cloneObject,
  field,
  isHeadlessService,
  needsHealthCheck,
  serviceNeedsClusterIP,
  serviceNeedsNodePorts,
  type FieldError,
  type Service,
} from '@minimesh/api';
import type { ClusterIPAllocator, NodePortAllocator } from '@minimesh/allocators';
import type { Allocation } from '../store/store.js';

export const POOL_CLUSTER_IP = 'clusterip';
export const POOL_NODE_PORT = 'nodeport';

export interface Allocators {
  ip: ClusterIPAllocator;
  port: NodePortAllocator;
}

export interface AllocationPlan {
  service: Service;
  allocate: Allocation[];
  release: { pool: string; value: string }[];
  rollback(): void;
  commitReleases(): void;
}

function ownerOf(svc: Service): string {
  return `${svc.metadata.namespace ?? ''}/${svc.metadata.name ?? ''}`;
}

function ownedClusterIPs(svc: Service | undefined): string[] {
  if (!svc || !serviceNeedsClusterIP(svc) || isHeadlessService(svc)) return [];
  return (svc.spec?.clusterIPs ?? (svc.spec?.clusterIP ? [svc.spec.clusterIP] : [])).filter((ip) => ip && ip !== 'None');
}

function ownedNodePorts(svc: Service | undefined): number[] {
  if (!svc) return [];
  const ports = new Set<number>();
  for (const p of svc.spec?.ports ?? []) if (p.nodePort) ports.add(p.nodePort);
  if (svc.spec?.healthCheckNodePort) ports.add(svc.spec.healthCheckNodePort);
  return [...ports];
}

/** Plans (and makes, in memory) the allocations of `next`, given the previously stored `prev`. */
export function planServiceAllocations(next: Service, prev: Service | undefined, allocators: Allocators): AllocationPlan {
  const svc: Service = cloneObject(next);
  const spec = (svc.spec ??= {});
  const owner = ownerOf(svc);
  const taken: { pool: string; value: string }[] = [];
  const errors: FieldError[] = [];
  const rollback = () => applyReleases(taken, allocators);

  try {
    // ClusterIPs
    const prevIPs = ownedClusterIPs(prev);
    if (serviceNeedsClusterIP(svc) && !isHeadlessService(svc)) {
      const requested = spec.clusterIPs?.length ? spec.clusterIPs : spec.clusterIP ? [spec.clusterIP] : [];
      if (requested.length === 0) {
        try {
          const ip = allocators.ip.allocateNext();
          taken.push({ pool: POOL_CLUSTER_IP, value: ip });
          spec.clusterIP = ip;
          spec.clusterIPs = [ip];
        } catch (e) {
          throw new RangeFullError(`failed to allocate a serviceIP: ${(e as Error).message}`);
        }
      } else {
        for (const ip of requested) {
          if (prevIPs.includes(ip)) continue;
          try {
            allocators.ip.allocate(ip);
            taken.push({ pool: POOL_CLUSTER_IP, value: ip });
          } catch (e) {
            errors.push(field.invalid('spec.clusterIPs', requested, `failed to allocate IP ${ip}: ${(e as Error).message}`));
          }
        }
        spec.clusterIP = requested[0];
        spec.clusterIPs = [...requested];
      }
    }

    // NodePorts: within one Service, ports with the same port number share one nodePort.
    const prevPorts = ownedNodePorts(prev);
    const mine = new Set<number>();
    const claim = (port: number, path: string): boolean => {
      if (mine.has(port)) return true;
      if (prevPorts.includes(port)) {
        mine.add(port);
        return true;
      }
      try {
        allocators.port.allocate(port);
        taken.push({ pool: POOL_NODE_PORT, value: String(port) });
        mine.add(port);
        return true;
      } catch (e) {
        errors.push(field.invalid(path, port, (e as Error).message));
        return false;
      }
    };
    const ports = spec.ports ?? [];
    ports.forEach((p, i) => {
      if (p.nodePort) claim(p.nodePort, `spec.ports[${i}].nodePort`);
    });
    if (serviceNeedsNodePorts(svc)) {
      const byServicePort = new Map<number, number>();
      for (const p of ports) if (p.nodePort) byServicePort.set(p.port, p.nodePort);
      for (const p of ports) {
        if (p.nodePort) continue;
        const shared = byServicePort.get(p.port);
        if (shared) {
          p.nodePort = shared;
          continue;
        }
        let np: number;
        try {
          np = allocators.port.allocateNext();
        } catch (e) {
          throw new RangeFullError(`failed to allocate a nodePort: ${(e as Error).message}`);
        }
        taken.push({ pool: POOL_NODE_PORT, value: String(np) });
        mine.add(np);
        p.nodePort = np;
        byServicePort.set(p.port, np);
      }
    }
    if (needsHealthCheck(svc)) {
      if (spec.healthCheckNodePort) {
        claim(spec.healthCheckNodePort, 'spec.healthCheckNodePort');
      } else {
        try {
          const np = allocators.port.allocateNext();
          taken.push({ pool: POOL_NODE_PORT, value: String(np) });
          mine.add(np);
          spec.healthCheckNodePort = np;
        } catch (e) {
          throw new RangeFullError(`failed to allocate a nodePort: ${(e as Error).message}`);
        }
      }
    }

    if (errors.length) throw new InvalidError('Service', svc.metadata.name ?? '', errors);

    const nextIPs = ownedClusterIPs(svc);
    const release = [
      ...prevIPs.filter((ip) => !nextIPs.includes(ip)).map((value) => ({ pool: POOL_CLUSTER_IP, value })),
      ...prevPorts.filter((p) => !mine.has(p)).map((p) => ({ pool: POOL_NODE_PORT, value: String(p) })),
    ];
    return {
      service: svc,
      allocate: taken.map((t) => ({ ...t, owner })),
      release,
      rollback,
      commitReleases: () => applyReleases(release, allocators),
    };
  } catch (e) {
    rollback();
    throw e;
  }
}

/** What a deleted Service gives back. */
export function serviceReleases(svc: Service): { pool: string; value: string }[] {
  return [
    ...ownedClusterIPs(svc).map((value) => ({ pool: POOL_CLUSTER_IP, value })),
    ...ownedNodePorts(svc).map((p) => ({ pool: POOL_NODE_PORT, value: String(p) })),
  ];
}

export function applyReleases(releases: { pool: string; value: string }[], allocators: Allocators): void {
  for (const r of releases) {
    if (r.pool === POOL_CLUSTER_IP) allocators.ip.release(r.value);
    else allocators.port.release(Number(r.value));
  }
}
