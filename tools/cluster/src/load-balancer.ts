/**
 * LoadBalancer Services out of the box: `up` gives the lb controller a default IPAddressPool on the
 * fabric (the network the outside client is on) and, in layer 2 mode, an L2Advertisement for it,
 * as a MetalLB install's first manifest does. Re-running keeps what is there.
 */
import { AlreadyExistsError, type IPAddressPool, type L2Advertisement, type Namespace } from '@minimesh/api';
import type { ApiClient } from '@minimesh/client';
import type { LbMode } from './apps.js';
import { FABRIC_NET } from './topology.js';

export const LB_NAMESPACE = 'metallb-system';
export const DEFAULT_POOL = { name: 'default-pool', addresses: `${FABRIC_NET}.200-${FABRIC_NET}.250` };

async function createIfMissing(api: ApiClient, obj: IPAddressPool | L2Advertisement | Namespace): Promise<void> {
  try {
    await api.create(obj);
  } catch (e) {
    if (!(e instanceof AlreadyExistsError)) throw e;
  }
}

export async function createDefaultPool(api: ApiClient, mode: LbMode): Promise<void> {
  if (mode === 'none') return;
  await createIfMissing(api, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: LB_NAMESPACE } });
  await createIfMissing(api, {
    apiVersion: 'metallb.io/v1beta1',
    kind: 'IPAddressPool',
    metadata: { name: DEFAULT_POOL.name, namespace: LB_NAMESPACE },
    spec: { addresses: [DEFAULT_POOL.addresses] },
  });
  if (mode === 'l2') {
    await createIfMissing(api, {
      apiVersion: 'metallb.io/v1beta1',
      kind: 'L2Advertisement',
      metadata: { name: 'default', namespace: LB_NAMESPACE },
      spec: { ipAddressPools: [DEFAULT_POOL.name] },
    });
  }
}
