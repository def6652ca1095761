/**
 * The load balancer controller (MetalLB's controller): informers on Services, IPAddressPools and
 * Namespaces; one worker syncs one Service at a time, so every decision sees the previous one.
 * A sync reads what the Service asks for, takes an address from the allocator (or gives its
 * address back), and writes the outcome: `status.loadBalancer.ingress`, the
 * `metallb.io/ip-allocated-from-pool` annotation, and a status condition saying why a Service is
 * still pending (pool exhausted, requested address taken, not in any pool).
 *
 * Only the leader of the Lease writes. A new leader first reads every address back from the
 * Services' status, oldest Service first, and only then syncs: an address is never handed to two
 * Services, whatever happened before. An address coming free is offered to the pending Services.
 */
import type { IPAddressPool, Namespace, Service } from '@minimesh/api';
import type { ApiClient } from '@minimesh/client';
import { EventRecorder, LeaderElector, WorkQueue, runWorkers } from '@minimesh/controller-kit';
import { createInformer, informerSet, type Informer, type InformerSet, type NatsTransportOptions } from '@minimesh/informer';
import type { Logger } from '@minimesh/runtime';
import { AllocationError, Allocator } from '../allocator/allocator.js';
import { poolFromObject } from '../allocator/pool.js';
import type { LbMetrics } from '../metrics.js';
import { ANNOTATION_ALLOCATED_FROM_POOL, readServiceDemand, statusIP } from './service-request.js';
import { desiredLoadBalancerStatus, statusDiffers, type Outcome } from './status.js';

export interface LbControllerOptions {
  client: ApiClient;
  transport: 'grpc' | 'nats';
  /** The informers' NATS servers and credentials (transport nats). */
  nats: NatsTransportOptions;
  /** The spec.loadBalancerClass served; undefined: Services without one. */
  lbClass?: string;
  leaderElection?: { identity: string; leaseName: string; leaseDurationMs: number; renewDeadlineMs: number; retryPeriodMs: number };
  log: Logger;
  metrics: LbMetrics;
  now?: () => number;
}

const keyOf = (o: { metadata: { namespace?: string; name?: string } }) => `${o.metadata.namespace ?? ''}/${o.metadata.name ?? ''}`;

export class LbController {
  readonly services: Informer<Service>;
  readonly pools: Informer<IPAddressPool>;
  readonly namespaces: Informer<Namespace>;
  private readonly all: InformerSet;
  private readonly queue = new WorkQueue<string>();
  private readonly elector?: LeaderElector;
  private allocator = new Allocator();
  /** Services that asked for an address and got none. */
  private readonly pending = new Set<string>();
  private leading = false;
  private workers?: Promise<void>;
  /** MetalLB's controller events: IPAllocated, AllocationFailed (what `kubectl describe svc` shows). */
  readonly recorder: EventRecorder;

  constructor(private readonly o: LbControllerOptions) {
    this.recorder = new EventRecorder({ client: o.client, component: 'metallb-controller', log: o.log.child('events'), now: o.now });
    const common = { client: o.client, transport: o.transport, nats: o.nats, logger: o.log.child('informer') };
    this.services = createInformer({ kind: 'Service', ...common });
    this.pools = createInformer({ kind: 'IPAddressPool', ...common });
    this.namespaces = createInformer({ kind: 'Namespace', ...common });
    this.all = informerSet(this.services, this.pools, this.namespaces);
    this.services.addEventHandler({ onAdd: (s) => this.queue.add(keyOf(s)), onUpdate: (_a, b) => this.queue.add(keyOf(b)), onDelete: (s) => this.queue.add(keyOf(s)) });
    const poolsChanged = () => this.onPoolsChanged();
    this.pools.addEventHandler({ onAdd: poolsChanged, onUpdate: (a, b) => a.spec !== b.spec && JSON.stringify(a.spec) !== JSON.stringify(b.spec) && poolsChanged(), onDelete: poolsChanged });
    this.namespaces.addEventHandler({ onUpdate: (_a, ns) => this.enqueueNamespace(ns.metadata.name ?? '') });
    if (o.leaderElection) {
      const le = o.leaderElection;
      this.elector = new LeaderElector({
        client: o.client,
        namespace: 'kube-system',
        name: le.leaseName,
        identity: le.identity,
        leaseDurationMs: le.leaseDurationMs,
        renewDeadlineMs: le.renewDeadlineMs,
        retryPeriodMs: le.retryPeriodMs,
        onStartedLeading: () => this.setLeading(true),
        onStoppedLeading: () => this.setLeading(false),
        onNewLeader: (id) => o.log.info('leader is', { identity: id }),
        onError: (e) => o.log.warn('leader election', { err: (e as Error).message }),
      });
    }
  }

