/**
 * What a REST path asks for, read as kube-apiserver's RequestInfoFactory reads it
 * (staging/src/k8s.io/apiserver/pkg/endpoints/request/requestinfo.go):
 *
 *   /api/v1/namespaces/<ns>/<resource>[/<name>[/<subresource>]]
 *   /api/v1/<resource>[/<name>[/<subresource>]]                  (cluster-scoped, or all namespaces)
 *   /apis/<group>/<version>/...                                   (the same below a group)
 *   /api/v1/watch/...  (deprecated: a watch)
 *
 * `namespaces/<name>/status` and `namespaces/<name>/finalize` are subresources of a Namespace,
 * not a namespace's resource list.
 */
import { ApiError } from '@minimesh/api';

export interface ResourceRequest {
  group: string;
  version: string;
  /** Plural resource name, e.g. `services`. */
  resource: string;
  namespace: string;
  /** The path went through /namespaces/<ns>/ (a namespaced resource's path; not a Namespace's own). */
  namespacedPath: boolean;
  name: string;
  subresource: string;
  /** The path used the deprecated /watch/ prefix. */
  watchPrefix: boolean;
}

export type RequestTarget =
  | { type: 'resource'; req: ResourceRequest }
  /** /api, /api/v1, /apis, /apis/<group>, /apis/<group>/<version>. */
  | { type: 'discovery'; group?: string; version?: string; legacy: boolean }
  | { type: 'other'; path: string };

const NAMESPACE_SUBRESOURCES = new Set(['status', 'finalize']);

export function requestTarget(pathname: string): RequestTarget {
  const parts = pathname.split('/').filter((p) => p !== '').map(unescapeSegment);
  if (parts[0] === 'api') {
    if (parts.length === 1) return { type: 'discovery', legacy: true };
    if (parts.length === 2) return { type: 'discovery', legacy: true, group: '', version: parts[1] };
    return resourceTarget('', parts[1]!, parts.slice(2));
  }
  if (parts[0] === 'apis') {
    if (parts.length <= 3) return { type: 'discovery', legacy: false, ...(parts[1] ? { group: parts[1] } : {}), ...(parts[2] ? { version: parts[2] } : {}) };
    return resourceTarget(parts[1]!, parts[2]!, parts.slice(3));
  }
  return { type: 'other', path: pathname };
}

/** A path segment's %-escapes decoded; a broken one is a 400, as Go's url.PathUnescape makes it. */
function unescapeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    const at = segment.search(/%(?![0-9a-fA-F]{2})/);
    const message = at >= 0 ? `invalid URL escape ${JSON.stringify(segment.slice(at, at + 3))}` : 'invalid URL escape: the path is not UTF-8';
    throw new ApiError({ code: 400, reason: 'BadRequest', message, details: {} });
  }
}

function resourceTarget(group: string, version: string, rest: string[]): RequestTarget {
  let watchPrefix = false;
  if (rest[0] === 'watch') {
    watchPrefix = true;
    rest = rest.slice(1);
  }
  let namespace = '';
  let namespacedPath = false;
  if (rest[0] === 'namespaces' && rest.length > 1) {
    namespace = rest[1]!;
    if (rest.length > 2 && !NAMESPACE_SUBRESOURCES.has(rest[2]!)) {
      rest = rest.slice(2);
      namespacedPath = true;
    }
  }
  const [resource = '', name = '', subresource = '', ...extra] = rest;
  // A Namespace is cluster-scoped: /api/v1/namespaces/<name> names it, not a namespace.
  if (resource === 'namespaces') namespace = '';
  if (extra.length > 0) return { type: 'other', path: `/${[group ? 'apis' : 'api', group, version, ...rest].filter(Boolean).join('/')}` };
  return { type: 'resource', req: { group, version, resource, namespace, namespacedPath, name, subresource, watchPrefix } };
}
