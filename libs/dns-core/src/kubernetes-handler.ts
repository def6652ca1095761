/**
 * The kubernetes zone handler, pure (CoreDNS plugin/kubernetes/handler.go ServeDNS): one question
 * and a snapshot in, a reply (or "not mine, next plugin", or REFUSED) out.
 *
 * - The zone is the longest configured zone holding the name; answers keep the client's case.
 * - A name error is NXDOMAIN with the SOA in authority, SERVFAIL before the caches synced, or the
 *   next plugin when `fallthrough` covers the name. An existing name without records of the type
 *   is NODATA (NOERROR, SOA in authority); types without their own code do a "fake A lookup".
 * - SOA is answered only at the apex, NS only at the apex, AXFR/IXFR are REFUSED.
 */
import {
  addressRecords,
  cnameRecords,
  nsRecords,
  ptrRecords,
  soaRecord,
  srvRecords,
  txtRecords,
  type Answer,
  type Chase,
} from './backend-lookup.js';
import type { ClusterSnapshot } from './cluster-snapshot.js';
import { services, type Backend, type QueryState } from './find-records.js';
import { Rcode, reply, type Question, type ReplyMessage } from './message.js';
import { isSubdomain, matchZone } from './names.js';
import type { KubernetesConfig } from './zone-config.js';

export type KubernetesOutcome =
  | { kind: 'next' }
  | { kind: 'refused' }
  /** `chase`: the answer ends in a CNAME out of the cluster zones; resolve the target and append. */
  | { kind: 'reply'; message: ReplyMessage; chase?: Chase };

const NEXT: KubernetesOutcome = { kind: 'next' };

function fallsThrough(cfg: KubernetesConfig, name: string): boolean {
  return cfg.fallthrough.some((z) => isSubdomain(z, name));
}

export function serveKubernetes(snap: ClusterSnapshot, cfg: KubernetesConfig, q: Question): KubernetesOutcome {
  const name = q.name.toLowerCase();
  const zoneLower = matchZone(cfg.zones, name);
  if (zoneLower === undefined) return NEXT;
  const zone = q.name.slice(q.name.length - zoneLower.length);
  const st: QueryState = { qname: q.name, name, zone, zoneLower, qtype: q.type };
  const b: Backend = { snap, cfg };
  const atApex = name === zoneLower;

  let answer: Answer;
  switch (q.type) {
    case 'A':
    case 'AAAA':
      answer = addressRecords(b, st, q.type);
      break;
    case 'TXT':
      answer = txtRecords(b, st);
      break;
    case 'CNAME':
      answer = cnameRecords(b, st);
      break;
    case 'PTR':
      answer = ptrRecords(b, st);
      break;
    case 'MX': {
      // Kubernetes has no mail entries: the lookup only tells NODATA from NXDOMAIN.
      const found = services(b, st);
      answer = { ok: found.ok, records: [], extra: [] };
      break;
    }
    case 'SRV':
      answer = srvRecords(b, st);
      break;
    case 'SOA':
      // Only the apex has one; any other name is NODATA, even one that does not exist.
      answer = { ok: true, records: atApex ? [soaRecord(b, zone)] : [], extra: [] };
      break;
    case 'AXFR':
    case 'IXFR':
      return { kind: 'refused' };
    default:
      if (q.type === 'NS' && atApex) {
        answer = nsRecords(b, st);
        break;
      }
      // A fake A lookup, to tell NODATA from NXDOMAIN.
      answer = { ...addressRecords(b, { ...st, qtype: 'A' }, 'A'), records: [], extra: [], chase: undefined };
  }

  if (!answer.ok) {
    if (fallsThrough(cfg, name)) return NEXT;
    const rcode = snap.synced ? Rcode.NXDOMAIN : Rcode.SERVFAIL;
    return { kind: 'reply', message: reply(rcode, { authoritative: true, authority: [soaRecord(b, zone)] }) };
  }
  if (answer.records.length === 0) {
    return { kind: 'reply', message: reply(Rcode.NOERROR, { authoritative: true, authority: [soaRecord(b, zone)] }) };
  }
  const message = reply(Rcode.NOERROR, { authoritative: true, answer: answer.records, additional: answer.extra });
  return answer.chase ? { kind: 'reply', message, chase: answer.chase } : { kind: 'reply', message };
}
