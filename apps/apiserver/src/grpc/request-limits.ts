/**
 * How much one apiserver takes on at once, after kube-apiserver's max-in-flight filter: at most
 * `maxInflight` calls are served at a time (writes queue behind the store's single writer, so
 * this is the bound on the write queue too); one more gets 429 "Too many requests, please try
 * again later." (RESOURCE_EXHAUSTED) at once instead of waiting. Watches are long-running and
 * not counted there (as in Kubernetes); each user may hold at most `maxWatchesPerUser` of them
 * (anonymous callers share no identity: they count per address).
 */
import { TooManyRequestsError } from '@minimesh/api';
import { ANONYMOUS_USER } from '../auth/user-info.js';

export interface RequestLimitsOptions {
  maxInflight: number;
  maxWatchesPerUser: number;
}

/**
 * Whose watches count together: the authenticated user; for `system:anonymous`, the user at the
 * address it calls from (`peer` as grpc-js's getPeer gives it: host:port, or 'unknown' on a unix
 * socket).
 */
export function watchClient(user: string, peer: string): string {
  if (user !== ANONYMOUS_USER) return `user "${user}"`;
  const host = /^(.*):\d+$/.exec(peer)?.[1] ?? peer;
  return `user "${user}" at ${host.replace(/^\[|\]$/g, '')}`;
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

  /** Counts a watch of `client` (what watchClient says); the returned function ends it. */
  openWatch(client: string): () => void {
    const n = this.watches.get(client) ?? 0;
    if (n >= this.o.maxWatchesPerUser) throw new TooManyRequestsError(`Too many requests: ${client} has ${n} watches open (limit ${this.o.maxWatchesPerUser}), please try again later.`);
    this.watches.set(client, n + 1);
    let open = true;
    return () => {
      if (!open) return;
      open = false;
      const left = (this.watches.get(client) ?? 1) - 1;
      if (left <= 0) this.watches.delete(client);
      else this.watches.set(client, left);
    };
  }

  get inflightNow(): number {
    return this.inflight;
  }

  watchesOf(client: string): number {
    return this.watches.get(client) ?? 0;
  }
}
