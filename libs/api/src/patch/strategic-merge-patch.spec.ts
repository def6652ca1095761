import { describe, expect, it } from 'vitest';
import { BadRequestError } from '../errors/api-errors.js';
import { PATCH_SCHEMAS } from './patch-schema.js';
import { applyStrategicMergePatch } from './strategic-merge-patch.js';

const svc = {
  metadata: { name: 'dns', finalizers: ['a'] },
  spec: {
    selector: { app: 'dns' },
    ports: [
      { name: 'dns-tcp', port: 53, protocol: 'TCP', targetPort: 53 },
      { name: 'dns', port: 53, protocol: 'UDP', targetPort: 53 },
    ],
    externalIPs: ['1.2.3.4', '5.6.7.8'],
  },
};
const S = PATCH_SCHEMAS.Service;

describe('strategic merge patch', () => {
  it('merges Service ports by port and protocol, keeping the others', () => {
    const out = applyStrategicMergePatch(svc, { spec: { ports: [{ port: 53, protocol: 'UDP', targetPort: 5353 }] } }, S) as typeof svc;
    expect(out.spec.ports).toEqual([
      { name: 'dns-tcp', port: 53, protocol: 'TCP', targetPort: 53 },
      { name: 'dns', port: 53, protocol: 'UDP', targetPort: 5353 },
    ]);
  });

  it('a port without protocol means TCP; the patch\'s items come in its order, before the server-only items after them', () => {
    const out = applyStrategicMergePatch(svc, { spec: { ports: [{ port: 53, targetPort: 1053 }, { port: 80, name: 'http' }] } }, S) as typeof svc;
    expect(out.spec.ports.map((p) => `${p.port}/${p.protocol ?? ''}:${p.targetPort ?? ''}`)).toEqual(['53/TCP:1053', '80/:', '53/UDP:53']);
  });

  it('$patch: delete removes an item, $patch: replace a whole list', () => {
    const del = applyStrategicMergePatch(svc, { spec: { ports: [{ port: 53, protocol: 'TCP', $patch: 'delete' }] } }, S) as typeof svc;
    expect(del.spec.ports.map((p) => p.protocol)).toEqual(['UDP']);
    const rep = applyStrategicMergePatch(svc, { spec: { ports: [{ $patch: 'replace' }, { port: 8080 }] } }, S) as typeof svc;
    expect(rep.spec.ports).toEqual([{ port: 8080 }]);
  });

  it('atomic lists are replaced; merged primitive lists are unions; null removes', () => {
    const out = applyStrategicMergePatch(svc, { metadata: { finalizers: ['b', 'a'] }, spec: { externalIPs: ['9.9.9.9'], selector: null } }, S) as typeof svc & {
      spec: { selector?: unknown };
    };
    expect(out.spec.externalIPs).toEqual(['9.9.9.9']);
    expect(out.metadata.finalizers).toEqual(['b', 'a']); // the patch's order, as apimachinery's normalizeElementOrder
    expect(out.spec.selector).toBeUndefined();
  });

  it('$deleteFromPrimitiveList and $setElementOrder', () => {
    const out = applyStrategicMergePatch(
      { metadata: { finalizers: ['a', 'b', 'c'] } },
      { metadata: { '$deleteFromPrimitiveList/finalizers': ['b'], '$setElementOrder/finalizers': ['c', 'a'] } },
      S,
    );
    expect(out).toEqual({ metadata: { finalizers: ['c', 'a'] } });
  });

  it('containers merge by name, their ports by containerPort and protocol', () => {
    const pod = { spec: { containers: [{ name: 'web', image: 'nginx', ports: [{ containerPort: 80 }] }, { name: 'side', image: 'busybox' }] } };
    const out = applyStrategicMergePatch(pod, { spec: { containers: [{ name: 'web', image: 'nginx:1.27', ports: [{ containerPort: 443 }] }] } }, PATCH_SCHEMAS.Pod);
    expect(out).toEqual({
      spec: { containers: [{ name: 'web', image: 'nginx:1.27', ports: [{ containerPort: 443 }, { containerPort: 80 }] }, { name: 'side', image: 'busybox' }] },
    });
  });

  it('orders a merged list as apimachinery does: server-only items keep their places around the patch\'s', () => {
    const list = { spec: { ports: [{ port: 1 }, { port: 2 }, { port: 3 }] } };
    const out = applyStrategicMergePatch(list, { spec: { ports: [{ port: 2, name: 'two' }, { port: 9 }] } }, S) as { spec: { ports: { port: number }[] } };
    expect(out.spec.ports.map((p) => p.port)).toEqual([1, 2, 9, 3]);
  });

  it('conditions merge by type (status subresource)', () => {
    const status = { status: { conditions: [{ type: 'A', status: 'True' }, { type: 'B', status: 'False' }] } };
    const out = applyStrategicMergePatch(status, { status: { conditions: [{ type: 'B', status: 'True' }] } }, S);
    expect(out).toEqual({ status: { conditions: [{ type: 'A', status: 'True' }, { type: 'B', status: 'True' }] } });
  });

  it('a list item without its merge key is refused in the apiserver words', () => {
    expect(() => applyStrategicMergePatch(svc, { spec: { ports: [{ targetPort: 441 }] } }, S)).toThrow(
      new BadRequestError('map: map[targetPort:441] does not contain declared merge key: port'),
    );
  });
});
