import { describe, expect, it } from 'vitest';
import type { Service } from '../types/core.js';
import { ApiError } from '../errors/api-errors.js';
import { formatPath, fromFieldsV1 } from './field-set.js';
import { applyConfiguration, recordUpdate } from './server-side-apply.js';

const now = '2026-12-05T09:00:00Z';
const config = (extra: Partial<Service['spec']> = {}, labels: Record<string, string> = { app: 'web' }): Service => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'web', namespace: 'default', labels },
  spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }], ...extra },
});
const paths = (s: Service, manager: string) => [...fromFieldsV1(s.metadata.managedFields!.find((e) => e.manager === manager)!.fieldsV1)].map(formatPath).sort();

describe('server-side apply', () => {
  it('creates with the applied fields owned by the manager, keyed list items by their keys', () => {
    const created = applyConfiguration('Service', undefined, config(), { manager: 'kubectl', now, force: false }) as Service;
    expect(created.metadata.managedFields).toEqual([
      {
        manager: 'kubectl',
        operation: 'Apply',
        apiVersion: 'v1',
        time: now,
        fieldsType: 'FieldsV1',
        fieldsV1: {
          'f:metadata': { 'f:labels': { 'f:app': {} } },
          'f:spec': { 'f:ports': { 'k:{"port":80,"protocol":"TCP"}': { '.': {}, 'f:port': {}, 'f:targetPort': {} } }, 'f:selector': {} },
        },
      },
    ]);
  });

  it('removes what the manager applied before and no longer applies, but not what others own', () => {
    let live = applyConfiguration('Service', undefined, config({}, { app: 'web', tier: 'front' }), { manager: 'kubectl', now, force: false }) as Service;
    live = { ...live, metadata: { ...live.metadata, labels: { ...live.metadata.labels, team: 'a' }, managedFields: recordUpdate('Service', live, { ...live, metadata: { ...live.metadata, labels: { ...live.metadata.labels, team: 'a' } } }, { manager: 'kubectl-label', now }) } };
    const next = applyConfiguration('Service', live, config(), { manager: 'kubectl', now, force: false }) as Service;
    expect(next.metadata.labels).toEqual({ app: 'web', team: 'a' });
    expect(paths(next, 'kubectl-label')).toEqual(['.metadata.labels.team']);
  });

  it('merges keyed lists item by item and replaces the rest', () => {
    const live = applyConfiguration('Service', undefined, config(), { manager: 'a', now, force: false }) as Service;
    const next = applyConfiguration('Service', live, { ...config(), spec: { ports: [{ port: 53, protocol: 'UDP' }] } }, { manager: 'b', now, force: false }) as Service;
    expect(next.spec?.ports?.map((p) => `${p.port}/${p.protocol ?? 'TCP'}`).sort()).toEqual(['53/UDP', '80/TCP']);
  });

  it('refuses a field another manager set to another value, names it as Kubernetes does, and takes it over with force', () => {
    const created = config();
    const live = { ...created, metadata: { ...created.metadata, managedFields: recordUpdate('Service', undefined, created, { manager: 'kubectl-client-side-apply', now }) } } as Service;
    const change = config({ selector: { app: 'api' } });
    let err: unknown;
    try {
      applyConfiguration('Service', live, change, { manager: 'kubectl', now, force: false });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).status).toMatchObject({
      code: 409,
      reason: 'Conflict',
      message: 'Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using v1: .spec.selector',
      details: { causes: [{ reason: 'FieldManagerConflict', message: 'conflict with "kubectl-client-side-apply" using v1', field: '.spec.selector' }] },
    });
    const forced = applyConfiguration('Service', live, change, { manager: 'kubectl', now, force: true }) as Service;
    expect(forced.spec?.selector).toEqual({ app: 'api' });
    expect(paths(forced, 'kubectl')).toContain('.spec.selector');
    expect(paths(forced, 'kubectl-client-side-apply')).not.toContain('.spec.selector');
  });

  it('lists every conflict by manager when there are several', () => {
    const created = config();
    const live = { ...created, metadata: { ...created.metadata, managedFields: recordUpdate('Service', undefined, created, { manager: 'editor', now }) } } as Service;
    expect(() => applyConfiguration('Service', live, config({ selector: { app: 'x' }, ports: [{ port: 80, targetPort: 9090 }] }), { manager: 'kubectl', now, force: false })).toThrow(
      'Apply failed with 2 conflicts: conflicts with "editor" using v1:\n- .spec.ports[port=80,protocol="TCP"].targetPort\n- .spec.selector',
    );
  });

  it('shares a field set to the same value without a conflict', () => {
    const created = config();
    const live = { ...created, metadata: { ...created.metadata, managedFields: recordUpdate('Service', undefined, created, { manager: 'editor', now }) } } as Service;
    const next = applyConfiguration('Service', live, config(), { manager: 'kubectl', now, force: false }) as Service;
    expect(paths(next, 'kubectl')).toContain('.spec.selector');
    expect(paths(next, 'editor')).toContain('.spec.selector');
  });

  it('recordUpdate: a write takes the fields it changes from the others; a write that changes nothing changes no ownership', () => {
    const live = applyConfiguration('Service', undefined, config(), { manager: 'kubectl', now, force: false }) as Service;
    const patched = { ...live, spec: { ...live.spec, selector: { app: 'other' } } } as Service;
    const managed = recordUpdate('Service', live, patched, { manager: 'kubectl-patch', now })!;
    const withManaged = { ...patched, metadata: { ...patched.metadata, managedFields: managed } } as Service;
    expect(paths(withManaged, 'kubectl-patch')).toEqual(['.spec.selector']);
    expect(paths(withManaged, 'kubectl')).not.toContain('.spec.selector');
    expect(recordUpdate('Service', withManaged, withManaged, { manager: 'x', now })).toBe(managed);
  });

  it('keeps an entry\'s time while its fields stay the same: the same apply again changes nothing', () => {
    const later = '2026-12-05T10:00:00Z';
    const live = applyConfiguration('Service', undefined, config(), { manager: 'kubectl', now, force: false }) as Service;
    const again = applyConfiguration('Service', live, config(), { manager: 'kubectl', now: later, force: false }) as Service;
    expect(again).toEqual(live);
    const changed = applyConfiguration('Service', live, config({ type: 'NodePort' }), { manager: 'kubectl', now: later, force: false }) as Service;
    expect(changed.metadata.managedFields!.map((e) => e.time)).toEqual([later]);
    // A value changed under the same fields: the object changes, the entry's time does not.
    const value = applyConfiguration('Service', live, config({}, { app: 'web2' }), { manager: 'kubectl', now: later, force: false }) as Service;
    expect([value.metadata.labels, value.metadata.managedFields!.map((e) => e.time)]).toEqual([{ app: 'web2' }, [now]]);
    const updated = recordUpdate('Service', live, { ...live, spec: { ...live.spec, selector: { app: 'x' } } } as Service, { manager: 'editor', now })!;
    const base = { ...live, spec: { ...live.spec, selector: { app: 'x' } }, metadata: { ...live.metadata, managedFields: updated } } as Service;
    const sameFields = recordUpdate('Service', base, { ...base, spec: { ...base.spec, selector: { app: 'y' } } } as Service, { manager: 'editor', now: later })!;
    expect(sameFields.find((e) => e.manager === 'editor')!.time).toBe(now);
  });
});
