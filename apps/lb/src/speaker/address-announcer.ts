/**
 * Layer 2 announcement on a Linux node: an address this node wins is added to the interface that
 * carries the node's IP (as a /32 labelled `<dev>:lb`), so the kernel answers ARP for it, and a
 * gratuitous ARP (`arping -U`) tells the network's caches at once on a takeover. An address the
 * node no longer wins is removed. Each address lives ADDRESS_LIFETIME_S seconds unless renewed,
 * and every apply renews it: if the speaker dies, its addresses vanish with it, as MetalLB's ARP
 * answers stop when its speaker does. (MetalLB's speaker answers ARP from user space without adding
 * the address; the effect on the wire is the same.) The node agent's LoadBalancer rules then take
 * the traffic to the Service's endpoints.
 */
import type { Exec, Logger } from '@minimesh/runtime';

/** Seconds an announced address lives without renewal (the speaker renews every second). */
export const ADDRESS_LIFETIME_S = 3;
/**
 * An apply renews an address only when its last renewal is at least this old: the speaker applies
 * after every Service, EndpointSlice or Lease event, and a process per address per event would
 * cost the node a core under churn. The speaker's one-second tick still renews well within the
 * lifetime.
 */
export const RENEW_AFTER_MS = 500;

export interface AnnouncerOptions {
  exec: Exec;
  log: Logger;
  /** The node's IP: its interface is where addresses are announced. */
  nodeIP: () => string | undefined;
  /** Milliseconds now (default Date.now). */
  now?: () => number;
}

export class AddressAnnouncer {
  private dev?: string;
  private leftoversAdopted = false;
  /** The announced addresses, with when each was last renewed (ms). */
  private readonly announced = new Map<string, number>();

  constructor(private readonly o: AnnouncerOptions) {}

  /** Addresses this node announces now. */
  get addresses(): string[] {
    return [...this.announced.keys()].sort();
  }

  private label(dev: string): string | undefined {
    const l = `${dev}:lb`;
    return l.length <= 15 ? l : undefined;
  }

  private async ip(args: string[]): Promise<string> {
    const r = await this.o.exec('ip', args);
    if (r.code !== 0) throw new Error(`ip ${args.join(' ')}: ${r.stderr.trim()}`);
    return r.stdout;
  }

  /** The interface holding the node's IP (found once). */
  private async device(): Promise<string | undefined> {
    if (this.dev) return this.dev;
    const nodeIP = this.o.nodeIP();
    if (!nodeIP) return undefined;
    for (const line of (await this.ip(['-o', '-4', 'addr', 'show'])).split('\n')) {
      const m = /^\d+:\s+(\S+)\s+inet\s+([\d.]+)\//.exec(line);
      if (m && m[2] === nodeIP) return (this.dev = m[1]!.replace(/@.*$/, ''));
    }
    return undefined;
  }

  /** What an earlier run of the speaker left on the interface (by its label). */
  private async leftovers(dev: string): Promise<string[]> {
    const label = this.label(dev);
    if (!label) return [];
    return (await this.ip(['-o', '-4', 'addr', 'show', 'dev', dev, 'label', label]))
      .split('\n')
      .map((l) => /inet\s+([\d.]+)\/32/.exec(l)?.[1])
      .filter((x): x is string => !!x);
  }

  /** Makes the announced set exactly `want`; returns the addresses newly announced. */
  async apply(want: ReadonlySet<string>): Promise<string[]> {
    const dev = await this.device();
    if (!dev) {
      if (want.size) this.o.log.warn('cannot announce: no interface holds the node IP yet');
      return [];
    }
    // Read once: from then on `announced` is what this speaker put there.
    if (!this.leftoversAdopted) {
      for (const ip of await this.leftovers(dev)) if (!this.announced.has(ip)) this.announced.set(ip, -Infinity);
      this.leftoversAdopted = true;
    }
    for (const ip of [...this.announced.keys()]) {
      if (want.has(ip)) continue;
      await this.ip(['addr', 'del', `${ip}/32`, 'dev', dev]).catch((e: Error) => this.o.log.warn('cannot withdraw an address', { ip, err: e.message }));
      this.announced.delete(ip);
      this.o.log.info('withdrew', { ip, dev });
    }
    const added: string[] = [];
    const label = this.label(dev);
    const lifetime = ['valid_lft', String(ADDRESS_LIFETIME_S), 'preferred_lft', String(ADDRESS_LIFETIME_S)];
    const now = this.o.now ?? Date.now;
    for (const ip of want) {
      // Renewed while the speaker lives: the lifetime is the dead speaker's switch.
      const renewed = this.announced.get(ip);
      const at = now();
      if (renewed !== undefined && at - renewed < RENEW_AFTER_MS) continue;
      // The lifetime counts from the command: its time is taken before it runs.
      await this.ip(['addr', 'replace', `${ip}/32`, 'dev', dev, ...(label ? ['label', label] : []), ...lifetime]);
      this.announced.set(ip, at);
      if (renewed !== undefined) continue;
      added.push(ip);
      // Neighbours that cached another node's MAC for this address learn the new one now.
      const garp = await this.o.exec('arping', ['-q', '-U', '-c', '1', '-I', dev, '-s', ip, ip]);
      if (garp.code !== 0 && garp.code !== 1) this.o.log.warn('gratuitous ARP failed', { ip, err: garp.stderr.trim() });
      this.o.log.info('announcing', { ip, dev });
    }
    return added;
  }
}
