/**
 * The endpoints-controller process: informers → event handlers that only enqueue keys → work
 * queues → syncs that compute from the full caches and write what differs. Two controllers share
 * the caches: Endpoints + EndpointSlices per Service, and EndpointSlice mirroring per Endpoints.
 * With leader election only the leader's workers write; the others keep warm caches.
 */
import type { Endpoints, EndpointSlice, Pod, Service } from '@minimesh/api';
import { LABEL_SERVICE_NAME, podReadyCondition } from '@minimesh/api';
import type { ApiClient } from '@minimesh/client';
import type { NatsTransportOptions } from '@minimesh/informer';
import { EventRecorder, LeaderElector, WorkQueue, runWorkers } from '@minimesh/controller-kit';
import {
  ENDPOINTSLICE_CONTROLLER_NAME,
  ENDPOINTSLICE_MIRRORING_CONTROLLER_NAME,
  ENDPOINTS_CONTROLLER_NAME,
  LABEL_ENDPOINTS_MANAGED_BY,
  ObservedTimes,
  TriggerTimeTracker,
  podEndpointsChanged,
  servicesSelectingPod,
  servicesToSyncForPodChange,
} from '@minimesh/endpoints';
import type { Logger } from '@minimesh/runtime';
import { createCaches, keyOf, type Caches } from './caches.js';
import type { ControllerMetrics } from './metrics.js';
import { syncMirroring } from './sync-mirroring.js';
import { syncService } from './sync-service.js';
import { NotLeaderError } from './write-changes.js';
import { SliceTracker, StaleCacheError } from './slice-tracker.js';

export interface EndpointsControllerOptions {
  client: ApiClient;
  transport: 'grpc' | 'nats';
  /** The informers' NATS servers and credentials (transport nats). */
  nats: NatsTransportOptions;
  workers: number;
  maxEndpointsPerSlice: number;
  leaderElection?: { identity: string; leaseName: string; leaseDurationMs: number; renewDeadlineMs: number; retryPeriodMs: number };
  log: Logger;
  metrics: ControllerMetrics;
}

const MANAGED_BY = 'endpointslice.kubernetes.io/managed-by';

export class EndpointsController {
  readonly caches: Caches;
  private readonly serviceQueue = new WorkQueue<string>();
  private readonly mirrorQueue = new WorkQueue<string>();
  /** When the informers first saw each pod's Ready transition and each Service: millisecond trigger times. */
  private readonly observed = new ObservedTimes();
  private readonly triggerTimes = new TriggerTimeTracker(this.observed);
  private readonly sliceTracker = new SliceTracker();
  private readonly elector?: LeaderElector;
  private leading = false;
  private workers?: Promise<void>;
  private depthTimer?: NodeJS.Timeout;
  /** Events as kube-controller-manager's endpoints and EndpointSlice controllers report them. */
  readonly recorders: { endpoints: EventRecorder; slices: EventRecorder };

