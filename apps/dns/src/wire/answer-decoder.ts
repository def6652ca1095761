/**
 * The answer section of an upstream message as dns-core records (for CNAME chasing: the records
 * are appended to a kubernetes answer). Types dns-core does not model are left out.
 */
import dnsPacket from 'dns-packet';
import type { ResourceRecord } from '@minimesh/dns-core';

const fq = (n: string) => (n.endsWith('.') ? n : `${n}.`);

function toRecord(a: dnsPacket.Answer): ResourceRecord | undefined {
  if (a.type === 'OPT') return undefined;
  const name = fq(a.name);
  const ttl = a.ttl ?? 0;
  switch (a.type) {
    case 'A':
    case 'AAAA':
      return { name, ttl, type: a.type, data: a.data };
    case 'CNAME':
    case 'PTR':
    case 'NS':
      return { name, ttl, type: a.type, data: fq(a.data) };
    case 'SRV':
      return { name, ttl, type: 'SRV', data: { priority: a.data.priority ?? 0, weight: a.data.weight ?? 0, port: a.data.port ?? 0, target: fq(a.data.target) } };
    case 'MX':
      return { name, ttl, type: 'MX', data: { preference: a.data.preference ?? 0, exchange: fq(a.data.exchange) } };
    case 'TXT': {
      const parts = Array.isArray(a.data) ? a.data : [a.data];
      return { name, ttl, type: 'TXT', data: parts.map((p) => (typeof p === 'string' ? p : Buffer.from(p).toString('latin1'))) };
    }
    default:
      return undefined;
  }
}

export interface DecodedAnswer {
  rcode: number;
  truncated: boolean;
  answer: ResourceRecord[];
}

export function decodeAnswer(wire: Uint8Array, rcode: number): DecodedAnswer {
  const p = dnsPacket.decode(Buffer.from(wire.buffer, wire.byteOffset, wire.byteLength));
  const answer = (p.answers ?? []).map(toRecord).filter((r): r is ResourceRecord => r !== undefined);
  return { rcode, truncated: Boolean(p.flag_tc), answer };
}
