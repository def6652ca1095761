/** MetalLB's kinds through the API: defaults, validation, overlapping pools, merge patches only. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidError, UnsupportedMediaTypeError, type IPAddressPool, type Namespace } from '@minimesh/api';
import { startTestApiServer, type TestApiServer } from '../testing/index.js';

const ns: Namespace = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'metallb-system' } };
const pool = (name: string, addresses: string[]): IPAddressPool => ({
  apiVersion: 'metallb.io/v1beta1',
  kind: 'IPAddressPool',
  metadata: { name, namespace: 'metallb-system' },
  spec: { addresses },
});

describe('MetalLB kinds', () => {
  let t: TestApiServer;
  beforeAll(async () => {
    t = await startTestApiServer();
    await t.client.create(ns);
  });
  afterAll(async () => t?.stop());

  it('a pool is stored with its CRD defaults', async () => {
    const p = await t.client.create(pool('first-pool', ['192.168.10.0/24', '192.168.9.1-192.168.9.5']));
    expect(p.spec).toEqual({ addresses: ['192.168.10.0/24', '192.168.9.1-192.168.9.5'], autoAssign: true, avoidBuggyIPs: false });
    expect(p.apiVersion).toBe('metallb.io/v1beta1');
  });

  it('a pool overlapping another is refused, on create and on update', async () => {
    const err = await t.client.create(pool('second', ['192.168.9.4/30'])).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidError);
    expect((err as Error).message).toBe(
      'IPAddressPool "second" is invalid: spec.addresses[0]: Invalid value: "192.168.9.4/30": CIDR "192.168.9.4/30" in pool "second" overlaps with already defined CIDR "192.168.9.1-192.168.9.5" in pool "first-pool"',
    );
    await t.client.create(pool('second', ['192.168.20.0/24']));
    await expect(t.client.patch('IPAddressPool', 'metallb-system', 'second', 'merge', { spec: { addresses: ['192.168.10.128/25'] } })).rejects.toBeInstanceOf(InvalidError);
    const widened = await t.client.patch('IPAddressPool', 'metallb-system', 'first-pool', 'merge', { spec: { addresses: ['192.168.10.0/23'] } });
    expect(widened.spec?.addresses).toEqual(['192.168.10.0/23']);
  });

  it('custom resources take JSON and merge patches, not strategic ones', async () => {
    await expect(t.client.patch('IPAddressPool', 'metallb-system', 'second', 'strategic', { spec: { autoAssign: false } })).rejects.toBeInstanceOf(UnsupportedMediaTypeError);
    const adv = await t.client.create({ apiVersion: 'metallb.io/v1beta1', kind: 'L2Advertisement', metadata: { name: 'l2', namespace: 'metallb-system' }, spec: { ipAddressPools: ['first-pool'] } });
    expect(adv.spec?.ipAddressPools).toEqual(['first-pool']);
    expect((await t.client.list('L2Advertisement', { namespace: 'metallb-system' })).items).toHaveLength(1);
  });
});
