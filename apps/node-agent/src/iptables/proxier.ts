/**
 * iptables mode, in kube-proxy's shape: informer handlers feed the change trackers and ask the
 * bounded-frequency runner for a sync; a sync checks out the changes, renders the desired
 * ruleset from the full maps (a pure function of @minimesh/proxy-core), and applies it with
 * `iptables-restore --noflush` — only the changed services' chains, or everything on a full sync
 * (the first one, after a failure, or when the canary chain shows someone flushed the tables).
 * A partial sync also leaves out the top-level chains (KUBE-SERVICES, the filter table, ...) whose
 * rules are what the last restore wrote, and edits them in place (`-D`; `-I 1`, or `-I n` where
 * the order matters) when only a few rules came or went: on the nf_tables backend rewriting
 * KUBE-SERVICES of 10,000 Services costs ~0.7 s, a restore of a Service's own chains ~20 ms.
 * (kube-proxy rewrites them on every sync; a change made to them from outside is repaired here
 * by the next full sync.)
 * Nothing is removed on shutdown: a restarted agent takes over the rules in place.
 */
import { canaryChain, chainEdits, headEdits, IptablesRenderCache, renderIptables, type RenderOptions, type RenderResult } from '@minimesh/proxy-core';
import { FAMILY, ProxierBase, type ProxierBaseOptions } from '../proxier-base.js';
import type { Iptables } from './iptables.js';

export interface IptablesProxierOptions extends ProxierBaseOptions {
  render: RenderOptions & { prefix: string };
  /** At least this often a sync rewrites everything (default FULL_SYNC_PERIOD_MS). */
  fullSyncPeriodMs?: number;
  iptables: Iptables;
}

const CANARY_CHECK_MS = 5000;
/** Like kube-proxy (proxyutil.FullSyncPeriod): partial syncs, but a full one at least this often. */
export const FULL_SYNC_PERIOD_MS = 3600_000;

export class IptablesProxier extends ProxierBase {
  private needFullSync = true;
  private natChains?: Set<string>;
  private canaryTimer: NodeJS.Timeout | undefined;
  private canaryCheck: Promise<void> | undefined;
  private syncing = false;
  private lastFullSync = 0;
  /** The top-level chains' rules as the last successful restore left them (RenderResult.topLevelRules). */
  private restored = new Map<string, readonly string[]>();
  /** What unchanged Services contribute to a sync (a partial sync renders only the ones it writes). */
  private readonly renderCache = new IptablesRenderCache();

  constructor(private readonly o: IptablesProxierOptions) {
    super(o);
  }

  /** The node's addresses changed: NodePort rules depend on them, and partial syncs skip them. */
  override onNodeChange(): void {
    this.needFullSync = true;
    super.onNodeChange();
  }

  /**
   * The canary chain is looked at from the side every CANARY_CHECK_MS, as kube-proxy's
   * iptables Monitor does, not on the sync path: three `iptables -S` processes (~10 ms) no
   * longer delay the sync they happened to fall in.
   */
  override start(): void {
    super.start();
    this.canaryTimer = setInterval(() => void this.checkCanary(), CANARY_CHECK_MS);
    this.canaryTimer.unref();
  }

  override async stop(): Promise<void> {
    clearInterval(this.canaryTimer);
    await this.canaryCheck;
    await super.stop();
    this.o.iptables.close();
  }

  /** When the canary chain is gone (someone flushed the tables), the next sync is a full one, soon. */
  checkCanary(): Promise<void> {
    // A sync in progress may be rebuilding it; a full sync is coming anyway.
    if (!this.initialized || this.syncing || this.needFullSync || this.canaryCheck) return this.canaryCheck ?? Promise.resolve();
    this.canaryCheck = this.canaryGone().then(
      (gone) => {
        if (!gone || this.syncing) return;
        this.o.log.warn('canary chain is gone (someone flushed the tables): full resync');
        this.needFullSync = true;
        this.runSoon();
      },
      (e: unknown) => this.o.log.warn('could not look for the canary chain', { err: (e as Error).message }),
    ).finally(() => (this.canaryCheck = undefined));
    return this.canaryCheck;
  }

  private async canaryGone(): Promise<boolean> {
    const { chain, tables } = canaryChain(this.o.render.prefix);
    for (const t of tables) if (!(await this.o.iptables.chainExists(t, chain))) return true;
    return false;
  }

  async sync(): Promise<void> {
    if (!this.initialized) return;
    this.syncing = true;
    try {
      await this.syncRules();
    } finally {
      this.syncing = false;
    }
  }

