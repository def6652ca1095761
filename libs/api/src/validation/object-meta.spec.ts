import { describe, expect, it } from 'vitest';
import { formatFieldError } from '../errors/field-error.js';
import type { KubeObject } from '../types/object.js';
import { validateObject, validateObjectUpdate } from './validate-object.js';

const SUBDOMAIN =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const LABEL =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const DNS1035 =
  "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";

/** A minimal valid object of each kind with the given metadata. */
function objectOf(kind: string, metadata: Record<string, unknown>): KubeObject {
  const body: Record<string, Record<string, unknown>> = {
    Namespace: { status: { phase: 'Active' } },
    Node: {},
    Pod: { spec: { containers: [{ name: 'c' }] } },
    Service: { spec: { type: 'ClusterIP', clusterIP: 'None', clusterIPs: ['None'], sessionAffinity: 'None', internalTrafficPolicy: 'Cluster' } },
    Endpoints: {},
    EndpointSlice: { addressType: 'IPv4' },
  };
  return { apiVersion: kind === 'EndpointSlice' ? 'discovery.k8s.io/v1' : 'v1', kind, metadata, ...body[kind] } as unknown as KubeObject;
}

const messages = (o: KubeObject) => validateObject(o).map(formatFieldError);

describe('metadata.name rule per kind', () => {
  it.each([
    ['Service', 'my.svc', [`metadata.name: Invalid value: "my.svc": ${DNS1035}`]],
    ['Service', 'my-svc', []],
    ['Namespace', 'my.ns', ['metadata.name: Invalid value: "my.ns": must not contain dots']],
    ['Namespace', 'My', [`metadata.name: Invalid value: "My": ${LABEL}`]],
    ['Namespace', 'study', []],
    ['Node', 'node-1.example.com', []],
    ['Node', 'Node_1', [`metadata.name: Invalid value: "Node_1": ${SUBDOMAIN}`]],
    ['Pod', 'web-6bb9d9f778-5k2x6', []],
    ['Pod', 'web.1', []],
    ['Pod', 'Web', [`metadata.name: Invalid value: "Web": ${SUBDOMAIN}`]],
    ['Endpoints', '1-my.svc', []],
    ['Endpoints', 'my_svc', [`metadata.name: Invalid value: "my_svc": ${SUBDOMAIN}`]],
    ['EndpointSlice', 'my-svc-x7k2p', []],
    ['EndpointSlice', 'My-svc', [`metadata.name: Invalid value: "My-svc": ${SUBDOMAIN}`]],
  ])('%s %j', (kind, name, want) => {
    const namespaced = kind !== 'Namespace' && kind !== 'Node';
    expect(messages(objectOf(kind, namespaced ? { name, namespace: 'default' } : { name }))).toEqual(want);
  });
});

describe('metadata.namespace', () => {
  it.each(['Service', 'Pod', 'Endpoints', 'EndpointSlice'])('is required for %s', (kind) => {
    expect(messages(objectOf(kind, { name: 'x' }))).toEqual(['metadata.namespace: Required value']);
  });
  it.each(['Namespace', 'Node'])('is forbidden for %s', (kind) => {
    expect(messages(objectOf(kind, { name: 'x', namespace: 'default' }))).toEqual(['metadata.namespace: Forbidden: not allowed on this type']);
  });
});

describe('metadata.ownerReferences', () => {
  it('needs apiVersion, kind, name and uid', () => {
    const o = objectOf('EndpointSlice', { name: 's', namespace: 'default', ownerReferences: [{ apiVersion: '', kind: '', name: '', uid: '' }] });
    expect(messages(o)).toEqual([
      'metadata.ownerReferences.apiVersion: Invalid value: "": version must not be empty',
      'metadata.ownerReferences.kind: Invalid value: "": must not be empty',
      'metadata.ownerReferences.name: Invalid value: "": must not be empty',
      'metadata.ownerReferences.uid: Invalid value: "": must not be empty',
    ]);
  });
  it('allows one controller', () => {
    const ref = { apiVersion: 'v1', kind: 'Service', name: 'web', uid: 'u1', controller: true };
    const o = objectOf('EndpointSlice', { name: 's', namespace: 'default', ownerReferences: [ref, { ...ref, name: 'other', uid: 'u2' }] });
    expect(messages(o)).toEqual([
      'metadata.ownerReferences: Invalid value: []v1.OwnerReference{v1.OwnerReference{APIVersion:"v1", Kind:"Service", Name:"web", UID:"u1", Controller:(*bool)(true), BlockOwnerDeletion:(*bool)(nil)}, v1.OwnerReference{APIVersion:"v1", Kind:"Service", Name:"other", UID:"u2", Controller:(*bool)(true), BlockOwnerDeletion:(*bool)(nil)}}: Only one reference can have Controller set to true. Found "true" in references for Service/web and Service/other',
    ]);
  });
});

