/**
 * Records from entries, per query type (CoreDNS plugin/backend_lookup.go): A/AAAA with CNAME
 * chasing, SRV with CoreDNS's priority/weight, TXT, CNAME, PTR, NS with glue, and the SOA.
 */
import { pushAll } from '@minimesh/api';
import type { ResourceRecord } from './message.js';
import { fqdn, isSubdomain, joinName } from './names.js';
import { hostType, reverse, services, type Backend, type QueryState } from './find-records.js';

/** An out-of-zone CNAME target to resolve through the whole chain (CoreDNS's upstream lookup). */
export interface Chase {
  name: string;
  type: 'A' | 'AAAA';
}

export interface Answer {
  /** False: a name error (NXDOMAIN, or the next plugin when it falls through). */
  ok: boolean;
  records: ResourceRecord[];
  extra: ResourceRecord[];
  chase?: Chase;
}

const NAME_ERROR: Answer = { ok: false, records: [], extra: [] };

/** Longest CNAME chain followed inside the zones (CoreDNS: more than 7 previous records stops). */
const MAX_PREVIOUS_RECORDS = 7;

export function addressRecords(b: Backend, st: QueryState, family: 'A' | 'AAAA', previous: ResourceRecord[] = []): Answer {
  const found = services(b, { ...st, qtype: family });
  if (!found.ok) return NAME_ERROR;
  const records: ResourceRecord[] = [];
  let chase: Chase | undefined;
  const dup = new Set<string>();
  for (const e of found.entries) {
    const t = hostType(e);
    if (t === 'CNAME') {
      const target = fqdn(e.host);
      const targetLower = target.toLowerCase();
      if (isSubdomain(st.name, targetLower)) continue; // x CNAME x (or below x) is a direct loop
      const cname: ResourceRecord = { name: st.qname, type: 'CNAME', ttl: e.ttl, data: target };
      if (previous.length > MAX_PREVIOUS_RECORDS) continue;
      if (previous.some((p) => p.type === 'CNAME' && p.data.toLowerCase() === targetLower)) continue;
      if (isSubdomain(st.zoneLower, targetLower)) {
        const next = addressRecords(b, { ...st, qname: target, name: targetLower }, family, [...previous, cname]);
        if (next.ok && next.records.length > 0) {
          records.push(cname);
          pushAll(records, next.records);
          chase ??= next.chase;
        }
        continue;
      }
      records.push(cname);
      chase ??= { name: target, type: family };
      continue;
    }
    if (t === family && !dup.has(e.host)) {
      dup.add(e.host);
      records.push({ name: st.qname, type: family, ttl: e.ttl, data: e.host });
    }
  }
  return { ok: true, records, extra: [], chase };
}

export function srvRecords(b: Backend, st: QueryState): Answer {
  const found = services(b, st);
  if (!found.ok) return NAME_ERROR;
  // Every kubernetes entry has priority 0 and weight 0 (counted as 100): weight = floor(100/n), n before de-duplication.
  const total = 100 * found.entries.length;
  const weight = Math.floor((100 / total) * 100);
  const records: ResourceRecord[] = [];
  const extra: ResourceRecord[] = [];
  const dup = new Set<string>();
  for (const e of found.entries) {
    if (e.port === -1) continue;
    const t = hostType(e);
    if (t !== 'A' && t !== 'AAAA') continue;
    const target = e.key;
    const srvKey = `srv|${target.toLowerCase()}|${e.port}`;
    if (!dup.has(srvKey)) {
      dup.add(srvKey);
      records.push({ name: st.qname, type: 'SRV', ttl: e.ttl, data: { priority: 0, weight, port: e.port, target } });
    }
    const addrKey = `addr|${target.toLowerCase()}|${e.host}`;
    if (!dup.has(addrKey)) {
      dup.add(addrKey);
      extra.push({ name: target, type: t, ttl: e.ttl, data: e.host });
    }
  }
  return { ok: true, records, extra };
}

export function txtRecords(b: Backend, st: QueryState): Answer {
  const found = services(b, st);
  if (!found.ok) return NAME_ERROR;
  const records: ResourceRecord[] = found.entries
    .filter((e) => e.text !== undefined)
    .map((e) => ({ name: st.qname, type: 'TXT', ttl: e.ttl, data: [e.text!] }));
  return { ok: true, records, extra: [] };
}

export function cnameRecords(b: Backend, st: QueryState): Answer {
  const found = services(b, st);
  if (!found.ok) return NAME_ERROR;
  const first = found.entries[0];
  const records: ResourceRecord[] = first && hostType(first) === 'CNAME' ? [{ name: st.qname, type: 'CNAME', ttl: first.ttl, data: fqdn(first.host) }] : [];
  return { ok: true, records, extra: [] };
}

export function ptrRecords(b: Backend, st: QueryState): Answer {
  const found = reverse(b, st);
  if (!found.ok) return NAME_ERROR;
  const seen = new Set<string>();
  const records: ResourceRecord[] = [];
  for (const e of found.entries) {
    if (seen.has(e.host)) continue;
    seen.add(e.host);
    records.push({ name: st.qname, type: 'PTR', ttl: e.ttl, data: e.host });
  }
  return { ok: true, records, extra: [] };
}

/** The apex NS records, and the A/AAAA of their names in the additional section. */
export function nsRecords(b: Backend, st: QueryState): Answer {
  const nsName = joinName(['ns', 'dns'], st.zone);
  const found = services(b, { ...st, qname: nsName, name: nsName.toLowerCase(), qtype: 'NS' });
  if (!found.ok) return NAME_ERROR;
  const seen = new Set<string>();
  const records: ResourceRecord[] = [];
  const extra: ResourceRecord[] = [];
  for (const e of found.entries) {
    const t = hostType(e);
    if (t !== 'A' && t !== 'AAAA') continue;
    extra.push({ name: e.key, type: t, ttl: e.ttl, data: e.host });
    if (seen.has(e.key)) continue;
    seen.add(e.key);
    records.push({ name: st.qname, type: 'NS', ttl: e.ttl, data: e.key });
  }
  return { ok: true, records, extra };
}

/** `<zone> SOA ns.dns.<zone> hostmaster.<zone> <serial> 7200 1800 86400 <ttl>`, TTL min(ttl, 300). */
export function soaRecord(b: Backend, zone: string): ResourceRecord {
  const { ttl } = b.cfg;
  return {
    name: zone,
    type: 'SOA',
    ttl: Math.min(ttl, 300),
    data: {
      mname: joinName(['ns', 'dns'], zone),
      rname: joinName(['hostmaster'], zone),
      serial: b.snap.serial >>> 0,
      refresh: 7200,
      retry: 1800,
      expire: 86400,
      minimum: ttl,
    },
  };
}
