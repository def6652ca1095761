/**
 * IPVS mode, in kube-proxy's shape (pkg/proxy/ipvs/proxier.go): a sync checks out the changes,
 * renders the desired IPVS state from the full maps (a pure function of @minimesh/proxy-core), and
 * applies only the difference: the addresses on the dummy device kube-ipvs0, the ipsets
 * (`ipset restore`), the virtual and real servers (new ones in one `ipvsadm-restore`, edits and
 * deletions one command each; removed real servers drain gracefully), then the few iptables rules
 * IPVS mode keeps (`iptables-restore --noflush`). Every sync is a full one, as in kube-proxy. Nothing
 * is flushed at start or on exit: a restarted agent diffs against what is there.
 */
import {
  ipsetRestoreText,
  ipvsadmRestoreText,
  planIpvs,
  renderIpvs,
  savedEntriesByName,
  type IpvsRenderOptions,
  type IpvsTable,
} from '@minimesh/proxy-core';
import { FAMILY, ProxierBase, type ProxierBaseOptions } from '../proxier-base.js';
import type { Iptables } from '../iptables/iptables.js';
import { GracefulTermination, realServerPairKey } from './graceful-termination.js';
import { DummyDevice, Ipset, Ipvsadm, writeSysctl, type IpvsadmOptions } from './kernel-tools.js';

export interface IpvsProxierOptions extends ProxierBaseOptions {
  render: IpvsRenderOptions;
  iptables: Iptables;
  ipvsadm?: IpvsadmOptions;
  /** How often draining real servers are checked (kube-proxy: 1 min). */
  gracefulCheckMs?: number;
}

export class IpvsProxier extends ProxierBase {
  private readonly ipvsadm: Ipvsadm;
  private readonly ipset: Ipset;
  private readonly graceful: GracefulTermination;
  private prepared = false;
  /** The desired table of the last sync (what `meshctl get ipvs` shows). */
  desired: IpvsTable = { services: [] };

  constructor(private readonly o: IpvsProxierOptions) {
    super(o);
    this.ipvsadm = new Ipvsadm(o.exec, o.ipvsadm);
    this.ipset = new Ipset(o.exec);
    this.graceful = new GracefulTermination(this.ipvsadm, o.log, o.gracefulCheckMs);
  }

  override start(): void {
    this.graceful.start();
    super.start();
  }

  override async stop(): Promise<void> {
    this.graceful.stop();
    await super.stop();
    this.o.iptables.close();
  }

  /** Real servers draining now. */
  get draining(): string[] {
    return this.graceful.draining;
  }

  /** Sysctls once (kube-proxy sets them in NewProxier); a missing one is only a warning. */
  private async prepare(sysctls: readonly { name: string; value: number }[]): Promise<void> {
    for (const s of sysctls) {
      await writeSysctl(this.o.exec, s.name, s.value).catch((e: Error) => this.o.log.warn('cannot set a sysctl', { sysctl: s.name, err: e.message }));
    }
    this.prepared = true;
  }

  async sync(): Promise<void> {
    if (!this.initialized) return;
    const start = process.hrtime.bigint();
    const { metrics, iptables } = this.o;
    const { epUpdate } = this.checkout();
    const result = renderIpvs({
      services: this.services.serviceMap,
      endpoints: this.endpoints.endpointsMap,
      node: { name: this.o.nodeName, addresses: this.o.nodeAddresses() },
      opts: this.o.render,
    });
    try {
      if (!this.prepared) await this.prepare(result.sysctls);
      const dummy = new DummyDevice(this.o.exec, result.dummyDevice);
      await dummy.ensure();
      // Addresses and sets first: a virtual server is only ever reachable with its rules in place.
      await dummy.sync(result.boundAddresses);
      await this.ipset.restore(ipsetRestoreText(result.ipsets, savedEntriesByName(await this.ipset.save())));
      const current = await this.ipvsadm.list();
      const plan = planIpvs(current, result.table, { excludeCIDRs: result.excludeCIDRs });
      const adds = plan.apply.filter((op) => op.kind === 'add-virtual-server' || op.kind === 'add-real-server');
      // New virtual servers with their real servers in one batch; edits one by one.
      await this.ipvsadm.restore(ipvsadmRestoreText(adds));
      for (const op of plan.apply) if (op.kind !== 'add-virtual-server' && op.kind !== 'add-real-server') await this.ipvsadm.run(op.args);
      this.graceful.keep(plan.apply.filter((op) => op.rs).map((op) => realServerPairKey(op.vs, op.rs!)));
      for (const r of plan.removeRealServers) await this.graceful.remove(r);
      for (const op of plan.deleteVirtualServers) await this.ipvsadm.run(op.args);
      for (const j of result.ensureJumps) await iptables.ensureJump(j);
      await iptables.restore(result.restore);
      await this.graceful.check();
      this.o.log.debug('ipvs applied', { added: adds.length, edits: plan.apply.length - adds.length, removals: plan.removeRealServers.length, deleted: plan.deleteVirtualServers.length });
    } catch (e) {
      metrics.restoreFailures.inc(FAMILY);
      throw e;
    }
    this.desired = result.table;
    await this.cleanConntrack();
    metrics.rulesTotal.set({ ...FAMILY, table: 'nat' }, result.ruleCounts.nat);
    metrics.rulesTotal.set({ ...FAMILY, table: 'filter' }, result.ruleCounts.filter);
    const seconds = this.recordSync(start, epUpdate, { full: true, noLocalEndpoints: result.noLocalEndpoints });
    this.o.log.debug('synced', { seconds, virtualServers: result.table.services.length });
  }
}
