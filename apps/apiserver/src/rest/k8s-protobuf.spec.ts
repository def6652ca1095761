import { describe, expect, it } from 'vitest';
import { UnsupportedMediaTypeError, type ApiError } from '@minimesh/api';
import { decodeProtobufObject } from './k8s-protobuf.js';

/** A protobuf message from [field number, value] pairs: strings and nested messages (arrays) as length-delimited, numbers as varints. */
type Value = string | number | Buffer | Pair[];
type Pair = [number, Value];
function varint(n: number): Buffer {
  const out: number[] = [];
  let v = BigInt.asUintN(64, BigInt(n));
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v) b |= 0x80;
    out.push(b);
  } while (v);
  return Buffer.from(out);
}
function msg(pairs: Pair[]): Buffer {
  return Buffer.concat(
    pairs.map(([no, v]) => {
      if (typeof v === 'number') return Buffer.concat([varint(no << 3), varint(v)]);
      const bytes = typeof v === 'string' ? Buffer.from(v) : Buffer.isBuffer(v) ? v : msg(v);
      return Buffer.concat([varint((no << 3) | 2), varint(bytes.length), bytes]);
    }),
  );
}
const envelope = (apiVersion: string, kind: string, raw: Buffer) => Buffer.concat([Buffer.from('k8s\0', 'binary'), msg([[1, [[1, apiVersion], [2, kind]]], [2, raw], [3, ''], [4, '']])]);

describe('Kubernetes protobuf request bodies', () => {
  it('reads a Service as kubectl create service sends it (k8s.io/api numbering), skipping what minimesh does not model', () => {
    const service = msg([
      [1, [[1, 'web'], [3, 'study'], [11, [[1, 'app'], [2, 'web']]], [8, [[1, 1764892800]]]]],
      [
        2,
        [
          [1, [[1, '80-8080'], [2, 'TCP'], [3, 80], [4, [[1, 0], [2, 8080]]]]],
          [1, [[1, 'dns'], [2, 'UDP'], [3, 53], [4, [[1, 1], [3, 'dns']]]]],
          [2, [[1, 'app'], [2, 'web']]],
          [4, 'NodePort'],
          [7, 'ClientIP'],
          [14, [[1, [[1, 600]]]]],
          [99, 'a field from a newer Kubernetes'],
        ],
      ],
      [3, [[1, [[1, [[1, '192.0.2.1']]]]]]],
    ]);
    expect(decodeProtobufObject(envelope('v1', 'Service', service))).toEqual({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web', namespace: 'study', labels: { app: 'web' }, creationTimestamp: '2025-12-05T00:00:00Z' },
      spec: {
        ports: [
          { name: '80-8080', protocol: 'TCP', port: 80, targetPort: 8080 },
          { name: 'dns', protocol: 'UDP', port: 53, targetPort: 'dns' },
        ],
        selector: { app: 'web' },
        type: 'NodePort',
        sessionAffinity: 'ClientIP',
        sessionAffinityConfig: { clientIP: { timeoutSeconds: 600 } },
      },
    });
  });

  it('reads the RBAC kinds kubectl create role, clusterrole, rolebinding and clusterrolebinding send', () => {
    const rule = msg([[1, 'get'], [1, 'list'], [2, ''], [3, 'pods'], [4, 'web']]);
    expect(decodeProtobufObject(envelope('rbac.authorization.k8s.io/v1', 'Role', msg([[1, [[1, 'pod-reader'], [3, 'study']]], [2, rule]])))).toEqual({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name: 'pod-reader', namespace: 'study' },
      rules: [{ verbs: ['get', 'list'], apiGroups: [''], resources: ['pods'], resourceNames: ['web'] }],
    });
    const selector = msg([[1, msg([[1, 'rbac.example.com/aggregate'], [2, 'true']])]]);
    expect(decodeProtobufObject(envelope('rbac.authorization.k8s.io/v1', 'ClusterRole', msg([[1, [[1, 'agg']]], [3, msg([[1, selector]])]])))).toMatchObject({
      aggregationRule: { clusterRoleSelectors: [{ matchLabels: { 'rbac.example.com/aggregate': 'true' } }] },
    });
    const binding = msg([[1, [[1, 'read-pods'], [3, 'study']]], [2, msg([[1, 'User'], [2, 'rbac.authorization.k8s.io'], [3, 'jane']])], [3, msg([[1, 'rbac.authorization.k8s.io'], [2, 'Role'], [3, 'pod-reader']])]]);
    expect(decodeProtobufObject(envelope('rbac.authorization.k8s.io/v1', 'RoleBinding', binding))).toEqual({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'read-pods', namespace: 'study' },
      subjects: [{ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'jane' }],
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'pod-reader' },
    });
  });

  it('reads a Namespace', () => {
    expect(decodeProtobufObject(envelope('v1', 'Namespace', msg([[1, [[1, 'team-a']]]])))).toEqual({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-a' } });
  });

  it('refuses what is not the envelope and cut bytes with 400 (a bad body), a kind it does not read with 415', () => {
    const refusal = (body: Buffer) => {
      try {
        decodeProtobufObject(body);
      } catch (e) {
        return [(e as ApiError).status.code, (e as Error).message];
      }
      return undefined;
    };
    expect(refusal(Buffer.from('{"kind":"Service"}'))).toEqual([400, 'provided data does not appear to be a protobuf message, expected prefix [107 56 115 0]']);
    expect(() => decodeProtobufObject(envelope('apps/v1', 'Deployment', msg([])))).toThrow(UnsupportedMediaTypeError);
    expect(refusal(envelope('apps/v1', 'Deployment', msg([])))).toEqual([415, 'Deployment in version "apps/v1" is not read as protobuf here; send it as application/json']);
    const cut = envelope('v1', 'Service', msg([[1, [[1, 'web']]]]));
    expect(refusal(cut.subarray(0, cut.length - 6))).toEqual([400, expect.stringMatching(/not a Kubernetes protobuf object: truncated/)]);
  });
});
