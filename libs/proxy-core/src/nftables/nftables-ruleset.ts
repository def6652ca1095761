/**
 * kube-proxy's nftables table for one node, kept in step with the kernel one transaction at a
 * time (pkg/proxy/nftables/proxier.go syncProxyRules, with the partial syncs of PR #126013 and
 * the element storage of nftElementStorage). Each transaction is one `nft -f -` input in
 * knftables' command form (`add` / `flush` / `delete` lines), applied atomically:
 *  - fresh: deletes the table and builds it anew (start-up, and after the kernel refused one);
 *  - full: re-sends everything in place (`add` + `flush`), so ClientIP affinity sets keep their
 *    members (the hourly resync, a change of the node's addresses);
 *  - partial: only what changed for the changed Services: new or changed chains (flushed and
 *    rewritten), map and set elements added or deleted one by one; unchanged Services cost
 *    nothing, so a one-Service change is O(1) in the number of Services.
 * Chains a Service no longer uses are flushed at once and deleted by a transaction ≥ 1 s later
 * (kube-proxy's workaround for kernels before 6.2, which notice a chain is unreferenced late).
 *
 * Building a transaction updates what this object believes the kernel holds. If the kernel
 * refuses it, call reset(): the next transaction is a fresh one.
 */
import { flat, parseIPv4, pushAll } from '@minimesh/api';
import type { EndpointsMap } from '../endpoint-info.js';
import { resolveRenderOptions, type ProxyRenderOptions, type RenderNode } from '../render-options.js';
import { compareServicePorts, type ServicePortInfo, type ServicePortMap } from '../service-port.js';
import { DEFAULT_NFT_TABLE } from './nftables-names.js';
import { linesFingerprint } from '../lines-fingerprint.js';
import { NftElementStore, elementId, sameElement, type NftElementChange } from './nft-element-store.js';
import { renderNftServiceRules, type NftElement, type NftServiceContext, type NftServiceRules } from './nft-service-rules.js';
import { nftTableSkeleton, parseServiceCIDRs, type NftSkeleton, type NftSkeletonOptions } from './nft-table-skeleton.js';

export interface NftRenderOptions extends ProxyRenderOptions {
  /** The table's name (default "kube-proxy"); another one lets the agent run beside kube-proxy. */
  table?: string;
  /** Service CIDRs: traffic to their unallocated addresses is dropped (kube-proxy's cluster-ips-check). */
  serviceCIDRs?: readonly string[];
}

export interface NftSyncInput {
  services: ServicePortMap;
  endpoints: EndpointsMap;
  node: RenderNode;
  /** The Services ("ns/name") changed since the last transaction; unset: re-send everything. */
  changedServices?: ReadonlySet<string>;
  /** Now, in epoch ms (when stale chains were flushed, and whether they may go). */
  now: number;
}

export type NftTransactionKind = 'fresh' | 'full' | 'partial';

export interface NftTransaction {
  /** The `nft -f -` input; "" when a partial sync has nothing to change (joined from `lines` when first read). */
  readonly script: string;
  /** The same commands, one per element: what the agent's netlink encoder reads (no 13 MB join at 10,000 Services). */
  readonly lines: readonly string[];
  readonly kind: NftTransactionKind;
  /** Service ports whose chains or elements this transaction rewrote. */
  readonly servicePortsWritten: number;
  /** Chains this transaction flushed because no service uses them any more. */
  readonly staleChains: readonly string[];
  /** Chains flushed by an earlier transaction that this one deletes. */
  readonly deletedChains: readonly string[];
  /** Rules (not map elements) in the table after this transaction. */
  readonly ruleCount: number;
  readonly elementCount: number;
  /** sync_proxy_rules_no_local_endpoints_total{traffic_policy}. */
  readonly noLocalEndpoints: { readonly internal: number; readonly external: number };
}

/** `nft -f` input of a transaction's lines: one command per line, "" for none. */
export function nftScript(lines: readonly string[]): string {
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}

/** kube-proxy waits this long before deleting a chain it flushed (kernels < 6.2 see the reference late). */
export const STALE_CHAIN_DELETE_DELAY_MS = 1000;

const namespacedName = (svc: ServicePortInfo) => `${svc.name.namespace}/${svc.name.name}`;

