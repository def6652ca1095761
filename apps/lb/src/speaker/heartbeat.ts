/**
 * Speaker liveness, as MetalLB's memberlist provides it: every speaker renews a Lease
 * `minimesh-lb-speaker-<node>` in kube-system each second; a speaker whose lease has not been
 * renewed for its duration (3 s) is dead, and the other speakers elect announcers without it. A
 * speaker whose node agent is unhealthy (its /healthz, kube-proxy's) stops renewing: traffic
 * reaching that node would go nowhere.
 */
import { AlreadyExistsError, NotFoundError, type Lease } from '@minimesh/api';
import type { ApiClient } from '@minimesh/client';
import type { Logger } from '@minimesh/runtime';

export const SPEAKER_LEASE_NAMESPACE = 'kube-system';
export const SPEAKER_LEASE_PREFIX = 'minimesh-lb-speaker-';
export const SPEAKER_LEASE_LABEL = 'minimesh.io/lb-speaker';
const LEASE_SECONDS = 3;

/** metav1.MicroTime. */
const microTime = (ms: number) => new Date(ms).toISOString().replace(/Z$/, '000Z');

/** Nodes whose speaker lease is fresh at `now`. */
export function liveSpeakers(leases: readonly Lease[], now: number): Set<string> {
  const out = new Set<string>();
  for (const l of leases) {
    const node = l.spec?.holderIdentity;
    const renewed = Date.parse(l.spec?.renewTime ?? '');
    if (node && Number.isFinite(renewed) && renewed + (l.spec?.leaseDurationSeconds ?? LEASE_SECONDS) * 1000 > now) out.add(node);
  }
  return out;
}

export interface HeartbeatOptions {
  client: ApiClient;
  node: string;
  log: Logger;
  /** Whether this node can carry traffic now (its node agent answers /healthz with 200). */
  healthy: () => Promise<boolean>;
  intervalMs?: number;
  now?: () => number;
}

export class SpeakerHeartbeat {
  private timer?: NodeJS.Timeout;
  private beating = false;
  private wasHealthy = true;

  constructor(private readonly o: HeartbeatOptions) {}

  get leaseName(): string {
    return `${SPEAKER_LEASE_PREFIX}${this.o.node}`;
  }

  start(): void {
    const tick = () => {
      void this.beat().finally(() => {
        if (this.timer !== undefined) this.timer = setTimeout(tick, this.o.intervalMs ?? 1000);
      });
    };
    this.timer = setTimeout(tick, 0);
  }

  async stop(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    // Gone at once rather than in 3 s: another node takes over now.
    await this.o.client.delete('Lease', SPEAKER_LEASE_NAMESPACE, this.leaseName).catch(() => undefined);
  }

  /** One renewal (skipped while the node is unhealthy). */
  async beat(): Promise<void> {
    if (this.beating) return;
    this.beating = true;
    try {
      const healthy = await this.o.healthy().catch(() => false);
      if (healthy !== this.wasHealthy) this.o.log.warn(healthy ? 'node agent healthy again: announcing' : 'node agent unhealthy: no longer a candidate to announce');
      this.wasHealthy = healthy;
      if (healthy) await this.renew();
    } catch (e) {
      this.o.log.warn('cannot renew the speaker lease', { err: (e as Error).message });
    } finally {
      this.beating = false;
    }
  }

  private async renew(): Promise<void> {
    const { client } = this.o;
    const renewTime = microTime((this.o.now ?? Date.now)());
    try {
      const lease = await client.get('Lease', SPEAKER_LEASE_NAMESPACE, this.leaseName);
      await client.update({ ...lease, spec: { ...lease.spec, holderIdentity: this.o.node, leaseDurationSeconds: LEASE_SECONDS, renewTime } });
    } catch (e) {
      if (!(e instanceof NotFoundError)) throw e;
      const lease: Lease = {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name: this.leaseName, namespace: SPEAKER_LEASE_NAMESPACE, labels: { [SPEAKER_LEASE_LABEL]: this.o.node } },
        spec: { holderIdentity: this.o.node, leaseDurationSeconds: LEASE_SECONDS, acquireTime: renewTime, renewTime },
      };
      await client.create(lease).catch((err: unknown) => {
        if (!(err instanceof AlreadyExistsError)) throw err;
      });
    }
  }
}
