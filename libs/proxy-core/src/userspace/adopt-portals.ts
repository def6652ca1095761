/**
 * The proxy ports an earlier run of the userspace proxy left in the kernel, read back from
 * `iptables-save -t nat`: a restarted agent listens on the same ports again, so the portal rules
 * stay exactly as they were and clients that resolved nothing new simply reconnect. Pure.
 */
import type { ProxyProtocol } from '../service-port.js';
import { portalChains } from './render-portals.js';

export interface PortalRecord {
  /** ServicePortName.String() from the rule's comment: "ns/name" or "ns/name:port". */
  readonly service: string;
  readonly protocol: Extract<ProxyProtocol, 'TCP' | 'UDP'>;
  /** The address the rule matches; undefined for a NodePort rule. */
  readonly destination?: string;
  readonly nodePort: boolean;
  readonly proxyPort: number;
}

/** iptables-save's arguments of one rule: words, with "quoted strings" kept whole. */
function words(line: string): string[] {
  const out: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|(\S+)/g;
  for (let m = re.exec(line); m; m = re.exec(line)) out.push(m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : m[2]!);
  return out;
}

function valueOf(args: readonly string[], flag: string): string | undefined {
  const i = args.indexOf(flag);
  return i === -1 ? undefined : args[i + 1];
}

/** The REDIRECT rules of the container chains (the host chains DNAT to the same ports). */
export function adoptablePortals(iptablesSave: string, prefix = 'KUBE-'): PortalRecord[] {
  const c = portalChains(prefix);
  const out: PortalRecord[] = [];
  for (const line of iptablesSave.split('\n')) {
    if (!line.startsWith('-A ')) continue;
    const args = words(line);
    const chain = args[1];
    if (chain !== c.portalsContainer && chain !== c.nodePortContainer) continue;
    const proxyPort = Number(valueOf(args, '--to-ports'));
    const protocol = valueOf(args, '-p')?.toUpperCase();
    const service = valueOf(args, '--comment');
    if (!Number.isInteger(proxyPort) || proxyPort <= 0 || (protocol !== 'TCP' && protocol !== 'UDP') || !service) continue;
    const destination = valueOf(args, '-d')?.replace(/\/32$/, '');
    const nodePort = chain === c.nodePortContainer;
    out.push({ service, protocol, nodePort, proxyPort, ...(nodePort || destination === undefined ? {} : { destination }) });
  }
  return out;
}

/** The port to listen on again for a Service port's traffic class, if an earlier run had one. */
export function adoptedPort(records: readonly PortalRecord[], service: string, protocol: string, clusterIP: string, cls: 'internal' | 'external'): number | undefined {
  const mine = records.filter((r) => r.service === service && r.protocol === protocol);
  const hit = cls === 'internal' ? mine.find((r) => r.destination === clusterIP) : mine.find((r) => r.nodePort || (r.destination !== undefined && r.destination !== clusterIP));
  return hit?.proxyPort;
}