/** The lines of one transaction, in the order the kernel needs them. */
class Transaction {
  /** Table, skeleton, chain and set declarations: everything exists before anything refers to it. */
  readonly head: string[] = [];
  /** Element additions (by "set key", resolved at the end) and rules, service by service. */
  readonly body: (string | { element: string })[] = [];
  /** Stale chains flushed, then stale sets and old chains deleted. */
  readonly tail: string[] = [];
  readonly setDeletes: string[] = [];
  readonly chainDeletes: string[] = [];
  /**
   * Per element: what the kernel held when this transaction began and what it holds at its end.
   * Several service ports may change one key in a transaction; it is written once: a delete
   * (before anything else) and an add at its first place in the body.
   */
  private readonly elements = new Map<string, { before: NftElement | undefined; after: NftElement | undefined }>();
  written = 0;
  constructor(readonly table: string) {}

  /** A key's element changes; `flushed`: its set was flushed by this transaction (nothing to delete). */
  element(change: NftElementChange, flushed: boolean): void {
    const e = change.before ?? change.after!;
    const k = elementId(e);
    const seen = this.elements.get(k);
    if (seen === undefined) {
      this.elements.set(k, { before: flushed ? undefined : change.before, after: change.after });
      this.body.push({ element: k });
    } else seen.after = change.after;
  }

  private line(verb: 'add' | 'delete', e: NftElement): string {
    const comment = e.comment === undefined || verb === 'delete' ? '' : ` comment "${e.comment}"`;
    const value = e.value === '' || verb === 'delete' ? '' : ` : ${e.value}`;
    return `${verb} element ip ${this.table} ${e.set} { ${e.key}${comment}${value} }`;
  }

  lines(): string[] {
    const deletes: string[] = [];
    for (const { before, after } of this.elements.values()) if (before !== undefined && !sameElement(before, after)) deletes.push(this.line('delete', before));
    const body: string[] = [];
    for (const item of this.body) {
      if (typeof item === 'string') body.push(item);
      else {
        const { before, after } = this.elements.get(item.element)!;
        if (after !== undefined && !sameElement(before, after)) body.push(this.line('add', after));
      }
    }
    const lines: string[] = [];
    for (const part of [this.head, deletes, body, this.tail, this.setDeletes, this.chainDeletes]) pushAll(lines, part);
    return lines;
  }
}

export class NftablesRuleset {
  readonly table: string;
  private readonly opts: NftSkeletonOptions;
  /** What the kernel holds, per service port key; undefined before the first transaction. */
  private services: Map<string, HeldServicePort> | undefined;
  /** Service port keys per "ns/name", to find a changed Service's ports. */
  private readonly portsByService = new Map<string, readonly string[]>();
  private readonly elements = new NftElementStore();
  /** Flushed chains no service uses, by when they were flushed. */
  private readonly staleSince = new Map<string, number>();
  private skeletonText = '';
  private skeletonRules = 0;
  private serviceRules = 0;
  private readonly noLocal = { internal: 0, external: 0 };

  constructor(o: NftRenderOptions = {}) {
    this.table = o.table ?? DEFAULT_NFT_TABLE;
    if (!/^[A-Za-z][A-Za-z0-9_.-]*$/.test(this.table)) throw new Error(`nftables table name "${this.table}" is not an nft identifier`);
    this.opts = { ...resolveRenderOptions(o), serviceCIDRs: parseServiceCIDRs(o.serviceCIDRs) };
  }

  /** Forget the kernel's state: the next transaction deletes the table and builds it anew. */
  reset(): void {
    this.services = undefined;
  }

  /** Chains flushed and waiting to be deleted (a sync after STALE_CHAIN_DELETE_DELAY_MS deletes them). */
  get staleChainCount(): number {
    return this.staleSince.size;
  }