describe('ObjectMeta update rules', () => {
  const old = () =>
    objectOf('Endpoints', {
      name: 'web',
      namespace: 'default',
      uid: '1b4e28ba-2fa1-11d2-883f-0016d3cca427',
      resourceVersion: '7',
      creationTimestamp: '2024-01-02T03:04:05Z',
    });

  it('accepts an unchanged object', () => {
    expect(validateObjectUpdate(old(), old())).toEqual([]);
  });

  it('needs a resourceVersion', () => {
    const o = old();
    delete o.metadata.resourceVersion;
    expect(validateObjectUpdate(o, old()).map(formatFieldError)).toEqual(['metadata.resourceVersion: Invalid value: "": must be specified for an update']);
  });

  it.each([
    ['uid', 'other-uid', 'metadata.uid: Invalid value: "other-uid": field is immutable'],
    ['name', 'other', 'metadata.name: Invalid value: "other": field is immutable'],
    ['namespace', 'kube-system', 'metadata.namespace: Invalid value: "kube-system": field is immutable'],
    ['creationTimestamp', '2025-06-07T08:09:10Z', 'metadata.creationTimestamp: Invalid value: 2025-06-07 08:09:10 +0000 UTC: field is immutable'],
    ['creationTimestamp', undefined, 'metadata.creationTimestamp: Invalid value: 0001-01-01 00:00:00 +0000 UTC: field is immutable'],
    ['deletionTimestamp', '2025-06-07T08:09:10Z', 'metadata.deletionTimestamp: Invalid value: 2025-06-07 08:09:10 +0000 UTC: field is immutable'],
  ])('%s may not change (%j)', (key, value, want) => {
    const o = old();
    (o.metadata as Record<string, unknown>)[key] = value;
    expect(validateObjectUpdate(o, old()).map(formatFieldError)).toEqual([want]);
  });

  it('treats the same instant written differently as unchanged', () => {
    const o = old();
    o.metadata.creationTimestamp = '2024-01-02T03:04:05.000Z';
    expect(validateObjectUpdate(o, old())).toEqual([]);
  });

  it('reports a bad label once though two validators check it', () => {
    const o = old();
    o.metadata.labels = { app: '-x' };
    expect(validateObjectUpdate(o, old())).toHaveLength(1);
  });
});

describe('metadata.finalizers and graceful deletion', () => {
  const base = { name: 'web', namespace: 'default', uid: 'u1', resourceVersion: '7', creationTimestamp: '2024-01-02T03:04:05Z' };

  it('finalizers are qualified names', () => {
    expect(messages(objectOf('Endpoints', { ...base, finalizers: ['example.com/cleanup', 'kubernetes', 'bad name'] }))).toEqual([
      "metadata.finalizers: Invalid value: \"bad name\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
    ]);
  });

  it('an object being deleted may lose finalizers but gain none; its grace period is fixed', () => {
    const deleting = objectOf('Endpoints', { ...base, deletionTimestamp: '2024-01-02T03:05:00Z', deletionGracePeriodSeconds: 30, finalizers: ['a.io/x', 'b.io/y'] });
    const removed = objectOf('Endpoints', { ...base, deletionTimestamp: '2024-01-02T03:05:00Z', deletionGracePeriodSeconds: 30, finalizers: ['b.io/y'] });
    expect(validateObjectUpdate(removed, deleting)).toEqual([]);
    const added = objectOf('Endpoints', { ...base, deletionTimestamp: '2024-01-02T03:05:00Z', deletionGracePeriodSeconds: 30, finalizers: ['a.io/x', 'b.io/y', 'c.io/z'] });
    expect(validateObjectUpdate(added, deleting).map(formatFieldError)).toEqual([
      'metadata.finalizers: Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{"c.io/z"}',
    ]);
    const regraced = objectOf('Endpoints', { ...base, deletionTimestamp: '2024-01-02T03:05:00Z', deletionGracePeriodSeconds: 5, finalizers: ['a.io/x', 'b.io/y'] });
    expect(validateObjectUpdate(regraced, deleting).map(formatFieldError)).toEqual(['metadata.deletionGracePeriodSeconds: Invalid value: 5: field is immutable']);
  });
});
