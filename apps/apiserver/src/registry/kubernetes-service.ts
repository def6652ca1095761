/**
 * The `kubernetes` Service in `default` and its endpoints, kept as kube-apiserver keeps them (the
 * kubernetesservice controller and the endpoint reconciler, pkg/controlplane): the Service holds
 * the first ClusterIP with port 443 (`https`) to the apiserver's port; the Endpoints and the
 * EndpointSlice name the apiserver's advertised address. All three are recreated when deleted
 * and put back when changed, at once after a delete and every `intervalMs` (10 s, as
 * --endpoint-reconciler's period) otherwise. The Endpoints carry
 * `endpointslice.kubernetes.io/skip-mirror` so the mirroring controller leaves them alone.
 */
import { AlreadyExistsError, ConflictError, NotFoundError, jsonEqual, type EndpointSlice, type Endpoints, type KubeObject, type Service } from '@minimesh/api';
import type { Logger } from '@minimesh/runtime';
import type { StoredEvent } from '../store/store.js';
import type { Registry } from './registry.js';

export interface KubernetesServiceOptions {
  clusterIP: string;
  /** The apiserver's address other components reach it at; '' when there is none to advertise. */
  advertiseAddress: string;
  /** The apiserver's port (the Service's targetPort and the endpoints' port). */
  port: number;
  intervalMs?: number;
  log: Logger;
}

const NAME = 'kubernetes';
const NS = 'default';

export class KubernetesServiceReconciler {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private stopped = false;

  constructor(
    private readonly registry: Registry,
    private readonly opts: KubernetesServiceOptions,
  ) {}

  start(): Promise<void> {
    this.registry.onCommit((events) => {
      if (events.some((e) => isOurs(e) && e.type === 'DELETED')) this.kick();
    });
    this.timer = setInterval(() => this.kick(), this.opts.intervalMs ?? 10_000);
    this.timer.unref();
    return this.reconcile();
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.timer);
  }

  private kick(): void {
    if (this.stopped || this.running) return;
    this.running = this.reconcile().finally(() => (this.running = undefined));
  }

  /** One pass: create what is missing, put back what drifted. */
  async reconcile(): Promise<void> {
    try {
      await this.ensureService();
      await this.ensure(this.endpoints());
      await this.ensure(this.slice());
    } catch (e) {
      if (!(e instanceof ConflictError) && !(e instanceof AlreadyExistsError)) this.opts.log.warn('reconciling the kubernetes Service failed', { err: (e as Error).message });
    }
  }

  private async ensureService(): Promise<void> {
    const ports = [{ name: 'https', protocol: 'TCP', port: 443, targetPort: this.opts.port }];
    const current = await this.registry.get('Service', NS, NAME).catch(notFound);
    if (!current) {
      if (this.registry.clusterIPTaken(this.opts.clusterIP)) {
        // Someone else holds the first IP (the Service was deleted and the IP reused): carry on
        // without it, as Kubernetes' controller does, rather than fail.
        this.opts.log.warn('cannot recreate the kubernetes Service: its ClusterIP is held by another Service', { clusterIP: this.opts.clusterIP });
        return;
      }
      const svc: Service = {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: NAME, namespace: NS, labels: { component: 'apiserver', provider: 'kubernetes' } },
        spec: { type: 'ClusterIP', clusterIP: this.opts.clusterIP, ports },
      };
      await this.registry.create(svc);
      return;
    }
    const have = (current.spec?.ports ?? []).map((p) => ({ name: p.name, protocol: p.protocol, port: p.port, targetPort: p.targetPort }));
    if (!jsonEqual(have, ports)) await this.registry.update({ ...current, spec: { ...current.spec, ports } });
  }

  private endpoints(): Endpoints {
    const subsets = this.opts.advertiseAddress
      ? [{ addresses: [{ ip: this.opts.advertiseAddress }], ports: [{ name: 'https', port: this.opts.port, protocol: 'TCP' }] }]
      : [];
    return { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: NAME, namespace: NS, labels: { 'endpointslice.kubernetes.io/skip-mirror': 'true' } }, subsets };
  }

  private slice(): EndpointSlice {
    return {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: NAME, namespace: NS, labels: { 'kubernetes.io/service-name': NAME } },
      addressType: 'IPv4',
      endpoints: this.opts.advertiseAddress ? [{ addresses: [this.opts.advertiseAddress], conditions: { ready: true } }] : [],
      ports: [{ name: 'https', port: this.opts.port, protocol: 'TCP' }],
    };
  }

  /** Creates `want`, or updates the stored object when its labels or content differ. */
  private async ensure(want: Endpoints | EndpointSlice): Promise<void> {
    const current = (await this.registry.get(want.kind, NS, NAME).catch(notFound)) as KubeObject | undefined;
    if (!current) {
      await this.registry.create(want);
      return;
    }
    const content = (o: KubeObject) => {
      const { metadata, apiVersion: _a, kind: _k, ...rest } = o as unknown as Record<string, unknown> & { metadata: KubeObject['metadata'] };
      return { labels: metadata.labels ?? {}, rest };
    };
    if (jsonEqual(content(current), content(want))) return;
    await this.registry.update({ ...want, metadata: { ...current.metadata, labels: want.metadata.labels } } as KubeObject);
  }
}

function isOurs(e: StoredEvent): boolean {
  return e.namespace === NS && e.name === NAME && (e.kind === 'Service' || e.kind === 'Endpoints' || e.kind === 'EndpointSlice');
}

function notFound(e: unknown): undefined {
  if (e instanceof NotFoundError) return undefined;
  throw e;
}
