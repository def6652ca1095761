/**
 * The announcer against a recording `ip`/`arping`: what it runs for each apply. The speaker applies
 * after every event, so an apply that changes nothing must run (almost) nothing.
 */
import { describe, expect, it } from 'vitest';
import { createLogger, type Exec } from '@minimesh/runtime';
import { ADDRESS_LIFETIME_S, AddressAnnouncer, RENEW_AFTER_MS } from './address-announcer.js';

const log = createLogger('test', { level: 'error' });

function recordingHost(leftovers: string[] = []) {
  const commands: string[] = [];
  const exec: Exec = async (file, args) => {
    const line = `${file} ${args.join(' ')}`;
    commands.push(line);
    if (line === 'ip -o -4 addr show') return { code: 0, stdout: '2: eth0    inet 192.168.100.11/24 brd 192.168.100.255 scope global eth0\n', stderr: '' };
    if (line === 'ip -o -4 addr show dev eth0 label eth0:lb') return { code: 0, stdout: leftovers.map((ip) => `2: eth0    inet ${ip}/32 scope global eth0:lb`).join('\n'), stderr: '' };
    return { code: 0, stdout: '', stderr: '' };
  };
  return { exec, commands };
}

function announcer(host: ReturnType<typeof recordingHost>, clock: { ms: number }) {
  return new AddressAnnouncer({ exec: host.exec, log, nodeIP: () => '192.168.100.11', now: () => clock.ms });
}

const replace = (ip: string) => `ip addr replace ${ip}/32 dev eth0 label eth0:lb valid_lft ${ADDRESS_LIFETIME_S} preferred_lft ${ADDRESS_LIFETIME_S}`;

describe('AddressAnnouncer', () => {
  it('reads what an earlier speaker left once, not on every apply with nothing announced', async () => {
    const host = recordingHost();
    const a = announcer(host, { ms: 0 });
    for (let i = 0; i < 5; i++) await a.apply(new Set());
    expect(host.commands).toEqual(['ip -o -4 addr show', 'ip -o -4 addr show dev eth0 label eth0:lb']);
  });

  it('withdraws an earlier speaker\'s address it does not want, and keeps one it wants without a new gratuitous ARP', async () => {
    const host = recordingHost(['192.168.100.200', '192.168.100.201']);
    const a = announcer(host, { ms: 0 });
    expect(await a.apply(new Set(['192.168.100.201']))).toEqual([]);
    expect(host.commands.slice(2)).toEqual(['ip addr del 192.168.100.200/32 dev eth0', replace('192.168.100.201')]);
    expect(a.addresses).toEqual(['192.168.100.201']);
  });

  it('announces a new address at once with a gratuitous ARP, and renews it at most every RENEW_AFTER_MS', async () => {
    const host = recordingHost();
    const clock = { ms: 1000 };
    const a = announcer(host, clock);
    expect(await a.apply(new Set(['192.168.100.200']))).toEqual(['192.168.100.200']);
    expect(host.commands.slice(2)).toEqual([replace('192.168.100.200'), 'arping -q -U -c 1 -I eth0 -s 192.168.100.200 192.168.100.200']);
    host.commands.length = 0;

    // Events in quick succession: nothing to run.
    clock.ms += RENEW_AFTER_MS - 1;
    await a.apply(new Set(['192.168.100.200']));
    expect(host.commands).toEqual([]);

    // A second address comes meanwhile: it is announced at once, the first is not renewed yet.
    await a.apply(new Set(['192.168.100.200', '192.168.100.201']));
    expect(host.commands).toEqual([replace('192.168.100.201'), 'arping -q -U -c 1 -I eth0 -s 192.168.100.201 192.168.100.201']);
    host.commands.length = 0;

    // The next tick renews the first (no ARP: nothing moved), well within the lifetime.
    clock.ms += 1;
    await a.apply(new Set(['192.168.100.200', '192.168.100.201']));
    expect(host.commands).toEqual([replace('192.168.100.200')]);
  });

  it('with a one-second tick, an address is renewed well within its lifetime whatever events come between', async () => {
    const host = recordingHost();
    const clock = { ms: 0 };
    const a = announcer(host, clock);
    const want = new Set(['192.168.100.200']);
    await a.apply(want);
    // The worst case: an event renews just over RENEW_AFTER_MS after a tick, so the next tick
    // (a little late) finds the address too young and skips it.
    const times = Array.from({ length: 20 }, (_, k) => [k * 1000 + (k % 3) * 40, k * 1000 + RENEW_AFTER_MS + 10]).flat().sort((x, y) => x - y);
    const renewals = [0];
    for (const t of times) {
      clock.ms = t;
      const before = host.commands.length;
      await a.apply(want);
      if (host.commands.length > before) renewals.push(t);
    }
    const gaps = renewals.slice(1).map((r, i) => r - renewals[i]!);
    expect(Math.max(...gaps)).toBeGreaterThan(1000); // the case happened
    expect(Math.max(...gaps)).toBeLessThan(ADDRESS_LIFETIME_S * 1000 - 1000);
  });

  it('withdraws an address no longer won, and announces it afresh (with an ARP) when won again', async () => {
    const host = recordingHost();
    const clock = { ms: 0 };
    const a = announcer(host, clock);
    await a.apply(new Set(['192.168.100.200']));
    host.commands.length = 0;
    await a.apply(new Set());
    expect(host.commands).toEqual(['ip addr del 192.168.100.200/32 dev eth0']);
    host.commands.length = 0;
    expect(await a.apply(new Set(['192.168.100.200']))).toEqual(['192.168.100.200']);
    expect(host.commands).toEqual([replace('192.168.100.200'), 'arping -q -U -c 1 -I eth0 -s 192.168.100.200 192.168.100.200']);
  });
});