  private async syncRules(): Promise<void> {
    const start = process.hrtime.bigint();
    const { metrics, iptables, render } = this.o;
    const full = this.needFullSync || Date.now() - this.lastFullSync > (this.o.fullSyncPeriodMs ?? FULL_SYNC_PERIOD_MS);
    // Cleared now, so a request for a full sync that arrives during this one is not lost.
    this.needFullSync = false;
    const { svcUpdate, epUpdate } = this.checkout();

    const changed = new Set([...svcUpdate.updatedServices, ...epUpdate.updatedServices]);
    let result: RenderResult;
    let natLeftOut = 0;
    try {
      // Chains left by an earlier run are deleted by the first full restore.
      if (full) this.natChains ??= new Set(await iptables.chains('nat', render.prefix));
      result = renderIptables({
        services: this.services.serviceMap,
        endpoints: this.endpoints.endpointsMap,
        node: { name: this.o.nodeName, addresses: this.o.nodeAddresses() },
        opts: render,
        changedServices: full ? undefined : changed,
        existingNatChains: this.natChains,
        cache: this.renderCache,
      });
      if (full) {
        for (const j of result.ensureJumps) await iptables.ensureJump(j);
        for (const t of result.canary.tables) await iptables.ensureChain(t, result.canary.chain);
      }
      const input = restoreInput(result, full ? new Map() : this.restored);
      await iptables.restore(input.text);
      this.restored = input.topLevel;
      natLeftOut = input.natRulesLeftOut;
    } catch (e) {
      metrics.restoreFailures.inc(FAMILY);
      if (!full) metrics.partialRestoreFailures.inc(FAMILY);
      this.needFullSync = true;
      this.natChains = undefined;
      this.restored = new Map();
      throw e;
    }
    this.natChains = new Set(result.natChains);
    if (full) this.lastFullSync = Date.now();

    await this.cleanConntrack();
    metrics.rulesTotal.set({ ...FAMILY, table: 'filter' }, result.ruleCounts.filter);
    metrics.rulesTotal.set({ ...FAMILY, table: 'nat' }, result.ruleCounts.nat);
    metrics.rulesLast.set({ ...FAMILY, table: 'nat' }, result.ruleCounts.natWritten - natLeftOut);
    const seconds = this.recordSync(start, epUpdate, { full: !result.partial, noLocalEndpoints: result.noLocalEndpoints });
    this.o.log.debug('synced', { full: !result.partial, seconds, changedServices: changed.size, natRules: result.ruleCounts.nat });
  }
}

/**
 * What a sync restores: `result`'s input, where each top-level chain is left out when its rules
 * are those of `restored` (what the kernel holds after the last successful restore, by
 * `table:chain`; empty for a full sync), edited in place when a few rules came or went, and
 * rewritten otherwise. A chain that begins with Services' rules gets a new one at its top
 * (headEdits: no read of its rules by iptables-nft), so the kernel's order of those rules is the
 * order they came in; `topLevel` is what the kernel holds afterwards, for the next sync. Other
 * chains are edited by final position (chainEdits: a new Service's rule in a KUBE-SERVICES of
 * 10,000).
 */
export function restoreInput(
  result: RenderResult,
  restored: ReadonlyMap<string, readonly string[]>,
): { text: string; topLevel: Map<string, readonly string[]>; natRulesLeftOut: number } {
  const topLevel = result.topLevelRules();
  const instead = new Map<string, readonly string[] | null>();
  let natRulesLeftOut = 0;
  for (const [key, rules] of topLevel) {
    const before = restored.get(key);
    if (!before) continue;
    const [table, chain] = key.split(':') as [string, string];
    const head = result.serviceRuleHeads.get(key);
    let edits: string[] | null | undefined;
    if (sameRules(before, rules)) edits = null;
    else if (head === undefined) edits = chainEdits(chain, before, rules);
    else {
      const planned = headEdits(chain, before, rules, head);
      if (planned === undefined) continue; // rewritten: the kernel then holds `rules`
      topLevel.set(key, planned.kernel);
      edits = planned.edits.length === 0 ? null : planned.edits;
    }
    if (edits === undefined) continue;
    instead.set(key, edits);
    if (table === 'nat') natRulesLeftOut += rules.length - (edits?.filter((e) => e.startsWith('-I ')).length ?? 0);
  }
  return { text: instead.size > 0 ? result.restoreWith(instead) : result.restore, topLevel, natRulesLeftOut };
}

function sameRules(a: readonly string[], b: readonly string[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
