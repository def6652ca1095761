/**
 * The grammar of names in a cluster zone, read from the right (CoreDNS plugin/kubernetes/parse.go):
 *
 *   [<endpoint> | _<port>._<proto>] . <service-or-dashed-pod-ip> . <namespace> . svc|pod . <zone>
 *
 * The apex, `svc.<zone>` and `pod.<zone>` parse to an empty request (NODATA); a first label that
 * is neither `svc` nor `pod`, or three and more labels left of the service, are invalid (NXDOMAIN).
 */
import { labels, trimZone } from './names.js';

export interface RecordRequest {
  /** `svc`, `pod`, or '' for the apex and `svc.`/`pod.` alone. */
  podOrSvc: '' | 'svc' | 'pod';
  namespace: string;
  /** The service name, or the dashed IP of a pod query. */
  service: string;
  /** `<endpoint>` of `<endpoint>.<svc>.<ns>.svc.<zone>`. */
  endpoint: string;
  /** Port name of `_<port>._<proto>`, underscore stripped. */
  port: string;
  protocol: string;
}

export type ParsedQname = { valid: true; request: RecordRequest } | { valid: false };

const EMPTY: RecordRequest = { podOrSvc: '', namespace: '', service: '', endpoint: '', port: '', protocol: '' };

function stripUnderscore(s: string): string {
  return s.startsWith('_') ? s.slice(1) : s;
}

/** `name` and `zone` lower-case and fully qualified, `name` inside `zone`. */
export function parseQname(name: string, zone: string): ParsedQname {
  const base = trimZone(name, zone);
  if (base === '' || base === 'svc' || base === 'pod') return { valid: true, request: EMPTY };
  const segs = labels(base);
  let last = segs.length - 1;
  const r: RecordRequest = { ...EMPTY };
  const kind = segs[last]!;
  if (kind !== 'svc' && kind !== 'pod') return { valid: false };
  r.podOrSvc = kind;
  if (--last < 0) return { valid: true, request: r };
  r.namespace = segs[last]!;
  if (--last < 0) return { valid: true, request: r };
  r.service = segs[last]!;
  if (--last < 0) return { valid: true, request: r };
  // One label left: an endpoint. Two: _port._proto. More: too long to answer.
  if (last === 0) r.endpoint = segs[0]!;
  else if (last === 1) {
    r.port = stripUnderscore(segs[0]!);
    r.protocol = stripUnderscore(segs[1]!);
  } else return { valid: false };
  return { valid: true, request: r };
}
