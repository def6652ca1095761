/**
 * Aggregated discovery (apidiscovery.k8s.io/v2, KEP-3352): one document for /api (the core
 * group) and one for /apis (every other group), each listing the groups' versions and resources
 * with verbs, scope, short names, categories and subresources, so a client learns the whole API
 * in two requests. Served when the Accept header asks for it
 * (`application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList`), as kubectl does;
 * other clients get the legacy documents (discovery.ts).
 */
import { KINDS, type KindInfo } from '@minimesh/api';
import { ALL_VERBS, CATEGORY_ALL, STATUS_SUBRESOURCE, STATUS_VERBS, groupVersionOf } from './discovery.js';

export const AGGREGATED_DISCOVERY_TYPE = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList';

/** Whether an Accept header asks for aggregated discovery (v2; v2beta1 gets the same document under its own name). */
export function wantsAggregatedDiscovery(accept: string | undefined): 'v2' | 'v2beta1' | undefined {
  for (const t of (accept ?? '').split(',')) {
    const params = new Map(t.split(';').slice(1).map((p) => p.trim().split('=') as [string, string]));
    if (params.get('g') === 'apidiscovery.k8s.io' && params.get('as') === 'APIGroupDiscoveryList') {
      const v = params.get('v');
      if (v === 'v2' || v === 'v2beta1') return v;
    }
  }
  return undefined;
}

function resourceOf(k: KindInfo) {
  const gv = groupVersionOf(k);
  const responseKind = { group: gv.group, version: gv.version, kind: k.kind };
  return {
    resource: k.resource,
    responseKind,
    scope: k.namespaced ? 'Namespaced' : 'Cluster',
    singularResource: k.singular,
    verbs: ALL_VERBS,
    ...(k.shortNames.length ? { shortNames: k.shortNames } : {}),
    ...(CATEGORY_ALL.has(k.kind) ? { categories: ['all'] } : {}),
    ...(STATUS_SUBRESOURCE.has(k.kind) ? { subresources: [{ subresource: 'status', responseKind, verbs: STATUS_VERBS }] } : {}),
  };
}

/** The APIGroupDiscoveryList of /api (`legacy`: the core group) or of /apis (every other group). */
export function aggregatedDiscovery(legacy: boolean, version: 'v2' | 'v2beta1') {
  const groups = new Map<string, Map<string, KindInfo[]>>();
  for (const k of Object.values(KINDS)) {
    const gv = groupVersionOf(k);
    if ((gv.group === '') !== legacy) continue;
    const versions = groups.get(gv.group) ?? new Map<string, KindInfo[]>();
    versions.set(gv.version, [...(versions.get(gv.version) ?? []), k]);
    groups.set(gv.group, versions);
  }
  const items = [...groups.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([group, versions]) => ({
      metadata: { name: group, creationTimestamp: null },
      versions: [...versions.entries()].map(([v, kinds]) => ({
        version: v,
        resources: kinds.sort((a, b) => a.resource.localeCompare(b.resource)).map(resourceOf),
        freshness: 'Current',
      })),
    }));
  return { kind: 'APIGroupDiscoveryList', apiVersion: `apidiscovery.k8s.io/${version}`, metadata: {}, items };
}