  constructor(private readonly o: EndpointsControllerOptions) {
    this.caches = createCaches({ client: o.client, transport: o.transport, nats: o.nats, log: o.log.child('informer') });
    this.recorders = {
      endpoints: new EventRecorder({ client: o.client, component: 'endpoint-controller', log: o.log.child('events') }),
      slices: new EventRecorder({ client: o.client, component: 'endpoint-slice-controller', log: o.log.child('events') }),
    };
    this.registerHandlers();
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
    } else {
      this.leading = true;
    }
  }

  isLeader(): boolean {
    return this.leading;
  }

  hasSynced(): boolean {
    return this.caches.all.hasSynced();
  }

  async start(): Promise<void> {
    this.caches.all.start();
    await this.caches.all.waitForSync();
    this.o.log.info('caches synced');
    const onError = (controller: string) => (key: string, err: unknown, dropped: boolean) => {
      if (err instanceof NotLeaderError) return; // leadership moved on: the new leader syncs it
      if (err instanceof StaleCacheError && !dropped) return; // retried once the informer has caught up
      const msg = dropped ? 'dropping key after too many retries' : 'sync failed, will retry';
      this.o.log.warn(msg, { controller, key, err: (err as Error).message });
    };
    this.workers = Promise.all([
      runWorkers(this.serviceQueue, this.o.workers, (k) => this.syncServiceKey(k), { onError: onError('endpoints') }),
      runWorkers(this.mirrorQueue, Math.max(1, Math.floor(this.o.workers / 2)), (k) => this.syncMirrorKey(k), { onError: onError('mirroring') }),
    ]).then(() => undefined);
    this.depthTimer = setInterval(() => {
      this.o.metrics.queueDepth.set({ name: 'endpoint' }, this.serviceQueue.length);
      this.o.metrics.queueDepth.set({ name: 'endpointslice_mirroring' }, this.mirrorQueue.length);
    }, 1000);
    this.depthTimer.unref();
    if (this.elector) this.elector.start();
    else this.enqueueEverything();
  }

  /** Workers finish first, then the lease is released: no write of ours runs beside a new leader. */
  async stop(): Promise<void> {
    clearInterval(this.depthTimer);
    this.serviceQueue.shutDown();
    this.mirrorQueue.shutDown();
    await this.workers;
    await Promise.all([this.recorders.endpoints.flush(), this.recorders.slices.flush()]);
    await this.elector?.stop();
    await this.caches.all.stop();
  }

  private readonly guard = (): void => {
    if (!this.leading) throw new NotLeaderError();
  };

  private setLeading(v: boolean): void {
    this.leading = v;
    this.o.metrics.leader.set({ name: 'endpoints-controller' }, v ? 1 : 0);
    this.o.log.info(v ? 'became leader' : 'lost leadership');
    // A new leader looks at everything: what changed while it was not writing, and orphans.
    if (v) this.enqueueEverything();
  }

  /** Start-up and new leadership: every Service, and every Endpoints/slice (orphans are cleaned up). */
  private enqueueEverything(): void {
    for (const s of this.caches.services.list()) this.serviceQueue.add(keyOf(s));
    for (const e of this.caches.endpoints.list()) {
      if (e.metadata.labels?.[LABEL_ENDPOINTS_MANAGED_BY] === ENDPOINTS_CONTROLLER_NAME) this.serviceQueue.add(keyOf(e));
      this.mirrorQueue.add(keyOf(e));
    }
    for (const s of this.caches.slices.list()) this.enqueueSlice(s);
  }

  private enqueueSlice(s: EndpointSlice): void {
    const svc = s.metadata.labels?.[LABEL_SERVICE_NAME];
    if (!svc) return;
    const key = `${s.metadata.namespace}/${svc}`;
    const manager = s.metadata.labels?.[MANAGED_BY];
    if (manager === ENDPOINTSLICE_CONTROLLER_NAME) this.serviceQueue.add(key);
    else if (manager === ENDPOINTSLICE_MIRRORING_CONTROLLER_NAME) this.mirrorQueue.add(key);
  }

  private registerHandlers(): void {
    const { services, pods, endpoints, slices, nodes } = this.caches;
    const svcKey = (s: Service) => this.serviceQueue.add(keyOf(s));
    const noteService = (s: Service) => this.observed.note(`service:${keyOf(s)}`, s.metadata.creationTimestamp);
    const notePod = (p: Pod) => this.observed.note(keyOf(p), podReadyCondition(p)?.lastTransitionTime);
    services.addEventHandler({
      onAdd: (s) => {
        noteService(s);
        svcKey(s);
      },
      onUpdate: (_o, n) => {
        svcKey(n);
        this.mirrorQueue.add(keyOf(n)); // a selector added or removed changes who owns the slices
      },
      onDelete: (s) => {
        this.observed.forget(`service:${keyOf(s)}`);
        svcKey(s);
        this.mirrorQueue.add(keyOf(s));
      },
    });
    const podServices = (p: Pod) => servicesSelectingPod(p, services.byNamespace(p.metadata.namespace ?? ''));
    pods.addEventHandler({
      onAdd: (p) => {
        notePod(p);
        podServices(p).forEach(svcKey);
      },
      onUpdate: (o, n) => {
        if (o.metadata.resourceVersion === n.metadata.resourceVersion) return; // resync
        notePod(n);
        const change = podEndpointsChanged(o, n);
        if (!change.podChanged && !change.labelsChanged) return;
        for (const k of servicesToSyncForPodChange(o, n, services.byNamespace(n.metadata.namespace ?? ''))) this.serviceQueue.add(k);
      },
      onDelete: (p) => {
        this.observed.forget(keyOf(p));
        podServices(p).forEach(svcKey);
      },
    });
    const epKey = (e: Endpoints) => this.mirrorQueue.add(keyOf(e));
    endpoints.addEventHandler({
      onAdd: epKey,
      onUpdate: (_o, n) => epKey(n),
      onDelete: (e) => {
        epKey(e);
        this.serviceQueue.add(keyOf(e)); // recreate it if the Service still wants it
      },
    });
    slices.addEventHandler({
      onAdd: (s) => this.enqueueSlice(s),
      onUpdate: (_o, n) => this.enqueueSlice(n),
      onDelete: (s) => this.enqueueSlice(s),
    });
    // Zones come from Nodes; a pod on an unknown node is retried when the node appears.
    nodes.addEventHandler({
      onAdd: () => services.list().forEach(svcKey),
      onDelete: () => services.list().forEach(svcKey),
    });
  }

  private async timed<T>(controller: string, fn: () => Promise<T>): Promise<T> {
    const end = this.o.metrics.syncDuration.startTimer({ controller });
    try {
      const r = await fn();
      this.o.metrics.syncs.inc({ controller, result: 'success' });
      return r;
    } catch (e) {
      this.o.metrics.syncs.inc({ controller, result: 'error' });
      throw e;
    } finally {
      end();
    }
  }

  private async syncServiceKey(key: string): Promise<void> {
    if (!this.leading) return;
    await this.timed('endpoints', () =>
      syncService(
        {
          client: this.o.client,
          caches: this.caches,
          triggerTimes: this.triggerTimes,
          maxEndpointsPerSlice: this.o.maxEndpointsPerSlice,
          guard: this.guard,
          tracker: this.sliceTracker,
          warn: (obj, reason, message) => (obj.kind === 'Endpoints' ? this.recorders.endpoints : this.recorders.slices).event(obj, 'Warning', reason, message),
          wrote: (r) => {
            if (r.endpoints !== 'unchanged' && r.endpoints !== 'none') this.o.metrics.writes.inc({ kind: 'Endpoints', op: r.endpoints });
            this.countSlices(r);
          },
        },
        key,
      ),
    );
  }

  private async syncMirrorKey(key: string): Promise<void> {
    if (!this.leading) return;
    const r = await this.timed('mirroring', () => syncMirroring(this.o.client, this.caches, key, (m) => this.o.log.warn(m, { endpoints: key }), this.guard));
    this.countSlices(r);
  }

  private countSlices(r: { created: number; updated: number; deleted: number }): void {
    if (r.created) this.o.metrics.writes.inc({ kind: 'EndpointSlice', op: 'created' }, r.created);
    if (r.updated) this.o.metrics.writes.inc({ kind: 'EndpointSlice', op: 'updated' }, r.updated);
    if (r.deleted) this.o.metrics.writes.inc({ kind: 'EndpointSlice', op: 'deleted' }, r.deleted);
  }
}
