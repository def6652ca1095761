import { describe, expect, it } from 'vitest';
import { BadRequestError } from '../errors/api-errors.js';
import { applyJsonPatch, PatchTestFailedError } from './json-patch.js';

describe('JSON patch (RFC 6902)', () => {
  const doc = { metadata: { labels: { app: 'web' } }, spec: { ports: [{ port: 80 }, { port: 443 }] } };

  it.each([
    ['add a member', [{ op: 'add', path: '/metadata/labels/tier', value: 'fe' }], { app: 'web', tier: 'fe' }, '/metadata/labels'],
    ['add to the end of an array', [{ op: 'add', path: '/spec/ports/-', value: { port: 8080 } }], [{ port: 80 }, { port: 443 }, { port: 8080 }], '/spec/ports'],
    ['insert into an array', [{ op: 'add', path: '/spec/ports/0', value: { port: 1 } }], [{ port: 1 }, { port: 80 }, { port: 443 }], '/spec/ports'],
    ['remove', [{ op: 'remove', path: '/spec/ports/0' }], [{ port: 443 }], '/spec/ports'],
    ['replace', [{ op: 'replace', path: '/spec/ports/1/port', value: 8443 }], [{ port: 80 }, { port: 8443 }], '/spec/ports'],
    ['move', [{ op: 'move', from: '/metadata/labels/app', path: '/metadata/labels/name' }], { name: 'web' }, '/metadata/labels'],
    ['copy', [{ op: 'copy', from: '/metadata/labels/app', path: '/metadata/labels/name' }], { app: 'web', name: 'web' }, '/metadata/labels'],
    ['escaped pointers', [{ op: 'add', path: '/metadata/labels/app.kubernetes.io~1name', value: 'x' }], { app: 'web', 'app.kubernetes.io/name': 'x' }, '/metadata/labels'],
    ['a passing test', [{ op: 'test', path: '/metadata/labels/app', value: 'web' }], { app: 'web' }, '/metadata/labels'],
  ])('%s', (_name, ops, want, at) => {
    const out = applyJsonPatch(doc, ops) as Record<string, unknown>;
    const pick = at.split('/').slice(1).reduce<unknown>((o, k) => (o as Record<string, unknown>)[k], out);
    expect(pick).toEqual(want);
  });

  it('fails as the apiserver words it, applying nothing', () => {
    expect(() => applyJsonPatch(doc, [{ op: 'add', path: '/missing/x', value: 1 }])).toThrow(new BadRequestError('jsonpatch add operation does not apply: doc is missing path: "/missing/x"'));
    expect(() => applyJsonPatch(doc, [{ op: 'remove', path: '/spec/ports/5' }])).toThrow(new BadRequestError('jsonpatch remove operation does not apply: doc is missing path: "/spec/ports/5"'));
    expect(() => applyJsonPatch(doc, [{ op: 'replace', path: '/spec/nope', value: 1 }])).toThrow('jsonpatch replace operation does not apply: doc is missing key: /spec/nope');
    expect(() => applyJsonPatch(doc, [{ op: 'test', path: '/metadata/labels/app', value: 'db' }])).toThrow(PatchTestFailedError);
    expect(() => applyJsonPatch(doc, { op: 'add' })).toThrow(BadRequestError);
    expect(() => applyJsonPatch(doc, [{ op: 'frobnicate', path: '/a' }])).toThrow('Unexpected kind: frobnicate');
    expect(doc.spec.ports).toHaveLength(2);
  });

  it('a failed test is a 422', () => {
    const e = (() => {
      try {
        applyJsonPatch(doc, [{ op: 'test', path: '/spec/ports/0/port', value: 81 }]);
      } catch (err) {
        return err as PatchTestFailedError;
      }
    })();
    expect(e?.status).toMatchObject({ code: 422, message: 'testing value /spec/ports/0/port failed' });
  });
});
