import { describe, expect, it } from 'vitest';
import { pb } from '@minimesh/proto';
import { objectFromWire, objectToWire } from './convert.js';
import { decodeRequest, restoreProtoKeys, UndecodableRequest } from './request-decode.js';

const svc = {
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: '__proto__', namespace: 'default', labels: { __proto__: 'x', app: 'a' }, annotations: { __proto__: '{}' } },
  spec: { selector: { __proto__: 'y' }, ports: [{ port: 80 }] },
} as const;

/** The service with its `__proto__` keys as own keys (a literal's `__proto__:` sets the prototype). */
function withProtoKeys(): Record<string, unknown> {
  const own = (o: Record<string, string>, v: string) => Object.defineProperty({ ...o }, '__proto__', { value: v, enumerable: true, writable: true, configurable: true });
  return {
    ...svc,
    metadata: { ...svc.metadata, labels: own({ app: 'a' }, 'x'), annotations: own({}, '{}') },
    spec: { ...svc.spec, selector: own({}, 'y') },
  };
}

describe('decodeRequest', () => {
  it('answers an UndecodableRequest, not an exception, for an int64 beyond ±(2^53-1) or broken bytes', () => {
    const list = pb.ListRequest.encode(pb.ListRequest.fromPartial({ kind: 'Service', limit: 2 ** 53 + 2 })).finish();
    const got = decodeRequest(pb.ListRequest, list);
    expect(got).toBeInstanceOf(UndecodableRequest);
    expect((got as UndecodableRequest).reason).toBe('int64 value 9007199254740994 is out of range: integers must be between -9007199254740991 and 9007199254740991');
    expect(decodeRequest(pb.ListRequest, Uint8Array.from([0x0a, 0x05, 0x41]))).toBeInstanceOf(UndecodableRequest);
    expect(decodeRequest(pb.ListRequest, pb.ListRequest.encode(pb.ListRequest.fromPartial({ kind: 'Service', limit: 5 })).finish())).toMatchObject({ kind: 'Service', limit: 5 });
  });

  it('keeps `__proto__` map keys (and values) of an object request, which the generated decode loses', () => {
    const bytes = pb.CreateRequest.encode({ object: objectToWire(withProtoKeys() as never) }).finish();
    // What the generated decode makes of it: the keys are gone.
    expect(Object.keys(objectFromWire(pb.CreateRequest.decode(bytes).object!).metadata.labels ?? {})).toEqual(['app']);
    const req = decodeRequest(pb.CreateRequest, bytes, { keepProtoKeys: true }) as pb.CreateRequest;
    const obj = restoreProtoKeys(objectFromWire(req.object!)) as unknown as ReturnType<typeof withProtoKeys>;
    expect(obj).toEqual(withProtoKeys());
    const meta = obj.metadata as { name: string; labels: object; annotations: object };
    expect(meta.name).toBe('__proto__');
    expect(Object.keys(meta.labels).sort()).toEqual(['__proto__', 'app']);
    expect(Object.getPrototypeOf(meta.labels)).toBe(Object.prototype);
    expect(Object.keys(meta.annotations)).toEqual(['__proto__']);
    expect(Object.keys((obj.spec as { selector: object }).selector)).toEqual(['__proto__']);
  });

  it('reads `__proto__` as itself in a request without an object', () => {
    const bytes = pb.GetRequest.encode(pb.GetRequest.fromPartial({ kind: 'Service', namespace: 'default', name: '__proto__' })).finish();
    expect(decodeRequest(pb.GetRequest, bytes)).toMatchObject({ name: '__proto__' });
  });
});

describe('restoreProtoKeys', () => {
  it('returns what has no stand-in as it is', () => {
    const o = { a: [1, { b: 'c' }], d: new Uint8Array([1]) };
    expect(restoreProtoKeys(o)).toBe(o);
  });
});
