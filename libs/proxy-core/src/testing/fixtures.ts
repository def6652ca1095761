/** Builders for the specs: Services, EndpointSlices, and the maps the trackers make of them. */
import type { Endpoint, EndpointSlice, EndpointSlicePort, Service, ServiceSpec, ServiceStatus } from '@minimesh/api';
import { EndpointsChangeTracker, ServiceChangeTracker } from '../change-trackers.js';
import type { EndpointsMap } from '../endpoint-info.js';
import type { ServicePortMap } from '../service-port.js';

export function makeService(namespace: string, name: string, spec: ServiceSpec, status?: ServiceStatus): Service {
  return { apiVersion: 'v1', kind: 'Service', metadata: { namespace, name }, spec: { type: 'ClusterIP', ...spec }, ...(status ? { status } : {}) };
}

export interface SliceSpec {
  ports: EndpointSlicePort[];
  endpoints: Endpoint[];
  name?: string;
  addressType?: string;
  annotations?: Record<string, string>;
}

export function makeSlice(namespace: string, service: string, spec: SliceSpec): EndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      namespace,
      name: spec.name ?? `${service}-abcde`,
      labels: { 'kubernetes.io/service-name': service },
      ...(spec.annotations ? { annotations: spec.annotations } : {}),
    },
    addressType: spec.addressType ?? 'IPv4',
    ports: spec.ports,
    endpoints: spec.endpoints,
  };
}

/** An endpoint on `nodeName`, ready unless conditions say otherwise. */
export function ep(ip: string, nodeName?: string, conditions?: Endpoint['conditions']): Endpoint {
  return { addresses: [ip], ...(nodeName ? { nodeName } : {}), ...(conditions ? { conditions } : {}) };
}

export const TERMINATING = { ready: false, serving: true, terminating: true };
export const NOT_READY = { ready: false, serving: false, terminating: false };

/** The full maps the trackers hold after seeing these objects. */
export function stateOf(services: Service[], slices: EndpointSlice[], nodeName: string): { services: ServicePortMap; endpoints: EndpointsMap } {
  const st = new ServiceChangeTracker();
  for (const s of services) st.update(undefined, s);
  st.checkoutChanges();
  const et = new EndpointsChangeTracker({ nodeName, startTime: 0 });
  for (const s of slices) et.update(undefined, s);
  et.checkoutChanges();
  return { services: st.serviceMap, endpoints: et.endpointsMap };
}

/** A hand-written ruleset: each line's indentation and blank lines dropped, one trailing newline. */
export function ruleset(text: string): string {
  const lines = text.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  return `${lines.join('\n')}\n`;
}

/** The walkthrough: study/service-clusterip 10.97.97.97:80 over three nginx pods on two nodes. */
export function walkthroughService(spec: Partial<ServiceSpec> = {}): Service {
  return makeService('study', 'service-clusterip', { clusterIP: '10.97.97.97', selector: { app: 'nginx-pod' }, ports: [{ port: 80, protocol: 'TCP', targetPort: 80 }], ...spec });
}

export function walkthroughSlice(): EndpointSlice {
  return makeSlice('study', 'service-clusterip', {
    ports: [{ name: '', port: 80, protocol: 'TCP' }],
    endpoints: [ep('10.244.1.39', 'node1'), ep('10.244.1.40', 'node1'), ep('10.244.2.33', 'node2')],
  });
}

export const NODE1 = { name: 'node1', addresses: ['192.168.100.51'] };
