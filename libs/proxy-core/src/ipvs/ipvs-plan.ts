/**
 * The difference between the kernel's IPVS table and the desired one, as ipvsadm argument lists in
 * a safe order: virtual servers added or edited, then real servers added or edited (so no service
 * is ever without its new destinations), then the real servers to remove, listed apart so the
 * applier can terminate them gracefully, then the virtual servers to delete. It mirrors
 * kube-proxy's syncService / syncEndpoint / cleanLegacyService (pkg/proxy/ipvs/proxier.go) and
 * its graceful termination (pkg/proxy/ipvs/graceful_termination.go): a changed scheduler or
 * persistence is an edit (`-E`, the VIP stays up), a removed TCP real server first gets weight 0
 * and is deleted once its ActiveConn + InActConn reach 0, UDP and SCTP ones are deleted at once
 * (expire_nodest_conn=1 drops their flows), and virtual servers inside --ipvs-exclude-cidrs are
 * never deleted.
 */
import { cidrContains, parseIPv4, parseIPv4CIDR } from '@minimesh/api';
import { realServerArgs, serviceArgs, virtualServerOptionArgs } from './ipvsadm-format.js';
import { realServerKey, sameVirtualServerConfig, servicesByKey, sortIpvsTable, virtualServerKey, type IpvsTable, type RealServer, type VirtualServer } from './ipvs-table.js';

export type IpvsOpKind = 'add-virtual-server' | 'edit-virtual-server' | 'delete-virtual-server' | 'add-real-server' | 'edit-real-server' | 'delete-real-server';

export interface IpvsOp {
  readonly kind: IpvsOpKind;
  readonly vs: VirtualServer;
  readonly rs?: RealServer;
  /** ipvsadm's arguments (without the program name): `-A -t 10.97.97.97:80 -s rr`. */
  readonly args: readonly string[];
}

export interface RealServerRemoval {
  readonly vs: VirtualServer;
  /** The real server as the kernel has it (with its counters when they were listed). */
  readonly rs: RealServer;
  /**
   * TCP with connections left (or unknown counters): drain, then delete when ActiveConn +
   * InActConn reach 0. UDP and SCTP, or TCP without connections: delete at once.
   */
  readonly graceful: boolean;
  /** `-e … -w 0`: stop new connections (graceful removals whose weight is not 0 yet). */
  readonly drain?: readonly string[];
  /** `-d …`: the deletion, at once or after draining. */
  readonly remove: readonly string[];
}

export interface IpvsPlan {
  /** Virtual servers added/edited, then real servers added/edited, in order. */
  readonly apply: readonly IpvsOp[];
  readonly removeRealServers: readonly RealServerRemoval[];
  /** Virtual servers to delete (their real servers go with them). */
  readonly deleteVirtualServers: readonly IpvsOp[];
}

export interface IpvsPlanOptions {
  /** --ipvs-exclude-cidrs: current virtual servers inside them are left alone. */
  excludeCIDRs?: readonly string[];
}

/**
 * What to run to turn `current` (parsed `ipvsadm -Ln`) into `desired` (renderIpvs's table). A
 * draining real server that is wanted again is edited back to its weight, keeping its
 * connections (kube-proxy deletes and re-adds it); an applier tracking graceful deletions cancels
 * the pending one of any real server this plan adds or edits.
 */
export function planIpvs(current: IpvsTable, desired: IpvsTable, opts: IpvsPlanOptions = {}): IpvsPlan {
  const cur = servicesByKey(current);
  const want = sortIpvsTable(desired).services;
  const wantKeys = new Set<string>();
  const vsOps: IpvsOp[] = [];
  const rsOps: IpvsOp[] = [];
  const removals: RealServerRemoval[] = [];

  for (const { vs, realServers } of want) {
    const key = virtualServerKey(vs);
    wantKeys.add(key);
    const have = cur.get(key);
    if (have === undefined) vsOps.push({ kind: 'add-virtual-server', vs, args: ['-A', ...serviceArgs(vs), ...virtualServerOptionArgs(vs)] });
    else if (!sameVirtualServerConfig(have.vs, vs)) vsOps.push({ kind: 'edit-virtual-server', vs, args: ['-E', ...serviceArgs(vs), ...virtualServerOptionArgs(vs)] });

    const haveRs = new Map((have?.realServers ?? []).map((rs) => [realServerKey(rs), rs]));
    const wantRs = new Set<string>();
    for (const rs of realServers) {
      const k = realServerKey(rs);
      wantRs.add(k);
      const old = haveRs.get(k);
      if (old === undefined) rsOps.push({ kind: 'add-real-server', vs, rs, args: ['-a', ...serviceArgs(vs), ...realServerArgs(rs)] });
      else if (old.weight !== rs.weight || old.forward !== rs.forward) rsOps.push({ kind: 'edit-real-server', vs, rs, args: ['-e', ...serviceArgs(vs), ...realServerArgs(rs)] });
    }
    for (const [k, rs] of haveRs) if (!wantRs.has(k)) removals.push(removal(vs, rs));
  }

  const excluded = (opts.excludeCIDRs ?? []).map((c) => {
    const cidr = parseIPv4CIDR(c.trim());
    if (cidr === undefined) throw new Error(`excludeCIDRs: ${c} is not an IPv4 CIDR`);
    return cidr;
  });
  const deletions: IpvsOp[] = [];
  for (const { vs } of sortIpvsTable(current).services) {
    if (wantKeys.has(virtualServerKey(vs))) continue;
    const ip = parseIPv4(vs.address);
    // Not our family (IPv6), or excluded: kube-proxy's cleanLegacyService leaves it.
    if (ip === undefined || excluded.some((c) => cidrContains(c, ip))) continue;
    deletions.push({ kind: 'delete-virtual-server', vs, args: ['-D', ...serviceArgs(vs)] });
  }
  return { apply: [...vsOps, ...rsOps], removeRealServers: removals, deleteVirtualServers: deletions };
}

function removal(vs: VirtualServer, rs: RealServer): RealServerRemoval {
  const noConnections = rs.activeConn !== undefined && rs.inactConn !== undefined && rs.activeConn + rs.inactConn === 0;
  const graceful = vs.protocol === 'TCP' && !noConnections;
  const remove = ['-d', ...serviceArgs(vs), '-r', realServerKey(rs)];
  if (!graceful || rs.weight === 0) return { vs, rs, graceful, remove };
  return { vs, rs, graceful, drain: ['-e', ...serviceArgs(vs), ...realServerArgs({ ...rs, weight: 0 })], remove };
}

/** Nothing to do: the kernel already matches. */
export function isIpvsPlanEmpty(plan: IpvsPlan): boolean {
  return plan.apply.length === 0 && plan.removeRealServers.length === 0 && plan.deleteVirtualServers.length === 0;
}

export class NotAnAddOperationError extends Error {
  constructor(readonly op: IpvsOp) {
    super(`ipvsadm-restore text is for bulk creation: ${op.kind} (${op.args.join(' ')}) is not an add`);
    this.name = 'NotAnAddOperationError';
  }
}

/**
 * `ipvsadm-restore` input creating what `ops` add, one `-A` / `-a` line each (in the given
 * order, so services before their real servers). Edits and deletions are refused: restore stops
 * at the first failing line, so it is meant for entries that do not exist yet.
 */
export function ipvsadmRestoreText(ops: readonly IpvsOp[]): string {
  const lines = ops.map((op) => {
    if (op.kind !== 'add-virtual-server' && op.kind !== 'add-real-server') throw new NotAnAddOperationError(op);
    return op.args.join(' ');
  });
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}
