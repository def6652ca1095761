/**
 * What one service port puts into the iptables ruleset, kept between syncs. A partial sync
 * rewrites only the changed Services' own chains, yet the top-level chains (KUBE-SERVICES,
 * KUBE-NODEPORTS, the filter table) need every Service's rules, and the rule counts and the set
 * of live chains need every Service's chains: without a cache, every sync rendered every Service
 * (4.6 ms at 1,000 Services, 105 ms at 10,000, alone on a core) to write one.
 *
 * An entry holds only what an unchanged Service contributes without being written: its
 * top-level rules, the names of its own chains, how many rules they have, and its
 * no-local-endpoints counts. It is valid while the change trackers hand over the same
 * ServicePortInfo and the same endpoints array (they keep both for a Service whose objects did
 * not change) and the render options it depended on are the same; a Service being written is
 * always rendered afresh. Entries go with their ServicePortInfo (a WeakMap).
 */
import type { EndpointInfo } from '../endpoint-info.js';
import type { ServicePortInfo } from '../service-port.js';
import type { TableName } from './restore-table.js';

/** One service port's part of the ruleset, as an unchanged Service contributes it. */
export interface ServiceRules {
  /** Rules in the top-level chains, in the order written: [table, chain, rule]. */
  readonly top: readonly (readonly [TableName, string, string])[];
  /** The Service's own nat chains (SVC, SVL, EXT, FW, SEP). */
  readonly ownChains: readonly string[];
  /** How many rules those chains have. */
  readonly ownRules: number;
  /** sync_proxy_rules_no_local_endpoints_total's increments, by traffic policy. */
  readonly noLocal: { readonly internal: number; readonly external: number };
}

interface Entry {
  readonly endpoints: readonly EndpointInfo[];
  readonly options: string;
  readonly rules: ServiceRules;
}

export class IptablesRenderCache {
  private readonly entries = new WeakMap<ServicePortInfo, Entry>();

  /** The rules kept for `svc` with exactly these endpoints and render options (`options`: their key). */
  get(svc: ServicePortInfo, endpoints: readonly EndpointInfo[], options: string): ServiceRules | undefined {
    const e = this.entries.get(svc);
    return e !== undefined && e.endpoints === endpoints && e.options === options ? e.rules : undefined;
  }

  set(svc: ServicePortInfo, endpoints: readonly EndpointInfo[], options: string, rules: ServiceRules): void {
    this.entries.set(svc, { endpoints, options, rules });
  }
}
