import { describe, expect, it } from 'vitest';
import {
  endpointHash,
  isServiceChainName,
  portProtoHash,
  serviceExternalChainName,
  serviceFirewallChainName,
  servicePortChainName,
  servicePortEndpointChainName,
  servicePortLocalChainName,
  topLevelChains,
  validateChainPrefix,
} from './chain-names.js';
import { hash16 } from '../name-hash.js';

describe('chain names: kube-proxy hash vectors', () => {
  // From kube-proxy's goldens (kubernetes/kubernetes pkg/proxy/iptables/proxier_test.go) and real clusters.
  it.each([
    ['ns1/svc1:p80tcp', 'XPGD46QRK7WJZT7O'],
    ['ns1/svc1:p80tcp10.180.0.1:80', 'SXIVWICOYRO3J4NJ'],
    ['ns2/svc2:p80tcp', 'GNZBNJ2PO5MGZ6GT'],
    ['ns3/svc3:p80tcp', 'X27LE4BHSL4DOUIK'],
    ['ns4/svc4:p80tcp', '4SW47YFZTEDKD3PK'],
    ['ns5/svc5:p80tcp', 'NUKIZ6OKUXPJNT4C'],
    ['ns5/svc5:p80tcp10.180.0.3:80', 'I77PXRDZVX7PMWMN'],
    ['ns2/svc2:p8080tcp', '2VJB64SDSIJUP5T6'],
    ['ns1/svc1:p80tcp10.0.1.1:80', 'SNQ3ZNILQDEJNDQO'],
    ['ns3/svc3:p80tcp10.0.3.2:80', 'DKCFIS26GWF2WLWC'],
    ['ns3/svc3:p80tcp10.0.3.3:80', 'JVVZVJ7BSEPPRNBS'],
    ['default/kubernetes:httpstcp', 'NPX46M4PTMTKRN6Y'],
    ['kube-system/kube-dns:dnsudp', 'TCOU7JCQXEZGVUNU'],
    ['kube-system/kube-dns:dns-tcptcp', 'ERIFXISQEP7F7OF4'],
  ])('hash16(%s) = %s', (input, hash) => {
    expect(hash16(input)).toBe(hash);
  });

  it('the protocol enters the hash lower-cased', () => {
    expect(portProtoHash('ns1/svc1:p80', 'TCP')).toBe('XPGD46QRK7WJZT7O');
    expect(endpointHash('ns1/svc1:p80', 'TCP', '10.180.0.1:80')).toBe('SXIVWICOYRO3J4NJ');
    expect(portProtoHash('kube-system/kube-dns:dns', 'UDP')).toBe('TCOU7JCQXEZGVUNU');
  });

  it('per-service chains with the default and a custom prefix', () => {
    expect(servicePortChainName('ns1/svc1:p80', 'TCP')).toBe('KUBE-SVC-XPGD46QRK7WJZT7O');
    expect(servicePortLocalChainName('ns2/svc2:p80', 'TCP')).toBe('KUBE-SVL-GNZBNJ2PO5MGZ6GT');
    expect(serviceExternalChainName('ns2/svc2:p80', 'TCP')).toBe('KUBE-EXT-GNZBNJ2PO5MGZ6GT');
    expect(serviceFirewallChainName('ns5/svc5:p80', 'TCP')).toBe('KUBE-FW-NUKIZ6OKUXPJNT4C');
    expect(servicePortEndpointChainName('ns5/svc5:p80', 'TCP', '10.180.0.3:80')).toBe('KUBE-SEP-I77PXRDZVX7PMWMN');
    expect(servicePortChainName('ns1/svc1:p80', 'TCP', 'MMESH-')).toBe('MMESH-SVC-XPGD46QRK7WJZT7O');
    expect(servicePortEndpointChainName('ns5/svc5:p80', 'TCP', '10.180.0.3:80', 'MMESH-')).toBe('MMESH-SEP-I77PXRDZVX7PMWMN');
  });

  it('the walkthrough service', () => {
    expect(servicePortChainName('study/service-clusterip', 'TCP')).toBe('KUBE-SVC-FGOSKYZ2SUD3AIAL');
    expect(servicePortEndpointChainName('study/service-clusterip', 'TCP', '10.244.1.39:80')).toBe('KUBE-SEP-ADRRA5VPLQUVN2DR');
  });

  it('isServiceChainName: per-service chains of this prefix only', () => {
    expect(['KUBE-SVC-X', 'KUBE-SVL-X', 'KUBE-SEP-X', 'KUBE-FW-X', 'KUBE-EXT-X'].map((c) => isServiceChainName(c))).toEqual([true, true, true, true, true]);
    expect(['KUBE-SERVICES', 'KUBE-EXTERNAL-SERVICES', 'KUBE-MARK-MASQ', 'KUBE-XLB-X', 'DOCKER'].some((c) => isServiceChainName(c))).toBe(false);
    expect(isServiceChainName('KUBE-SVC-X', 'MMESH-')).toBe(false);
    expect(isServiceChainName('MMESH-SEP-X', 'MMESH-')).toBe(true);
  });

  it('top-level chains and prefix validation (names must fit 28 characters)', () => {
    expect(topLevelChains()).toEqual({
      services: 'KUBE-SERVICES',
      externalServices: 'KUBE-EXTERNAL-SERVICES',
      nodePorts: 'KUBE-NODEPORTS',
      postrouting: 'KUBE-POSTROUTING',
      markMasq: 'KUBE-MARK-MASQ',
      forward: 'KUBE-FORWARD',
      proxyFirewall: 'KUBE-PROXY-FIREWALL',
      firewall: 'KUBE-FIREWALL',
      canary: 'KUBE-PROXY-CANARY',
    });
    expect(() => validateChainPrefix('ABCDEFGH')).not.toThrow(); // 8 + "SVC-" + 16 = 28
    expect(() => validateChainPrefix('ABCDEFGHI')).toThrow(/too long/);
    expect(() => validateChainPrefix('')).toThrow(/invalid/);
    expect(() => validateChainPrefix('A B')).toThrow(/invalid/);
  });
});