  hasSynced(): boolean {
    return this.all.hasSynced();
  }

  isLeader(): boolean {
    return this.leading;
  }

  /** The address the allocator holds for a Service (tests, status). */
  addressOf(key: string): string | undefined {
    return this.allocator.ipOf(key);
  }

  async start(): Promise<void> {
    this.all.start();
    await this.all.waitForSync();
    this.workers = runWorkers(this.queue, 1, (k) => this.sync(k), {
      onError: (key, err, dropped) => this.o.log.warn(dropped ? 'dropping Service after too many retries' : 'sync failed, will retry', { key, err: (err as Error).message }),
    });
    if (this.elector) this.elector.start();
    else this.setLeading(true);
  }

  async stop(): Promise<void> {
    this.queue.shutDown();
    await this.workers;
    await this.recorder.flush();
    await this.elector?.stop();
    await this.all.stop();
  }

  private setLeading(v: boolean): void {
    this.leading = v;
    this.o.metrics.leader.set(v ? 1 : 0);
    this.o.log.info(v ? 'became leader' : 'lost leadership');
    if (!v) return;
    this.allocator = new Allocator(this.pools.list().map(poolFromObject));
    this.pending.clear();
    this.restoreFromStatus();
    for (const s of this.services.list()) this.queue.add(keyOf(s));
  }

  /** Every address the Services' status holds, taken back before anything new is handed out. */
  private restoreFromStatus(): void {
    const ours = this.services
      .list()
      .map((svc) => ({ svc, demand: readServiceDemand(svc, this.namespaceLabels(svc), this.o.lbClass), ip: statusIP(svc) }))
      .filter((x) => x.demand.kind === 'allocate' && x.ip !== undefined)
      .sort((a, b) => (a.svc.metadata.creationTimestamp ?? '').localeCompare(b.svc.metadata.creationTimestamp ?? '') || keyOf(a.svc).localeCompare(keyOf(b.svc)));
    for (const { svc, demand, ip } of ours) {
      if (demand.kind !== 'allocate') continue;
      try {
        this.allocator.assign(demand.request, ip!);
      } catch (e) {
        this.o.log.warn('an address in a Service\'s status cannot be kept; it will get another', { service: keyOf(svc), ip, err: (e as Error).message });
      }
    }
  }

  private onPoolsChanged(): void {
    if (!this.leading) return;
    const evicted = this.allocator.setPools(this.pools.list().map(poolFromObject));
    for (const k of evicted) this.o.log.info('address no longer in any pool; reassigning', { service: k });
    for (const s of this.services.list()) this.queue.add(keyOf(s));
    this.publishPoolMetrics();
  }

  private enqueueNamespace(ns: string): void {
    for (const s of this.services.byNamespace(ns)) this.queue.add(keyOf(s));
  }

  private namespaceLabels(svc: Service): Record<string, string> {
    return this.namespaces.get('', svc.metadata.namespace ?? 'default')?.metadata.labels ?? {};
  }

  /** An address came free: the Services waiting for one try again. */
  private released(): void {
    for (const k of this.pending) this.queue.add(k);
  }

