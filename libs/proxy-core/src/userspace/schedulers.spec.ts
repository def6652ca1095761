import { describe, expect, it } from 'vitest';
import { hash32to8, newScheduler, parseUserspaceScheduler, UnknownSchedulerError, USERSPACE_SCHEDULERS, type Candidate } from './schedulers.js';

const cand = (ip: string, active = 0, extra: Partial<Candidate> = {}): Candidate => ({ endpoint: `${ip}:80`, ip, active, ...extra });
const A = cand('10.244.1.39');
const B = cand('10.244.1.40');
const C = cand('10.244.2.33');
const ctx = { clientIP: '10.244.2.11', destinationIP: '10.97.97.97' };

function picks(name: (typeof USERSPACE_SCHEDULERS)[number], cands: Candidate[], n: number, c = ctx): string[] {
  const s = newScheduler(name);
  return Array.from({ length: n }, () => s.pick(cands, c)?.ip ?? 'none');
}

describe('userspace schedulers', () => {
  it('knows the six names and refuses others with the list', () => {
    expect(USERSPACE_SCHEDULERS).toEqual(['rr', 'lc', 'dh', 'sh', 'sed', 'nq']);
    expect(parseUserspaceScheduler(' sh ')).toBe('sh');
    expect(() => parseUserspaceScheduler('wrr')).toThrow(new UnknownSchedulerError('wrr'));
    expect(() => parseUserspaceScheduler('wrr')).toThrow('unknown scheduler "wrr": must be one of rr, lc, dh, sh, sed, nq');
  });

  it('rr takes the endpoints in turn and keeps its place when the list changes', () => {
    expect(picks('rr', [A, B, C], 6)).toEqual(['10.244.1.39', '10.244.1.40', '10.244.2.33', '10.244.1.39', '10.244.1.40', '10.244.2.33']);
    const s = newScheduler('rr');
    expect(s.pick([A, B, C], ctx)?.ip).toBe('10.244.1.39');
    expect(s.pick([A, B, C], ctx)?.ip).toBe('10.244.1.40');
    // B goes away: the next after B is C, not A again.
    expect(s.pick([A, C], ctx)?.ip).toBe('10.244.2.33');
    expect(s.pick([A, C], ctx)?.ip).toBe('10.244.1.39');
  });

  it('lc picks the least active * 256 + inactive, the first of equals', () => {
    expect(picks('lc', [cand('10.0.0.1', 3), cand('10.0.0.2', 1), cand('10.0.0.3', 1)], 1)).toEqual(['10.0.0.2']);
    expect(picks('lc', [cand('10.0.0.1', 0), cand('10.0.0.2', 0)], 1)).toEqual(['10.0.0.1']);
    // Recently closed connections count a little: a tie on active goes to the fewer inactive.
    expect(picks('lc', [cand('10.0.0.1', 1, { inactive: 5 }), cand('10.0.0.2', 1, { inactive: 2 })], 1)).toEqual(['10.0.0.2']);
    // ...but one active connection outweighs 255 inactive ones.
    expect(picks('lc', [cand('10.0.0.1', 0, { inactive: 255 }), cand('10.0.0.2', 1)], 1)).toEqual(['10.0.0.1']);
  });

  it('sed picks the smallest (active + 1) / weight; nq an idle one first', () => {
    const heavy = cand('10.0.0.1', 2, { weight: 3 }); // (2+1)/3 = 1
    const light = cand('10.0.0.2', 1, { weight: 1 }); // (1+1)/1 = 2
    expect(picks('sed', [light, heavy], 1)).toEqual(['10.0.0.1']);
    const idle = cand('10.0.0.3', 0, { weight: 1 }); // (0+1)/1 = 1, ties with heavy; heavy is first
    expect(picks('sed', [heavy, light, idle], 1)).toEqual(['10.0.0.1']);
    expect(picks('nq', [heavy, light, idle], 1)).toEqual(['10.0.0.3']);
    expect(picks('nq', [heavy, light], 1)).toEqual(['10.0.0.1']);
  });

  it('sh maps one client to one endpoint, and clients spread over the endpoints', () => {
    const seen = new Set<string>();
    for (let i = 1; i <= 40; i++) {
      const c = { clientIP: `10.244.2.${i}`, destinationIP: '10.97.97.97' };
      const first = picks('sh', [A, B, C], 5, c);
      expect(new Set(first).size).toBe(1);
      seen.add(first[0]!);
    }
    expect(seen.size).toBe(3);
  });

  it('sh uses the kernel hash_32 bucket: bucket b holds endpoint b mod n', () => {
    const bucket = hash32to8(0x0af4020b); // 10.244.2.11
    expect(bucket).toBe(Number((BigInt(0x0af4020b) * 0x61c88647n) % 2n ** 32n >> 24n));
    expect(newScheduler('sh').pick([A, B, C], ctx)).toBe([A, B, C][bucket % 3]);
  });

  it('dh maps one destination to one endpoint, whoever the client', () => {
    const one = new Set<string>();
    for (let i = 1; i <= 20; i++) one.add(newScheduler('dh').pick([A, B, C], { clientIP: `10.244.2.${i}`, destinationIP: '10.97.97.97' })!.ip);
    expect(one.size).toBe(1);
    const dests = new Set<string>();
    for (let i = 1; i <= 40; i++) dests.add(newScheduler('dh').pick([A, B, C], { clientIP: '10.244.2.11', destinationIP: `10.96.0.${i}` })!.ip);
    expect(dests.size).toBe(3);
  });

  it('passes over failing endpoints, but uses them when nothing else is left', () => {
    const failing = { ...B, failing: true };
    for (const name of USERSPACE_SCHEDULERS) {
      const got = new Set(picks(name, [failing, C], 6));
      expect(got, name).toEqual(new Set(['10.244.2.33']));
      expect(newScheduler(name).pick([failing], ctx)?.ip, name).toBe('10.244.1.40');
      expect(newScheduler(name).pick([], ctx), name).toBeUndefined();
    }
  });

  it('the hash schedulers walk on from an unusable bucket to the next one', () => {
    const s = newScheduler('sh');
    const home = s.pick([A, B, C], ctx)!;
    const marked = [A, B, C].map((c) => (c === home ? { ...c, failing: true } : c));
    const other = s.pick(marked, ctx)!;
    expect(other.ip).not.toBe(home.ip);
    expect(s.pick(marked, ctx)).toBe(other);
  });
});
