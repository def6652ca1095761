import { describe, expect, it } from 'vitest';
import { EndpointsChangeTracker, ServiceChangeTracker } from './change-trackers.js';
import { staleUdpConntrack } from './stale-conntrack.js';
import { ep, makeService, makeSlice } from './testing/fixtures.js';

describe('staleUdpConntrack', () => {
  const svc = makeService(
    'default',
    'syslog',
    { type: 'LoadBalancer', clusterIP: '10.96.5.14', externalIPs: ['80.11.12.10'], ports: [{ port: 514, protocol: 'UDP', nodePort: 30514 }] },
    { loadBalancer: { ingress: [{ ip: '203.0.113.14' }] } },
  );
  const slice = (...ips: string[]) => makeSlice('default', 'syslog', { ports: [{ name: '', port: 5514, protocol: 'UDP' }], endpoints: ips.map((ip) => ep(ip)) });

  it('a UDP service going from no endpoint to one: flush its IPs and its NodePort', () => {
    const st = new ServiceChangeTracker();
    const et = new EndpointsChangeTracker({ nodeName: 'node1', startTime: 0 });
    st.update(undefined, svc);
    et.update(undefined, slice('10.244.1.7'));
    const s = st.checkoutChanges();
    const e = et.checkoutChanges();
    expect(staleUdpConntrack(st.serviceMap, s, e)).toEqual({ serviceIPs: ['10.96.5.14', '80.11.12.10', '203.0.113.14'], nodePorts: [30514], natEntries: [], nodePortNatEntries: [] });
  });

  it('a UDP endpoint going away: flush its NAT entries for every service IP and the NodePort', () => {
    const st = new ServiceChangeTracker();
    const et = new EndpointsChangeTracker({ nodeName: 'node1', startTime: 0 });
    st.update(undefined, svc);
    et.update(undefined, slice('10.244.1.7', '10.244.2.7'));
    st.checkoutChanges();
    et.checkoutChanges();
    et.update(slice('10.244.1.7', '10.244.2.7'), slice('10.244.2.7'));
    const e = et.checkoutChanges();
    expect(staleUdpConntrack(st.serviceMap, st.checkoutChanges(), e)).toEqual({
      serviceIPs: [],
      nodePorts: [],
      natEntries: [
        { origDst: '10.96.5.14', endpointIP: '10.244.1.7' },
        { origDst: '80.11.12.10', endpointIP: '10.244.1.7' },
        { origDst: '203.0.113.14', endpointIP: '10.244.1.7' },
      ],
      nodePortNatEntries: [{ nodePort: 30514, endpointIP: '10.244.1.7' }],
    });
  });

  it('a deleted UDP service: flush its ClusterIP', () => {
    const st = new ServiceChangeTracker();
    st.update(undefined, svc);
    st.checkoutChanges();
    st.update(svc, undefined);
    expect(staleUdpConntrack(st.serviceMap, st.checkoutChanges(), { deletedUdpEndpoints: [], newlyActiveUdpServices: [] }).serviceIPs).toEqual(['10.96.5.14']);
  });
});
