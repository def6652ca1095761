import { describe, expect, it } from 'vitest';
import { LoadBalancer, type Backend } from './load-balancer.js';

const be = (ip: string): Backend => ({ endpoint: `${ip}:80`, ip, port: 80 });
const [A, B, C] = [be('10.244.1.39'), be('10.244.1.40'), be('10.244.2.33')];

function lb(o: Partial<ConstructorParameters<typeof LoadBalancer>[0]> = {}) {
  let t = 1_000_000;
  const l = new LoadBalancer({ scheduler: 'rr', affinitySeconds: 0, destinationIP: '10.97.97.97', now: () => t, ...o });
  l.setEndpoints([C, A, B]);
  return { l, advance: (ms: number) => (t += ms) };
}

describe('LoadBalancer', () => {
  it('round robin over the endpoints sorted by ip:port', () => {
    const { l } = lb();
    expect([1, 2, 3, 4].map(() => l.next('10.244.2.11')?.ip)).toEqual(['10.244.1.39', '10.244.1.40', '10.244.2.33', '10.244.1.39']);
  });

  it('ClientIP affinity keeps a client on one endpoint until the timeout lapses', () => {
    const { l, advance } = lb({ affinitySeconds: 10 });
    const first = l.next('10.244.2.11')!;
    expect(l.next('10.244.2.11')).toBe(first);
    expect(l.next('10.244.2.12')).not.toBe(first);
    advance(9_000);
    expect(l.next('10.244.2.11')).toBe(first); // used again: the timeout restarts
    advance(10_001);
    expect(l.next('10.244.2.11')).not.toBe(first);
  });

  it('a reset (after a failed attempt) and an excluded endpoint bypass affinity', () => {
    const { l } = lb({ affinitySeconds: 10800 });
    const first = l.next('c')!;
    expect(l.next('c', true)).not.toBe(first);
    const pinned = l.next('c')!;
    expect(l.next('c', false, new Set([pinned.endpoint]))).not.toBe(pinned);
  });

  it('a failing endpoint is skipped for a while, longer each time; a success clears it', () => {
    const { l, advance } = lb({ scheduler: 'lc' });
    l.failed(A.endpoint);
    expect(l.isFailing(A.endpoint)).toBe(true);
    expect(l.next('c')).toBe(B);
    advance(1001);
    expect(l.next('c')).toBe(A);
    l.failed(A.endpoint);
    advance(1001);
    expect(l.isFailing(A.endpoint)).toBe(true); // 2 s the second time
    advance(1000);
    expect(l.isFailing(A.endpoint)).toBe(false);
    l.failed(A.endpoint);
    l.succeeded(A.endpoint);
    expect(l.isFailing(A.endpoint)).toBe(false);
  });

  it('counts open connections for lc: the idle endpoint wins', () => {
    const { l } = lb({ scheduler: 'lc' });
    l.opened(A.endpoint);
    l.opened(B.endpoint);
    expect(l.next('c')).toBe(C);
    l.opened(C.endpoint);
    l.opened(C.endpoint);
    l.closed(A.endpoint);
    expect(l.next('c')).toBe(A);
    expect([l.activeConnections(A.endpoint), l.activeConnections(C.endpoint)]).toEqual([0, 2]);
  });

  it('closed connections count as inactive for two minutes: back-to-back short connections spread under lc', () => {
    const { l, advance } = lb({ scheduler: 'lc' });
    const seen: string[] = [];
    for (let i = 0; i < 6; i++) {
      const b = l.next('c')!;
      l.opened(b.endpoint);
      l.closed(b.endpoint);
      seen.push(b.ip);
    }
    expect(seen).toEqual(['10.244.1.39', '10.244.1.40', '10.244.2.33', '10.244.1.39', '10.244.1.40', '10.244.2.33']);
    expect(l.inactiveConnections(A.endpoint)).toBe(2);
    advance(120_001);
    expect(l.inactiveConnections(A.endpoint)).toBe(0);
  });

  it('setEndpoints returns the endpoints that went away and forgets their affinity', () => {
    const { l } = lb({ affinitySeconds: 60 });
    const pinned = l.next('c')!;
    const gone = l.setEndpoints([A, B, C].filter((b) => b !== pinned));
    expect(gone).toEqual([pinned]);
    expect(l.next('c')).not.toBe(pinned);
    expect(l.setEndpoints([])).toHaveLength(2);
    expect(l.next('c')).toBeUndefined();
  });
});
