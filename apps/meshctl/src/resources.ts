/** Resource names as a user types them and as kubectl prints them. */
import { KINDS, kindFromResourceName, type Kind, type KubeObject } from '@minimesh/api';
import { CliError } from './cli/errors.js';

/** `svc`, `services`, `Service`, `endpointslices.discovery.k8s.io` → the Kind. */
export function resolveKind(name: string): Kind {
  const kind = kindFromResourceName(name);
  if (!kind) throw new CliError(`the server doesn't have a resource type "${name}"`);
  return kind;
}

/** The kind as kubectl's name printer writes it: `service`, `endpoints`, `endpointslice.discovery.k8s.io`. */
export function kindString(kind: Kind): string {
  const info = KINDS[kind];
  const lower = kind.toLowerCase();
  return info.group ? `${lower}.${info.group}` : lower;
}

/** `service/my-service`, as `-o name`, apply and create print it. */
export function objectRef(kind: Kind, name: string): string {
  return `${kindString(kind)}/${name}`;
}

export function isNamespaced(kind: Kind): boolean {
  return KINDS[kind].namespaced;
}

/** Sorts as the apiserver's key order lists objects: by namespace, then name. */
export function byNamespaceAndName(a: KubeObject, b: KubeObject): number {
  const ka = `${a.metadata.namespace ?? ''}\u0000${a.metadata.name ?? ''}`;
  const kb = `${b.metadata.namespace ?? ''}\u0000${b.metadata.name ?? ''}`;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}
