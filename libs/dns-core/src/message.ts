/**
 * The DNS message model the pure core speaks: questions, resource records and replies as plain
 * data. Names are fully qualified with the trailing dot (`web.study.svc.cluster.local.`), exactly
 * as CoreDNS's tests write them; the wire codec in apps/dns converts at the edge.
 */

/** RCODEs (RFC 1035 §4.1.1, RFC 6891 for BADVERS, which needs the OPT record's extended bits). */
export const Rcode = {
  NOERROR: 0,
  FORMERR: 1,
  SERVFAIL: 2,
  NXDOMAIN: 3,
  NOTIMP: 4,
  REFUSED: 5,
  BADVERS: 16,
} as const;

const RCODE_NAMES = new Map<number, string>(Object.entries(Rcode).map(([k, v]) => [v, k]));

/** `NXDOMAIN` for 3, `RCODE9` for codes without a name (CoreDNS's rcode label does the same). */
export function rcodeName(code: number): string {
  return RCODE_NAMES.get(code) ?? `RCODE${code}`;
}

export interface Question {
  /** Fully qualified, in the letter case the client used. */
  name: string;
  /** `A`, `SRV`, ... or `TYPE65280` for types without a mnemonic (see qtypes.ts). */
  type: string;
  /** 1 (IN) nearly always. */
  class: number;
}

export interface SrvData {
  priority: number;
  weight: number;
  port: number;
  target: string;
}

export interface SoaData {
  mname: string;
  rname: string;
  serial: number;
  refresh: number;
  retry: number;
  expire: number;
  minimum: number;
}

interface Owner {
  name: string;
  ttl: number;
}

export type ResourceRecord =
  | (Owner & { type: 'A' | 'AAAA'; data: string })
  | (Owner & { type: 'CNAME' | 'PTR' | 'NS'; data: string })
  | (Owner & { type: 'SRV'; data: SrvData })
  | (Owner & { type: 'TXT'; data: string[] })
  | (Owner & { type: 'SOA'; data: SoaData })
  | (Owner & { type: 'MX'; data: { preference: number; exchange: string } });

export type RecordType = ResourceRecord['type'];

/** The sections and flags of a reply; the header id, question, RD/CD and OPT come from the request. */
export interface ReplyMessage {
  rcode: number;
  authoritative: boolean;
  truncated: boolean;
  recursionAvailable: boolean;
  answer: ResourceRecord[];
  authority: ResourceRecord[];
  additional: ResourceRecord[];
}

export function reply(rcode: number, parts: Partial<Omit<ReplyMessage, 'rcode'>> = {}): ReplyMessage {
  return {
    rcode,
    authoritative: parts.authoritative ?? false,
    truncated: parts.truncated ?? false,
    recursionAvailable: parts.recursionAvailable ?? false,
    answer: parts.answer ?? [],
    authority: parts.authority ?? [],
    additional: parts.additional ?? [],
  };
}

/** `A 10.0.0.1`, `SRV 0 100 80 x.` ... the rdata in presentation format, for logs and tests. */
export function rdataText(rr: ResourceRecord): string {
  switch (rr.type) {
    case 'SRV':
      return `${rr.data.priority} ${rr.data.weight} ${rr.data.port} ${rr.data.target}`;
    case 'SOA': {
      const s = rr.data;
      return `${s.mname} ${s.rname} ${s.serial} ${s.refresh} ${s.retry} ${s.expire} ${s.minimum}`;
    }
    case 'TXT':
      return rr.data.map((t) => JSON.stringify(t)).join(' ');
    case 'MX':
      return `${rr.data.preference} ${rr.data.exchange}`;
    default:
      return rr.data;
  }
}

/** `web.study.svc.cluster.local. 30 IN A 10.96.0.20`, the way dig and CoreDNS's tests print a record. */
export function recordText(rr: ResourceRecord): string {
  return `${rr.name} ${rr.ttl} IN ${rr.type} ${rdataText(rr)}`;
}