  transaction(input: NftSyncInput): NftTransaction {
    const skeleton = nftTableSkeleton(this.opts, input.node);
    const skeletonText = JSON.stringify(skeleton);
    const kind: NftTransactionKind = this.services === undefined ? 'fresh' : input.changedServices === undefined || skeletonText !== this.skeletonText ? 'full' : 'partial';
    const tx = new Transaction(this.table);
    const ctx: NftServiceContext = {
      node: input.node,
      nodeIP: input.node.addresses[0] === undefined ? undefined : parseIPv4(input.node.addresses[0]),
      clusterCIDR: this.opts.clusterCIDR,
      masqueradeAll: this.opts.masqueradeAll,
    };

    const staleChains = new Set<string>();
    if (kind === 'partial') {
      const keys = this.changedPortKeys(input.services, input.changedServices!);
      for (const key of keys) this.update(tx, ctx, key, input, false, staleChains);
    } else {
      if (kind === 'fresh') {
        this.services = new Map();
        this.portsByService.clear();
        this.staleSince.clear();
        this.serviceRules = this.noLocal.internal = this.noLocal.external = 0;
      }
      this.elements.clear();
      this.writeSkeleton(tx, skeleton, kind === 'fresh');
      this.skeletonText = skeletonText;
      const keys = new Set(this.services!.keys());
      for (const svc of [...input.services.values()].sort(compareServicePorts)) {
        keys.delete(svc.key);
        this.update(tx, ctx, svc.key, input, true, staleChains);
      }
      for (const gone of keys) this.update(tx, ctx, gone, input, true, staleChains);
    }

    const deletedChains: string[] = [];
    for (const [chain, since] of this.staleSince) {
      if (since > input.now - STALE_CHAIN_DELETE_DELAY_MS || staleChains.has(chain)) continue;
      tx.chainDeletes.push(`delete chain ip ${this.table} ${chain}`);
      deletedChains.push(chain);
    }
    for (const c of deletedChains) this.staleSince.delete(c);
    for (const c of staleChains) this.staleSince.set(c, input.now);
    const lines = tx.lines();
    let script: string | undefined;
    return {
      get script() {
        return (script ??= nftScript(lines));
      },
      lines,
      kind,
      servicePortsWritten: tx.written,
      staleChains: [...staleChains],
      deletedChains,
      ruleCount: this.skeletonRules + this.serviceRules,
      elementCount: this.elements.size,
      noLocalEndpoints: { ...this.noLocal },
    };
  }

  /** The service port keys of the changed Services, before and after the change, in render order. */
  private changedPortKeys(services: ServicePortMap, changed: ReadonlySet<string>): string[] {
    if (changed.size === 0) return [];
    const keys = new Set<string>();
    for (const nn of changed) for (const k of this.portsByService.get(nn) ?? []) keys.add(k);
    const now: ServicePortInfo[] = [];
    for (const svc of services.values()) if (changed.has(namespacedName(svc))) now.push(svc);
    now.sort(compareServicePorts);
    const ordered = now.map((s) => s.key);
    for (const k of ordered) keys.delete(k);
    return [...ordered, ...keys];
  }

  private writeSkeleton(tx: Transaction, sk: NftSkeleton, fresh: boolean): void {
    const t = `ip ${this.table}`;
    tx.head.push(`add table ${t} { comment "rules for kube-proxy" ; }`);
    if (fresh) tx.head.push(`delete table ${t}`, `add table ${t} { comment "rules for kube-proxy" ; }`);
    for (const [name, spec] of sk.chains) {
      tx.head.push(spec === '' ? `add chain ${t} ${name}` : `add chain ${t} ${name} { ${spec} }`);
      if (!fresh) tx.head.push(`flush chain ${t} ${name}`);
    }
    for (const [kind, name, spec] of sk.sets) {
      tx.head.push(`add ${kind} ${t} ${name} { ${spec} ; }`);
      if (!fresh) tx.head.push(`flush ${kind} ${t} ${name}`);
    }
    for (const [chain, rule] of sk.rules) tx.head.push(`add rule ${t} ${chain} ${rule}`);
    // The sets were just created or flushed; the skeleton's elements go first in the body.
    for (const change of this.elements.replace('', [], sk.elements)) tx.element(change, true);
    this.skeletonRules = sk.rules.length;
  }

