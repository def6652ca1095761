import { describe, expect, it } from 'vitest';
import {
  allocatePodIP,
  clusterNameProblem,
  deletionOrder,
  isClusterNetns,
  nodePlan,
  nodeRoutes,
  planCluster,
  podHash,
  podNames,
  resolvConf,
} from './topology.js';

describe('planCluster', () => {
  it('plans the fabric, the outside client and N nodes with their IPs and pod CIDRs', () => {
    const plan = planCluster('minimesh', 2);
    expect(plan).toEqual({
      name: 'minimesh',
      fabricNetns: 'mm-minimesh-fabric',
      bridge: 'mmbr0',
      outsideNetns: 'mm-minimesh-out',
      outsideIP: '192.168.100.100',
      outsideVeth: 'mmout',
      lbNetns: 'mm-minimesh-lb',
      lbIP: '192.168.100.2',
      lbVeth: 'mmlb',
      nodes: [
        { index: 1, name: 'node1', netns: 'mm-minimesh-n1', ip: '192.168.100.11', podCIDR: '10.244.1.0/24', gateway: '10.244.1.1', fabricVeth: 'mmn1' },
        { index: 2, name: 'node2', netns: 'mm-minimesh-n2', ip: '192.168.100.12', podCIDR: '10.244.2.0/24', gateway: '10.244.2.1', fabricVeth: 'mmn2' },
      ],
    });
  });

  it.each([
    [1, '192.168.100.11', '10.244.1.0/24'],
    [3, '192.168.100.13', '10.244.3.0/24'],
    [50, '192.168.100.60', '10.244.50.0/24'],
  ])('node %i: %s, pods %s', (n, ip, cidr) => {
    const plan = planCluster('c', n);
    expect(plan.nodes).toHaveLength(n);
    expect(plan.nodes[n - 1]).toMatchObject({ ip, podCIDR: cidr });
  });

  it.each([0, -1, 51, 1.5, Number.NaN])('refuses %s nodes', (n) => {
    expect(() => planCluster('c', n)).toThrow(/--nodes must be a whole number from 1 to 50/);
  });

  it('keeps every interface name within 15 characters', () => {
    const plan = planCluster('a-long-cluster-name', 50);
    const names = [plan.bridge, plan.outsideVeth, plan.lbVeth, ...plan.nodes.map((n) => n.fabricVeth), podNames(plan.name, 'some-namespace', 'a-very-long-pod-name').hostVeth];
    for (const n of names) expect(n.length).toBeLessThanOrEqual(15);
  });
});

describe('clusterNameProblem', () => {
  it.each([
    ['minimesh', true],
    ['e2e-1a2b', true],
    ['a', true],
    ['Upper', false],
    ['-x', false],
    ['x-', false],
    ['has_underscore', false],
    ['', false],
    ['a'.repeat(21), false],
  ])('%j usable: %s', (name, ok) => {
    expect(clusterNameProblem(name) === undefined).toBe(ok);
  });
});

describe('nodeRoutes', () => {
  it('routes the other pod CIDRs via their nodes, blackholes its own, and routes the service CIDR', () => {
    const nodes = [1, 2, 3].map((i) => nodePlan('c', i));
    expect(nodeRoutes(nodes[1]!, nodes)).toEqual([
      ['10.244.1.0/24', 'via', '192.168.100.11', 'dev', 'eth0'],
      ['10.244.3.0/24', 'via', '192.168.100.13', 'dev', 'eth0'],
      ['blackhole', '10.244.2.0/24'],
      ['10.96.0.0/12', 'dev', 'eth0'],
    ]);
  });

  it('a single node has only its blackhole and the service route', () => {
    const n = nodePlan('c', 1);
    expect(nodeRoutes(n, [n])).toEqual([
      ['blackhole', '10.244.1.0/24'],
      ['10.96.0.0/12', 'dev', 'eth0'],
    ]);
  });
});

describe('pod names', () => {
  it('are stable, short and differ by namespace', () => {
    expect(podHash('study', 'web-1')).toMatch(/^[0-9a-f]{8}$/);
    expect(podHash('study', 'web-1')).toBe(podHash('study', 'web-1'));
    expect(podHash('study', 'web-1')).not.toBe(podHash('default', 'web-1'));
    const names = podNames('minimesh', 'study', 'web-1');
    expect(names.netns).toBe(`mm-minimesh-p-${podHash('study', 'web-1')}`);
    expect(names.hostVeth).toBe(`mmp${podHash('study', 'web-1')}`);
  });
});

describe('isClusterNetns', () => {
  it.each([
    ['c', 'mm-c-fabric', true],
    ['c', 'mm-c-out', true],
    ['c', 'mm-c-n1', true],
    ['c', 'mm-c-n12', true],
    ['c', 'mm-c-p-0123abcd', true],
    ['c', 'mm-c-p-0123abc', false],
    ['c', 'mm-c-other', false],
    ['c', 'mm-cd-n1', false],
    ['a', 'mm-a-b-n1', false],
    ['a', 'mm-a-b-p-0123abcd', false],
    ['a-b', 'mm-a-b-n1', true],
    ['c', 'sp-node1', false],
  ])('cluster %s owns %s: %s', (cluster, ns, owned) => {
    expect(isClusterNetns(cluster, ns)).toBe(owned);
  });
});

describe('deletionOrder', () => {
  it('deletes pods, then nodes, then outside, then the fabric', () => {
    expect(deletionOrder(['mm-c-fabric', 'mm-c-n1', 'mm-c-out', 'mm-c-p-0000aaaa', 'mm-c-n2', 'mm-c-p-1111bbbb'])).toEqual([
      'mm-c-p-0000aaaa',
      'mm-c-p-1111bbbb',
      'mm-c-n1',
      'mm-c-n2',
      'mm-c-out',
      'mm-c-fabric',
    ]);
  });
});

describe('allocatePodIP', () => {
  const node = nodePlan('c', 2);
  it.each([
    [[], '10.244.2.10'],
    [['10.244.2.10'], '10.244.2.11'],
    [['10.244.2.10', '10.244.2.12'], '10.244.2.11'],
    [['10.244.1.10'], '10.244.2.10'],
  ])('used %j → %s', (used, want) => {
    expect(allocatePodIP(node, used)).toBe(want);
  });

  it('falls back to .2-.9 and then gives up', () => {
    const high = Array.from({ length: 245 }, (_, i) => `10.244.2.${i + 10}`);
    expect(allocatePodIP(node, high)).toBe('10.244.2.2');
    const all = [...high, ...Array.from({ length: 8 }, (_, i) => `10.244.2.${i + 2}`)];
    expect(() => allocatePodIP(node, all)).toThrow('node node2 has no free pod IP left in 10.244.2.0/24');
  });
});

describe('resolvConf', () => {
  it('points at cluster DNS with the namespace search path and ndots:5', () => {
    expect(resolvConf('study')).toBe(
      'nameserver 10.96.0.10\nsearch study.svc.cluster.local svc.cluster.local cluster.local\noptions ndots:5\n',
    );
  });
});
