/**
 * Registers cluster DNS as the `kube-dns` Service in `kube-system` (kubeadm's manifest): ClusterIP
 * 10.96.0.10, ports dns 53/UDP, dns-tcp 53/TCP, metrics 9153/TCP, selector k8s-app=kube-dns, and
 * keeps it so: recreated when deleted, ports and selector put back when changed. The pods behind
 * it are registered by whoever runs the process (the local cluster tool).
 */
import { AlreadyExistsError, ConflictError, NotFoundError, type Service, type ServicePort } from '@minimesh/api';
import type { ApiClient } from '@minimesh/client';
import type { Informer } from '@minimesh/informer';
import type { Logger } from '@minimesh/runtime';

export const KUBE_DNS_NAMESPACE = 'kube-system';
export const KUBE_DNS_NAME = 'kube-dns';
export const DEFAULT_KUBE_DNS_IP = '10.96.0.10';
const RETRY_MS = [200, 1000, 5000, 10_000];

export function kubeDnsService(clusterIP: string): Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: KUBE_DNS_NAME,
      namespace: KUBE_DNS_NAMESPACE,
      labels: { 'k8s-app': 'kube-dns', 'kubernetes.io/cluster-service': 'true', 'kubernetes.io/name': 'CoreDNS' },
      annotations: { 'prometheus.io/port': '9153', 'prometheus.io/scrape': 'true' },
    },
    spec: {
      type: 'ClusterIP',
      clusterIP,
      selector: { 'k8s-app': 'kube-dns' },
      ports: [
        { name: 'dns', port: 53, protocol: 'UDP', targetPort: 53 },
        { name: 'dns-tcp', port: 53, protocol: 'TCP', targetPort: 53 },
        { name: 'metrics', port: 9153, protocol: 'TCP', targetPort: 9153 },
      ],
    },
  };
}

const portKey = (p: ServicePort) => `${p.name ?? ''}/${p.protocol ?? 'TCP'}/${p.port}/${p.targetPort ?? p.port}`;

function drifted(have: Service, want: Service): boolean {
  const a = (have.spec?.ports ?? []).map(portKey).sort().join(',');
  const b = (want.spec?.ports ?? []).map(portKey).sort().join(',');
  return a !== b || JSON.stringify(have.spec?.selector ?? {}) !== JSON.stringify(want.spec?.selector ?? {});
}

export interface KubeDnsRegistration {
  stop(): void;
}

/** Reconciles after the services informer synced and whenever kube-system/kube-dns changes. */
export function registerKubeDns(o: { client: ApiClient; services: Informer<Service>; clusterIP: string; log: Logger }): KubeDnsRegistration {
  const want = kubeDnsService(o.clusterIP);
  let stopped = false;
  let running = false;
  let again = false;
  let failures = 0;
  let retry: NodeJS.Timeout | undefined;

  const reconcile = async (): Promise<void> => {
    const have = o.services.get(KUBE_DNS_NAMESPACE, KUBE_DNS_NAME);
    if (!have) {
      await o.client.create(want);
      o.log.info('registered the kube-dns Service', { clusterIP: o.clusterIP });
      return;
    }
    if (have.spec?.clusterIP !== o.clusterIP) {
      o.log.warn('kube-dns has another ClusterIP, which cannot change; leaving it', { have: have.spec?.clusterIP, want: o.clusterIP });
    }
    if (drifted(have, want)) {
      await o.client.update({ ...have, spec: { ...have.spec, ports: want.spec!.ports, selector: want.spec!.selector } });
      o.log.info('restored the kube-dns Service ports and selector');
    }
  };

  const run = () => {
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    running = true;
    reconcile()
      .then(() => (failures = 0))
      .catch((e: Error) => {
        // Conflicts and races with the informer settle on the next event or retry.
        if (!(e instanceof AlreadyExistsError || e instanceof ConflictError || e instanceof NotFoundError)) {
          o.log.error('registering the kube-dns Service failed', { err: e.message });
        }
        const delay = RETRY_MS[Math.min(failures++, RETRY_MS.length - 1)]!;
        clearTimeout(retry);
        retry = setTimeout(run, delay);
      })
      .finally(() => {
        running = false;
        if (again) {
          again = false;
          run();
        }
      });
  };

  const mine = (s: Service) => s.metadata.namespace === KUBE_DNS_NAMESPACE && s.metadata.name === KUBE_DNS_NAME;
  const reg = o.services.addEventHandler({
    onUpdate: (_, s) => mine(s) && o.services.hasSynced() && run(),
    onDelete: (s) => mine(s) && run(),
  });
  o.services.waitForSync().then(run, () => {});
  return {
    stop() {
      stopped = true;
      clearTimeout(retry);
      reg.remove();
    },
  };
}
