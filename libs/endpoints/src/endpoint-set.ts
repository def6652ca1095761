/**
 * Identity and comparison of EndpointSlice endpoints and port sets, as the EndpointSlice
 * reconcilers use them (k8s.io/endpointslice/util endpointset.go, controller_utils.go): an
 * endpoint is identified by its addresses, hostname and target namespace/name, so a change of
 * readiness, node or zone is an in-place update rather than a remove and add.
 */
import type { Endpoint, EndpointSlice, EndpointSlicePort, ObjectReference } from '@minimesh/api';

function byteCompare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** hashEndpoint: sorted addresses, hostname, targetRef namespace and name. */
export function endpointKey(ep: Endpoint): string {
  return JSON.stringify([
    [...(ep.addresses ?? [])].sort(byteCompare),
    ep.hostname ?? '',
    ep.targetRef?.namespace ?? '',
    ep.targetRef?.name ?? '',
  ]);
}

function refsEqualIgnoringVersion(a: ObjectReference | undefined, b: ObjectReference | undefined): boolean {
  if (!a || !b) return a === b;
  const fields: (keyof ObjectReference)[] = ['kind', 'namespace', 'name', 'uid', 'apiVersion'];
  return fields.every((f) => (a[f] ?? '') === (b[f] ?? ''));
}

/**
 * EndpointsEqualBeyondHash: the parts the key does not cover (node, zone, the three conditions,
 * the target reference ignoring its resourceVersion) are equal.
 */
export function endpointsEqualBeyondHash(a: Endpoint, b: Endpoint): boolean {
  return (
    a.nodeName === b.nodeName &&
    a.zone === b.zone &&
    a.conditions?.ready === b.conditions?.ready &&
    a.conditions?.serving === b.conditions?.serving &&
    a.conditions?.terminating === b.conditions?.terminating &&
    refsEqualIgnoringVersion(a.targetRef, b.targetRef)
  );
}

/** Endpoints by first address (byte order) then target name: the order minimesh writes them in. */
export function compareEndpoints(a: Endpoint, b: Endpoint): number {
  return (
    byteCompare(a.addresses?.[0] ?? '', b.addresses?.[0] ?? '') ||
    byteCompare(a.targetRef?.namespace ?? '', b.targetRef?.namespace ?? '') ||
    byteCompare(a.targetRef?.name ?? '', b.targetRef?.name ?? '')
  );
}

function portFields(p: EndpointSlicePort): [string, number | null, string, string | null] {
  return [p.name ?? '', p.port ?? null, p.protocol ?? 'TCP', p.appProtocol ?? null];
}

export function compareSlicePorts(a: EndpointSlicePort, b: EndpointSlicePort): number {
  const [an, ap, apr, aa] = portFields(a);
  const [bn, bp, bpr, ba] = portFields(b);
  return byteCompare(an, bn) || (ap ?? -1) - (bp ?? -1) || byteCompare(apr, bpr) || byteCompare(aa ?? '', ba ?? '');
}

/**
 * NewPortMapKey: one key per distinct set of ports, whatever their order (absent name = "",
 * absent protocol = TCP, as the API defaults them).
 */
export function portMapKey(ports: readonly EndpointSlicePort[] | undefined): string {
  return JSON.stringify([...(ports ?? [])].sort(compareSlicePorts).map(portFields));
}

/** An ordered set of desired endpoints, popped in compareEndpoints order. */
export class EndpointSet {
  private readonly items = new Map<string, Endpoint>();
  private order: string[] | null = null;

  insert(ep: Endpoint): void {
    this.items.set(endpointKey(ep), ep);
    this.order = null;
  }

  get(ep: Endpoint): Endpoint | undefined {
    return this.items.get(endpointKey(ep));
  }

  delete(ep: Endpoint): void {
    this.items.delete(endpointKey(ep));
  }

  get size(): number {
    return this.items.size;
  }

  /** Removes and returns the first endpoint in compareEndpoints order. */
  pop(): Endpoint | undefined {
    if (this.order === null) {
      this.order = [...this.items.entries()].sort((a, b) => compareEndpoints(a[1], b[1]) || byteCompare(a[0], b[0])).map(([k]) => k);
    }
    while (this.order.length > 0) {
      const key = this.order.shift()!;
      const ep = this.items.get(key);
      if (ep) {
        this.items.delete(key);
        return ep;
      }
    }
    return undefined;
  }
}

/** True when the slice carries an owner reference to the v1 object of this kind and uid (ownedBy). */
export function ownedBy(slice: EndpointSlice, kind: string, uid: string | undefined): boolean {
  return (slice.metadata.ownerReferences ?? []).some((o) => (o.uid ?? '') === (uid ?? '') && o.kind === kind && o.apiVersion === 'v1');
}
