import { describe, expect, it } from 'vitest';
import type { Service } from '../types/core.js';
import { defaultServiceIPFamilyFields } from './ip-families.js';

const svc = (spec: Record<string, unknown>) => ({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'default' }, spec }) as Service;
const fields = (s: Service) => [s.spec?.ipFamilyPolicy, s.spec?.ipFamilies];

describe('defaultServiceIPFamilyFields', () => {
  it.each<[string, Record<string, unknown>, unknown[]]>([
    ['nothing set', { type: 'ClusterIP', selector: { app: 'web' } }, ['SingleStack', ['IPv4']]],
    ['an allocated clusterIP', { type: 'ClusterIP', clusterIP: '10.96.0.10', clusterIPs: ['10.96.0.10'] }, ['SingleStack', ['IPv4']]],
    ['PreferDualStack stays, with the one family there is', { type: 'NodePort', ipFamilyPolicy: 'PreferDualStack' }, ['PreferDualStack', ['IPv4']]],
    ['families given', { type: 'ClusterIP', ipFamilies: ['IPv4'], ipFamilyPolicy: 'SingleStack' }, ['SingleStack', ['IPv4']]],
    ['headless with a selector', { type: 'ClusterIP', clusterIP: 'None', clusterIPs: ['None'], selector: { app: 'web' } }, ['SingleStack', ['IPv4']]],
    ['headless selector-less stays single-stack here', { type: 'ClusterIP', clusterIP: 'None', clusterIPs: ['None'] }, ['SingleStack', ['IPv4']]],
    [
      'headless selector-less asking for dual-stack gets both families',
      { type: 'ClusterIP', clusterIP: 'None', clusterIPs: ['None'], ipFamilyPolicy: 'RequireDualStack' },
      ['RequireDualStack', ['IPv4', 'IPv6']],
    ],
    ['ExternalName is left alone', { type: 'ExternalName', externalName: 'a.example.com' }, [undefined, undefined]],
  ])('%s', (_name, spec, want) => {
    expect(fields(defaultServiceIPFamilyFields(svc(spec)))).toEqual(want);
  });

  it('on update, an omitted policy is the stored one', () => {
    const old = svc({ type: 'ClusterIP', ipFamilyPolicy: 'PreferDualStack', ipFamilies: ['IPv4'] });
    expect(fields(defaultServiceIPFamilyFields(svc({ type: 'ClusterIP' }), old))).toEqual(['PreferDualStack', ['IPv4']]);
  });

  it('returns a copy', () => {
    const input = svc({ type: 'ClusterIP' });
    const out = defaultServiceIPFamilyFields(input);
    expect(input.spec).toEqual({ type: 'ClusterIP' });
    expect(out).not.toBe(input);
  });
});
