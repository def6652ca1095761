/**
 * Leader election on a coordination.k8s.io/v1 Lease, as client-go's leaderelection does it:
 * the holder renews `renewTime` every `retryPeriod`; another candidate takes over once it has
 * seen the same record unchanged for `leaseDuration` (time is measured on the candidate's own
 * clock from when it observed the record, so clocks need not agree). Every write carries the
 * resourceVersion it read, so two candidates can never both win.
 */
import { AlreadyExistsError, ConflictError, NotFoundError, type Lease } from '@minimesh/api';
import type { ApiClient } from '@minimesh/client';

export interface LeaderElectionOptions {
  client: ApiClient;
  namespace: string;
  name: string;
  /** Unique per replica, e.g. hostname + pid. */
  identity: string;
  /** How long a silent leader keeps the lease. */
  leaseDurationMs?: number;
  /** A leader that cannot renew for this long steps down. */
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
  onStartedLeading?: () => void;
  onStoppedLeading?: () => void;
  onNewLeader?: (identity: string) => void;
  onError?: (err: unknown) => void;
  now?: () => number;
}

// Short, so a replica takes over within a few seconds of the leader's death.
const DEFAULT_LEASE_DURATION_MS = 6000;
const DEFAULT_RENEW_DEADLINE_MS = 4000;
const DEFAULT_RETRY_PERIOD_MS = 1000;

class RenewTimeoutError extends Error {
  constructor(ms: number) {
    super(`lease request took longer than ${ms} ms`);
    this.name = 'RenewTimeoutError';
  }
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new RenewTimeoutError(ms)), ms);
    timer.unref();
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/** metav1.MicroTime. */
function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/Z$/, '000Z');
}

export class LeaderElector {
  private leading = false;
  private stopped = false;
  private observed?: { resourceVersion: string; holder: string; at: number };
  private lastRenew = 0;
  private loopDone?: Promise<void>;
  private wake?: () => void;
  private readonly o: Required<Omit<LeaderElectionOptions, 'onStartedLeading' | 'onStoppedLeading' | 'onNewLeader' | 'onError'>> &
    Pick<LeaderElectionOptions, 'onStartedLeading' | 'onStoppedLeading' | 'onNewLeader' | 'onError'>;

  constructor(opts: LeaderElectionOptions) {
    this.o = {
      leaseDurationMs: DEFAULT_LEASE_DURATION_MS,
      renewDeadlineMs: DEFAULT_RENEW_DEADLINE_MS,
      retryPeriodMs: DEFAULT_RETRY_PERIOD_MS,
      now: Date.now,
      ...opts,
    };
    if (this.o.renewDeadlineMs >= this.o.leaseDurationMs) throw new Error('leaseDuration must be greater than renewDeadline');
  }

  isLeader(): boolean {
    return this.leading;
  }

  start(): void {
    this.loopDone = this.loop();
  }

  /** Stops campaigning; a leader releases the lease so another replica takes over at once. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.loopDone;
    if (this.leading) {
      await this.release().catch((e: unknown) => this.o.onError?.(e));
      this.setLeading(false);
    }
  }

  private setLeading(v: boolean): void {
    if (v === this.leading) return;
    this.leading = v;
    if (v) this.o.onStartedLeading?.();
    else this.o.onStoppedLeading?.();
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      const sentAt = this.o.now();
      try {
        // A call that hangs must not keep a leader leading: it is bounded by the renew deadline.
        const ok = await withTimeout(this.tryAcquireOrRenew(), this.o.renewDeadlineMs);
        if (ok) this.lastRenew = sentAt;
        this.setLeading(ok);
      } catch (e) {
        this.o.onError?.(e);
        if (this.leading && this.o.now() - this.lastRenew > this.o.renewDeadlineMs) this.setLeading(false);
      }
      if (this.stopped) break;
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        setTimeout(resolve, this.o.retryPeriodMs).unref();
      });
    }
  }

  private leaseObject(base: Lease | undefined, transitions: number, acquireTime: string): Lease {
    const now = microTime(this.o.now());
    return {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: base ? { ...base.metadata } : { name: this.o.name, namespace: this.o.namespace },
      spec: {
        holderIdentity: this.o.identity,
        leaseDurationSeconds: Math.ceil(this.o.leaseDurationMs / 1000),
        acquireTime,
        renewTime: now,
        leaseTransitions: transitions,
      },
    };
  }

  private async tryAcquireOrRenew(): Promise<boolean> {
    const { client } = this.o;
    let current: Lease;
    try {
      current = await client.get('Lease', this.o.namespace, this.o.name);
    } catch (e) {
      if (!(e instanceof NotFoundError)) throw e;
      try {
        await client.create(this.leaseObject(undefined, 0, microTime(this.o.now())));
        this.o.onNewLeader?.(this.o.identity);
        return true;
      } catch (err) {
        if (err instanceof AlreadyExistsError) return false;
        throw err;
      }
    }
    const holder = current.spec?.holderIdentity ?? '';
    const rv = current.metadata.resourceVersion ?? '';
    if (!this.observed || this.observed.resourceVersion !== rv) {
      if (this.observed?.holder !== holder && holder) this.o.onNewLeader?.(holder);
      this.observed = { resourceVersion: rv, holder, at: this.o.now() };
    }
    const durationMs = (current.spec?.leaseDurationSeconds ?? 0) * 1000;
    const mine = holder === this.o.identity;
    if (!mine && holder && this.observed.at + durationMs > this.o.now()) return false;
    const transitions = (current.spec?.leaseTransitions ?? 0) + (mine ? 0 : 1);
    const acquireTime = mine && current.spec?.acquireTime ? current.spec.acquireTime : microTime(this.o.now());
    try {
      const updated = await client.update(this.leaseObject(current, transitions, acquireTime));
      this.observed = { resourceVersion: updated.metadata.resourceVersion ?? '', holder: this.o.identity, at: this.o.now() };
      return true;
    } catch (e) {
      if (e instanceof ConflictError) return false;
      throw e;
    }
  }

  private async release(): Promise<void> {
    const current = await this.o.client.get('Lease', this.o.namespace, this.o.name);
    if (current.spec?.holderIdentity !== this.o.identity) return;
    await this.o.client.update({ ...current, spec: { ...current.spec, holderIdentity: '', leaseDurationSeconds: 1 } });
  }
}
