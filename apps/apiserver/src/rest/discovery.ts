/**
 * Legacy discovery documents, as kube-apiserver serves them: /api (APIVersions), /apis
 * (APIGroupList), /apis/<group> (APIGroup) and /api/v1, /apis/<group>/<version>
 * (APIResourceList). Clients that ask for aggregated discovery get aggregated-discovery.ts.
 */
import { KINDS, type Kind, type KindInfo } from '@minimesh/api';
import { resourceNotFound } from './status-body.js';

export const ALL_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];
export const STATUS_VERBS = ['get', 'patch', 'update'];

/** Kinds with a /status subresource. */
export const STATUS_SUBRESOURCE = new Set<Kind>(['Namespace', 'Node', 'Pod', 'Service', 'IPAddressPool']);

/** Resources in kubectl's `all` category (`kubectl get all`). */
export const CATEGORY_ALL = new Set<Kind>(['Pod', 'Service']);

export interface GroupVersion {
  group: string;
  version: string;
}

export function groupVersionOf(info: KindInfo): GroupVersion {
  const [a, b] = info.apiVersion.split('/');
  return b === undefined ? { group: '', version: a! } : { group: a!, version: b };
}

const gvString = (gv: GroupVersion) => (gv.group ? `${gv.group}/${gv.version}` : gv.version);

/** The kinds served at a group/version. */
export function kindsAt(gv: GroupVersion): KindInfo[] {
  return Object.values(KINDS).filter((k) => {
    const at = groupVersionOf(k);
    return at.group === gv.group && at.version === gv.version;
  });
}

/** The kind a group/version/resource names, if any. */
export function kindOfResource(gv: GroupVersion, resource: string): KindInfo | undefined {
  return kindsAt(gv).find((k) => k.resource === resource);
}

function groups(): GroupVersion[] {
  const seen = new Map<string, GroupVersion>();
  for (const k of Object.values(KINDS)) {
    const gv = groupVersionOf(k);
    if (gv.group) seen.set(gvString(gv), gv);
  }
  return [...seen.values()].sort((a, b) => a.group.localeCompare(b.group));
}

function apiGroup(gv: GroupVersion) {
  const version = { groupVersion: gvString(gv), version: gv.version };
  return { name: gv.group, versions: [version], preferredVersion: version };
}

export function apiVersions(serverAddress: string) {
  return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }] };
}

export function apiGroupList() {
  return { kind: 'APIGroupList', apiVersion: 'v1', groups: groups().map(apiGroup) };
}

export function apiGroupDocument(group: string) {
  const gv = groups().find((g) => g.group === group);
  if (!gv) throw resourceNotFound();
  return { kind: 'APIGroup', apiVersion: 'v1', ...apiGroup(gv) };
}

export function apiResourceList(gv: GroupVersion) {
  const kinds = kindsAt(gv);
  if (kinds.length === 0) return undefined;
  const resources = [];
  for (const k of kinds.sort((a, b) => a.resource.localeCompare(b.resource))) {
    resources.push({
      name: k.resource,
      singularName: k.singular,
      namespaced: k.namespaced,
      kind: k.kind,
      verbs: ALL_VERBS,
      ...(k.shortNames.length ? { shortNames: k.shortNames } : {}),
      ...(CATEGORY_ALL.has(k.kind) ? { categories: ['all'] } : {}),
    });
    if (STATUS_SUBRESOURCE.has(k.kind)) resources.push({ name: `${k.resource}/status`, singularName: '', namespaced: k.namespaced, kind: k.kind, verbs: STATUS_VERBS });
  }
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: gvString(gv), resources };
}
