import { describe, expect, it } from 'vitest';
import { cloneObject } from './clone-object.js';

describe('cloneObject', () => {
  it('clone-object - a deep copy of JSON data, equal to structuredClone, sharing nothing', () => {
    const svc = {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web', labels: { app: 'web' }, managedFields: [{ manager: 'kubectl', fieldsV1: { 'f:spec': { 'f:ports': { '.': {} } } } }] },
      spec: { ports: [{ port: 80, targetPort: 8080 }], clusterIPs: ['10.96.0.1'], allocateLoadBalancerNodePorts: false, externalName: null, unset: undefined },
    };
    const c = cloneObject(svc);
    expect(c).toStrictEqual(structuredClone(svc));
    expect('unset' in c.spec).toBe(true);
    c.metadata.labels.app = 'changed';
    c.spec.ports[0]!.port = 81;
    c.metadata.managedFields[0]!.fieldsV1['f:spec']['f:ports']['.'] = { x: 1 } as never;
    expect(svc.metadata.labels.app).toBe('web');
    expect(svc.spec.ports[0]!.port).toBe(80);
    expect(svc.metadata.managedFields[0]!.fieldsV1['f:spec']['f:ports']['.']).toEqual({});
  });

  it('clone-object - a member named __proto__ stays a member (as JSON.parse made it) and the copy keeps its prototype', () => {
    const parsed = JSON.parse('{"metadata":{"labels":{"__proto__":{"polluted":"yes"},"a":"b"}}}') as { metadata: { labels: Record<string, unknown> } };
    const c = cloneObject(parsed);
    expect(Object.keys(c.metadata.labels)).toEqual(['__proto__', 'a']);
    expect(Object.getPrototypeOf(c.metadata.labels)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(c).toStrictEqual(structuredClone(parsed));
  });

  it('clone-object - what is not plain data is copied as structuredClone copies it; primitives are themselves', () => {
    const when = new Date('2026-12-07T09:00:00Z');
    const c = cloneObject({ when, bytes: new Uint8Array([1, 2]), nested: [new Map([['k', 1]])] });
    expect(c.when).not.toBe(when);
    expect(c.when.getTime()).toBe(when.getTime());
    expect(c.bytes).toEqual(new Uint8Array([1, 2]));
    expect(c.nested[0]!.get('k')).toBe(1);
    expect(cloneObject('text')).toBe('text');
    expect(cloneObject(null)).toBeNull();
    expect(cloneObject(Object.assign(Object.create(null), { a: [1] }))).toEqual({ a: [1] });
  });
});
