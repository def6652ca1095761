/**
 * Domain objects <-> protobuf messages.
 *
 * The proto schemas give every field its Kubernetes JSON name, so the protobuf JSON mapping of a
 * message is the Kubernetes JSON form of the object. Conversion is therefore the generated
 * fromJSON/toJSON plus the one Kubernetes type protobuf has no JSON twin for: IntOrString.
 */
import type { IntOrString, KubeObject, Kind, ServicePort } from '@minimesh/api';
import { KINDS } from '@minimesh/api';
import { pb, pbCoordination, pbCore, pbDiscovery, pbEvent, pbMetallb, pbRbac } from '@minimesh/proto';

type Case = NonNullable<pb.Object['kind']>['$case'];

interface Codec {
  $case: Case;
  fromJSON(json: unknown): unknown;
  toJSON(msg: never): unknown;
}

const CODECS: Record<Kind, Codec> = {
  Namespace: { $case: 'namespace', ...pbCore.Namespace },
  Node: { $case: 'node', ...pbCore.Node },
  Pod: { $case: 'pod', ...pbCore.Pod },
  Service: { $case: 'service', ...pbCore.Service },
  Endpoints: { $case: 'endpoints', ...pbCore.Endpoints },
  EndpointSlice: { $case: 'endpointSlice', ...pbDiscovery.EndpointSlice },
  Lease: { $case: 'lease', ...pbCoordination.Lease },
  IPAddressPool: { $case: 'ipAddressPool', ...pbMetallb.IPAddressPool },
  L2Advertisement: { $case: 'l2Advertisement', ...pbMetallb.L2Advertisement },
  Role: { $case: 'role', ...pbRbac.Role },
  ClusterRole: { $case: 'clusterRole', ...pbRbac.ClusterRole },
  RoleBinding: { $case: 'roleBinding', ...pbRbac.RoleBinding },
  ClusterRoleBinding: { $case: 'clusterRoleBinding', ...pbRbac.ClusterRoleBinding },
  Event: { $case: 'event', ...pbEvent.Event },
};

const KIND_OF_CASE = Object.fromEntries(Object.entries(CODECS).map(([kind, c]) => [c.$case, kind])) as Record<Case, Kind>;

function intOrStringToWire(v: IntOrString | undefined): unknown {
  if (v === undefined || v === null) return undefined;
  return typeof v === 'number' ? { intVal: v } : { strVal: String(v) };
}

function intOrStringFromWire(v: unknown): IntOrString | undefined {
  if (!v || typeof v !== 'object') return undefined;
  const w = v as { intVal?: number; strVal?: string };
  return w.intVal !== undefined ? w.intVal : w.strVal;
}

function mapServicePorts(obj: KubeObject, fn: (p: ServicePort) => ServicePort): KubeObject {
  if (obj.kind !== 'Service' || !Array.isArray(obj.spec?.ports)) return obj;
  return { ...obj, spec: { ...obj.spec, ports: obj.spec.ports.map((p) => (p && typeof p === 'object' ? fn(p) : p)) } };
}

export function objectToWire(obj: KubeObject): pb.Object {
  const codec = CODECS[obj.kind];
  if (!codec) throw new TypeError(`no wire form for kind ${String((obj as { kind?: unknown }).kind)}`);
  const json = mapServicePorts(obj, (p) => ({ ...p, targetPort: intOrStringToWire(p.targetPort) as IntOrString }));
  return { kind: { $case: codec.$case, value: codec.fromJSON(json) } } as pb.Object;
}

export function objectFromWire(msg: pb.Object): KubeObject {
  const c = msg.kind;
  if (!c) throw new TypeError('object has no kind');
  const kind = KIND_OF_CASE[c.$case];
  const json = CODECS[kind].toJSON(c.value as never) as Record<string, unknown>;
  const obj = { apiVersion: KINDS[kind].apiVersion, kind, ...json, metadata: json.metadata ?? {} } as KubeObject;
  return mapServicePorts(obj, (p) => {
    const targetPort = intOrStringFromWire(p.targetPort);
    const { targetPort: _drop, ...rest } = p;
    return targetPort === undefined ? rest : { ...rest, targetPort };
  });
}

/** Kind of a wire object without converting it. */
export function wireKind(msg: pb.Object): Kind | undefined {
  return msg.kind ? KIND_OF_CASE[msg.kind.$case] : undefined;
}

/** Binary encoding of a domain object (for storage and events). */
export function encodeObject(obj: KubeObject): Buffer {
  return Buffer.from(pb.Object.encode(objectToWire(obj)).finish());
}

export function decodeObject(bytes: Uint8Array): KubeObject {
  return objectFromWire(pb.Object.decode(bytes));
}
