/**
 * kube-proxy's graceful termination of IPVS real servers (pkg/proxy/ipvs/graceful_termination.go):
 * a removed TCP real server with connections is set to weight 0 (no new connections) and deleted
 * once its ActiveConn + InActConn reach 0, checked every `intervalMs` (kube-proxy: 1 min); UDP and
 * SCTP ones, and TCP ones without connections, are deleted at once. A real server wanted again
 * before it is gone leaves the list (the sync edits it back to its weight).
 */
import { realServerKey, virtualServerKey, type IpvsTable, type RealServerRemoval } from '@minimesh/proxy-core';
import type { Logger } from '@minimesh/runtime';
import type { Ipvsadm } from './kernel-tools.js';

const keyOf = (r: Pick<RealServerRemoval, 'vs' | 'rs'>) => realServerPairKey(r.vs, r.rs);

export class GracefulTermination {
  private readonly pending = new Map<string, RealServerRemoval>();
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly ipvsadm: Ipvsadm,
    private readonly log: Logger,
    private readonly intervalMs = 60_000,
  ) {}

  /** Real servers draining now ("vs -> rs"). */
  get draining(): string[] {
    return [...this.pending.keys()].sort();
  }

  /** Carries out one removal the plan asked for. */
  async remove(r: RealServerRemoval): Promise<void> {
    if (!r.graceful) {
      this.pending.delete(keyOf(r));
      await this.ipvsadm.run(r.remove);
      return;
    }
    if (r.drain) await this.ipvsadm.run(r.drain);
    this.pending.set(keyOf(r), r);
    this.log.debug('draining real server', { server: keyOf(r) });
  }

  /** The sync wants these (vs, rs) again: they are not deleted. */
  keep(pairs: Iterable<string>): void {
    for (const k of pairs) this.pending.delete(k);
  }

  /** Deletes the draining real servers whose connections are gone (or that are gone already). */
  async check(current?: IpvsTable): Promise<void> {
    if (this.pending.size === 0) return;
    const table = current ?? (await this.ipvsadm.list());
    const conns = new Map<string, number>();
    for (const s of table.services) for (const rs of s.realServers) conns.set(realServerPairKey(s.vs, rs), (rs.activeConn ?? 0) + (rs.inactConn ?? 0));
    for (const [key, r] of [...this.pending]) {
      const n = conns.get(key);
      if (n === undefined) {
        this.pending.delete(key);
        continue;
      }
      if (n > 0) continue;
      try {
        await this.ipvsadm.run(r.remove);
        this.pending.delete(key);
        this.log.debug('drained real server deleted', { server: key });
      } catch (e) {
        this.log.warn('cannot delete a drained real server; will retry', { server: key, err: (e as Error).message });
      }
    }
  }

  start(): void {
    this.timer = setInterval(() => void this.check().catch((e: Error) => this.log.warn('graceful termination check failed', { err: e.message })), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

/** The key a real server has in the pending list. */
export function realServerPairKey(vs: Parameters<typeof virtualServerKey>[0], rs: Parameters<typeof realServerKey>[0]): string {
  return `${virtualServerKey(vs)} -> ${realServerKey(rs)}`;
}
