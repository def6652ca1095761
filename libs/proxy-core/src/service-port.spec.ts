import { describe, expect, it } from 'vitest';
import { externallyAccessible, servicePortsFromService, usesClusterEndpoints, usesLocalEndpoints, type ServicePortInfo } from './service-port.js';
import { makeService, walkthroughService } from './testing/fixtures.js';

describe('servicePortsFromService', () => {
  it('the walkthrough ClusterIP service: one unnamed TCP port', () => {
    expect(servicePortsFromService(walkthroughService())).toEqual([
      {
        name: { namespace: 'study', name: 'service-clusterip', port: '', protocol: 'TCP' },
        nameString: 'study/service-clusterip',
        key: 'study/service-clusterip/TCP',
        clusterIP: '10.97.97.97',
        port: 80,
        protocol: 'TCP',
        nodePort: 0,
        externalIPs: [],
        loadBalancerVIPs: [],
        loadBalancerSourceRanges: [],
        sessionAffinityClientIP: false,
        stickyMaxAgeSeconds: 0,
        externalPolicyLocal: false,
        internalPolicyLocal: false,
        healthCheckNodePort: 0,
      } satisfies ServicePortInfo,
    ]);
  });

  it.each([
    ['ExternalName', makeService('prod', 'db', { type: 'ExternalName', externalName: 'my.database.example.com' })],
    ['ExternalName with a ClusterIP', makeService('prod', 'db', { type: 'ExternalName', clusterIP: '10.96.1.1', ports: [{ port: 5432 }] })],
    ['headless', makeService('study', 'service-headliness', { clusterIP: 'None', ports: [{ port: 80 }] })],
    ['no ClusterIP', makeService('study', 'pending', { ports: [{ port: 80 }] })],
    ['IPv6 only', makeService('v6', 'svc', { clusterIP: 'fd00::10', clusterIPs: ['fd00::10'], ports: [{ port: 80 }] })],
  ])('skips %s services', (_, svc) => {
    expect(servicePortsFromService(svc)).toEqual([]);
  });

  it('takes the IPv4 ClusterIP of a dual-stack service; protocol defaults to TCP; unknown protocols are skipped', () => {
    const svc = makeService('ns', 'dual', { clusterIP: 'fd00::10', clusterIPs: ['fd00::10', '10.96.0.20'], ports: [{ name: 'a', port: 80 }, { name: 'b', port: 81, protocol: 'ICMP' }] });
    const [p, ...rest] = servicePortsFromService(svc);
    expect(rest).toEqual([]);
    expect(p).toMatchObject({ clusterIP: '10.96.0.20', protocol: 'TCP', nameString: 'ns/dual:a', key: 'ns/dual:a/TCP' });
  });

  it('ClientIP affinity: the configured timeout, 10800 when unset', () => {
    expect(servicePortsFromService(walkthroughService({ sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 60 } } }))[0]).toMatchObject({ sessionAffinityClientIP: true, stickyMaxAgeSeconds: 60 });
    expect(servicePortsFromService(walkthroughService({ sessionAffinity: 'ClientIP' }))[0]).toMatchObject({ sessionAffinityClientIP: true, stickyMaxAgeSeconds: 10800 });
  });

  it('LoadBalancer: VIP-mode ingress IPs only, source ranges trimmed and normalized, health check node port with eTP Local', () => {
    const svc = makeService(
      'ns',
      'lb',
      {
        type: 'LoadBalancer',
        clusterIP: '10.96.0.30',
        externalTrafficPolicy: 'Local',
        healthCheckNodePort: 32000,
        externalIPs: ['80.11.12.10', 'fd00::1', 'bogus'],
        loadBalancerSourceRanges: [' 203.0.113.5/25', 'fd00::/64', 'nope'],
        ports: [{ port: 443, nodePort: 31443, protocol: 'TCP' }],
      },
      { loadBalancer: { ingress: [{ ip: '1.2.3.4' }, { ip: '1.2.3.5', ipMode: 'VIP' }, { ip: '1.2.3.6', ipMode: 'Proxy' }, { hostname: 'x.example.com' }, { ip: 'fd00::7' }] } },
    );
    expect(servicePortsFromService(svc)[0]).toMatchObject({
      nodePort: 31443,
      externalIPs: ['80.11.12.10'],
      loadBalancerVIPs: ['1.2.3.4', '1.2.3.5'],
      loadBalancerSourceRanges: ['203.0.113.0/25'],
      externalPolicyLocal: true,
      healthCheckNodePort: 32000,
    });
  });

  it('externalTrafficPolicy Local only counts for NodePort and LoadBalancer; the health check port only for LoadBalancer', () => {
    const clusterIP = makeService('ns', 'a', { clusterIP: '10.96.0.1', externalTrafficPolicy: 'Local', healthCheckNodePort: 1, ports: [{ port: 80 }] });
    const nodePort = makeService('ns', 'b', { type: 'NodePort', clusterIP: '10.96.0.2', externalTrafficPolicy: 'Local', healthCheckNodePort: 2, ports: [{ port: 80, nodePort: 30080 }] });
    expect(servicePortsFromService(clusterIP)[0]).toMatchObject({ externalPolicyLocal: false, healthCheckNodePort: 0 });
    expect(servicePortsFromService(nodePort)[0]).toMatchObject({ externalPolicyLocal: true, healthCheckNodePort: 0 });
  });
});

describe('which endpoints a service port uses', () => {
  const base = servicePortsFromService(walkthroughService())[0]!;
  const sp = (o: Partial<ServicePortInfo>): ServicePortInfo => ({ ...base, ...o });
  it.each([
    ['ClusterIP, Cluster', sp({}), false, true, false],
    ['ClusterIP, iTP Local', sp({ internalPolicyLocal: true }), false, false, true],
    ['NodePort, eTP Local', sp({ nodePort: 30080, externalPolicyLocal: true }), true, true, true],
    ['externalIPs, iTP Local (short-circuit needs Cluster endpoints)', sp({ externalIPs: ['1.1.1.1'], internalPolicyLocal: true }), true, true, true],
    ['LoadBalancer, Cluster', sp({ loadBalancerVIPs: ['1.2.3.4'] }), true, true, false],
  ])('%s', (_, p, external, cluster, local) => {
    expect([externallyAccessible(p), usesClusterEndpoints(p), usesLocalEndpoints(p)]).toEqual([external, cluster, local]);
  });
});
