/**
 * How much one apiserver takes on at once, after kube-apiserver's max-in-flight filter: at most
 * `maxInflight` calls are served at a time (writes queue behind the store's single writer, so
 * this is the bound on the write queue too); one more gets 429 "Too many requests, please try
 * again later." (RESOURCE_EXHAUSTED) at once instead of waiting. Watches are long-running and
 * not counted there (as in Kubernetes); each user may hold at most `maxWatchesPerUser` of them.
 */
import { TooManyRequestsError } from '@minimesh/api';

export interface RequestLimitsOptions {
  maxInflight: number;
  maxWatchesPerUser: number;
}

export class RequestLimits {
  private inflight = 0;
  private readonly watches = new Map<string, number>();

  constructor(private readonly o: RequestLimitsOptions) {}

  /** Runs `fn` within the in-flight limit. */
  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.inflight >= this.o.maxInflight) throw new TooManyRequestsError();
    this.inflight++;
    try {
      return await fn();
    } finally {
      this.inflight--;
    }
  }

  /** Counts a watch of `user`; the returned function ends it. */
  openWatch(user: string): () => void {
    const n = this.watches.get(user) ?? 0;
    if (n >= this.o.maxWatchesPerUser) throw new TooManyRequestsError(`Too many requests: user "${user}" has ${n} watches open (limit ${this.o.maxWatchesPerUser}), please try again later.`);
    this.watches.set(user, n + 1);
    let open = true;
    return () => {
      if (!open) return;
      open = false;
      const left = (this.watches.get(user) ?? 1) - 1;
      if (left <= 0) this.watches.delete(user);
      else this.watches.set(user, left);
    };
  }

  get inflightNow(): number {
    return this.inflight;
  }

  watchesOf(user: string): number {
    return this.watches.get(user) ?? 0;
  }
}