  private async sync(key: string): Promise<void> {
    if (!this.leading) return;
    const [namespace, name] = [key.slice(0, key.indexOf('/')), key.slice(key.indexOf('/') + 1)];
    const svc = this.services.get(namespace, name);
    if (!svc) {
      this.pending.delete(key);
      if (this.allocator.release(key)) this.released();
      this.publishPoolMetrics();
      return;
    }
    const demand = readServiceDemand(svc, this.namespaceLabels(svc), this.o.lbClass);
    if (demand.kind === 'not-ours') return;
    let outcome: Outcome;
    if (demand.kind === 'release') {
      this.pending.delete(key);
      if (this.allocator.release(key)) this.released();
      // Clear only what this controller wrote (another load balancer may own a non-LB Service's status).
      outcome = svc.metadata.annotations?.[ANNOTATION_ALLOCATED_FROM_POOL] !== undefined ? { kind: 'cleared' } : { kind: 'untouched' };
    } else if (demand.kind === 'invalid') {
      outcome = this.fail(key, demand.message, 'InvalidRequest');
    } else {
      const before = this.allocator.ipOf(key);
      try {
        const ip = demand.requestedIPs.length
          ? this.allocator.assign(demand.request, demand.requestedIPs[0]!, demand.pool)
          : demand.pool
            ? this.allocator.allocateFromPool(demand.request, demand.pool)
            : this.allocator.allocate(demand.request);
        this.pending.delete(key);
        outcome = { kind: 'assigned', ip, pool: this.allocator.poolOf(key)! };
        if (before !== undefined && before !== ip) this.released();
      } catch (e) {
        if (!(e instanceof AllocationError)) throw e;
        outcome = this.fail(key, e.message, 'AllocationFailed');
      }
    }
    this.publishPoolMetrics();
    await this.write(svc, outcome);
  }

  private fail(key: string, message: string, reason: string): Outcome {
    this.pending.add(key);
    if (this.allocator.release(key)) this.released();
    return { kind: 'failed', reason, message: `Failed to allocate IP for "${key}": ${message}` };
  }

  private async write(svc: Service, outcome: Outcome): Promise<void> {
    if (outcome.kind === 'untouched') return;
    const { client } = this.o;
    const wantPool = outcome.kind === 'assigned' ? outcome.pool : undefined;
    if ((svc.metadata.annotations?.[ANNOTATION_ALLOCATED_FROM_POOL] ?? undefined) !== wantPool) {
      await client.patch('Service', svc.metadata.namespace ?? 'default', svc.metadata.name ?? '', 'merge', { metadata: { annotations: { [ANNOTATION_ALLOCATED_FROM_POOL]: wantPool ?? null } } });
    }
    const now = new Date((this.o.now ?? Date.now)()).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const status = desiredLoadBalancerStatus(svc.status, outcome, now);
    if (!statusDiffers(svc.status, status)) return;
    const fresh = await client.get('Service', svc.metadata.namespace ?? 'default', svc.metadata.name ?? '');
    const written = await client.updateStatus({ ...fresh, status: desiredLoadBalancerStatus(fresh.status, outcome, now) });
    if (outcome.kind === 'assigned' && statusIP(svc) !== outcome.ip) {
      this.o.log.info('assigned', { service: keyOf(svc), ip: outcome.ip, pool: outcome.pool });
      this.recorder.event(written, 'Normal', 'IPAllocated', `Assigned IP ${JSON.stringify(outcome.ip)}`);
    }
    if (outcome.kind === 'failed') this.recorder.event(written, 'Warning', outcome.reason, outcome.message);
  }

  private publishPoolMetrics(): void {
    for (const p of this.pools.list()) {
      const name = p.metadata.name ?? '';
      const s = this.allocator.poolStats(name);
      this.o.metrics.addressesInUse.set({ pool: name }, s.assigned);
      this.o.metrics.addressesTotal.set({ pool: name }, s.assigned + s.available);
    }
  }
}