  /**
   * Brings one service port from what the kernel holds to what `input` wants. `rewrite`: every
   * chain is re-sent (a full sync, after the maps were flushed); otherwise only differences.
   */
  private update(tx: Transaction, ctx: NftServiceContext, key: string, input: NftSyncInput, rewrite: boolean, staleChains: Set<string>): void {
    const t = `ip ${this.table}`;
    const services = this.services!;
    const held = services.get(key);
    const old = held;
    const svc = input.services.get(key);
    if (held === undefined && svc === undefined) return;
    const next = svc === undefined ? undefined : renderNftServiceRules(ctx, svc, input.endpoints.get(key) ?? []);
    let wrote = false;

    // A full sync flushed the maps and cleared the store: every element is claimed afresh.
    const changes: NftElementChange[] = rewrite ? this.elements.replace(key, [], next?.elements ?? []) : this.elements.replace(key, old?.elements ?? [], next?.elements ?? []);
    for (const c of changes) {
      tx.element(c, rewrite);
      wrote = true;
    }

    // An affinity set whose timeout changed is made again (an `add set` over an existing set
    // keeps its old timeout); every chain of the service is rewritten first, so none refers to it.
    const retimed = [...(next?.affinitySets ?? [])].filter(([set, timeout]) => old?.affinitySets.has(set) && old.affinitySets.get(set) !== timeout).map(([set]) => set);
    for (const [chain, rules] of next?.chains ?? []) {
      const was = old === undefined ? undefined : chainFingerprint(old, chain);
      if (!rewrite && retimed.length === 0 && was !== undefined && was === linesFingerprint(rules)) continue;
      tx.head.push(`add chain ${t} ${chain}`);
      if (was !== undefined || this.staleSince.has(chain)) tx.head.push(`flush chain ${t} ${chain}`);
      this.staleSince.delete(chain);
      for (const r of rules) tx.body.push(`add rule ${t} ${chain} ${r}`);
      wrote = true;
    }
    if (retimed.length > 0) {
      // A chain the service no longer uses may still name the set: flushed before it goes.
      for (const chain of old?.chainNames ?? []) if (!next?.chains.has(chain)) tx.head.push(`flush chain ${t} ${chain}`);
    }
    for (const [set, timeout] of next?.affinitySets ?? []) {
      if (retimed.includes(set)) tx.head.push(`delete set ${t} ${set}`);
      // Otherwise never flushed: the members are the affinity state.
      if (rewrite || !old?.affinitySets.has(set) || retimed.includes(set)) tx.head.push(`add set ${t} ${set} { type ipv4_addr ; flags dynamic,timeout ; timeout ${timeout}s ; }`);
    }
    for (const chain of old?.chainNames ?? []) {
      if (next?.chains.has(chain)) continue;
      tx.tail.push(`flush chain ${t} ${chain}`);
      staleChains.add(chain);
      wrote = true;
    }
    // Rules referring to a stale set were flushed above; a stale set can go at once.
    for (const set of old?.affinitySets.keys() ?? []) if (!next?.affinitySets.has(set)) tx.setDeletes.push(`delete set ${t} ${set}`);

    if (old !== undefined) {
      this.serviceRules -= old.ruleCount;
      this.noLocal.internal -= old.noLocal.internal;
      this.noLocal.external -= old.noLocal.external;
    }
    const nn = svc === undefined ? held!.service : namespacedName(svc);
    if (next === undefined) {
      services.delete(key);
      const ports = this.portsByService.get(nn)?.filter((k) => k !== key) ?? [];
      if (ports.length > 0) this.portsByService.set(nn, ports);
      else this.portsByService.delete(nn);
    } else {
      const held = heldServicePort(next, nn);
      services.set(key, held);
      this.serviceRules += held.ruleCount;
      this.noLocal.internal += next.noLocal.internal;
      this.noLocal.external += next.noLocal.external;
      // A Service has a port or a few: an array each (a Set would cost several times more).
      const ports = this.portsByService.get(nn) ?? [];
      if (!ports.includes(key)) this.portsByService.set(nn, [...ports, key]);
    }
    if (wrote) tx.written++;
  }
}

/**
 * What the ruleset keeps of a service port it wrote: its elements and affinity sets as they are,
 * and of each chain only a fingerprint of its rules (enough to tell whether a sync must rewrite
 * it; the text itself would be most of the agent's memory at 10,000 Services).
 */
interface HeldServicePort {
  readonly service: string;
  /** The chains' names and their rules' fingerprints, side by side (a few each: no Map per service port). */
  readonly chainNames: readonly string[];
  readonly chainPrints: readonly number[];
  readonly ruleCount: number;
  readonly elements: readonly NftElement[];
  readonly affinitySets: ReadonlyMap<string, number>;
  readonly noLocal: { readonly internal: number; readonly external: number };
}

const NO_AFFINITY_SETS: ReadonlyMap<string, number> = new Map();

function heldServicePort(r: NftServiceRules, service: string): HeldServicePort {
  // Arrays of their exact size (one grown by push() keeps room for 16 more).
  const chainNames = new Array<string>(r.chains.size);
  const chainPrints = new Array<number>(r.chains.size);
  let ruleCount = 0;
  let i = 0;
  for (const [chain, rules] of r.chains) {
    chainNames[i] = flat(chain);
    chainPrints[i++] = linesFingerprint(rules);
    ruleCount += rules.length;
  }
  // Most service ports have no ClientIP affinity: one shared empty map.
  const affinitySets = r.affinitySets.size === 0 ? NO_AFFINITY_SETS : r.affinitySets;
  return { service, chainNames, chainPrints, ruleCount, elements: r.elements.slice(), affinitySets, noLocal: r.noLocal };
}

function chainFingerprint(held: HeldServicePort, chain: string): number | undefined {
  const i = held.chainNames.indexOf(chain);
  return i < 0 ? undefined : held.chainPrints[i];
}

