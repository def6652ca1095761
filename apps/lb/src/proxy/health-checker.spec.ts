import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { HealthChecker } from './health-checker.js';

const servers: http.Server[] = [];
afterEach(() => {
  while (servers.length) servers.pop()!.close();
});

async function target(status: { code: number }): Promise<string> {
  const s = http.createServer((_req, res) => res.writeHead(status.code).end());
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  servers.push(s);
  return `http://127.0.0.1:${(s.address() as AddressInfo).port}/`;
}

describe('HealthChecker', () => {
  it('probes real HTTP targets: 200 passes, anything else or no answer fails', async () => {
    const good = await target({ code: 200 });
    const bad = await target({ code: 503 });
    const hc = new HealthChecker({ timeoutMs: 300 });
    hc.setTargets([good, bad, 'http://127.0.0.1:1/']);
    await hc.probeAll();
    expect([hc.healthy(good), hc.healthy(bad), hc.healthy('http://127.0.0.1:1/')]).toEqual([true, false, false]);
  });

  it('a target leaves after `fall` failures in a row and returns after `rise` passes', async () => {
    let up = true;
    const changes: string[] = [];
    const hc = new HealthChecker({ fall: 2, rise: 2, probe: async () => up, onChange: (u, h) => changes.push(`${u} ${h}`) });
    hc.setTargets(['n1']);
    await hc.probeAll();
    expect(hc.healthy('n1')).toBe(true);
    up = false;
    await hc.probeAll();
    expect(hc.healthy('n1')).toBe(true); // one failure is not enough
    await hc.probeAll();
    expect(hc.healthy('n1')).toBe(false);
    up = true;
    await hc.probeAll();
    expect(hc.healthy('n1')).toBe(false);
    await hc.probeAll();
    expect(hc.healthy('n1')).toBe(true);
    expect(changes).toEqual(['n1 true', 'n1 false', 'n1 true']);
  });

  it('targets no longer wanted are dropped; new ones start unknown (unhealthy) until probed', async () => {
    const hc = new HealthChecker({ probe: async () => true });
    hc.setTargets(['a']);
    await hc.probeAll();
    hc.setTargets(['b']);
    expect([hc.healthy('a'), hc.healthy('b')]).toEqual([false, false]);
    await hc.probeAll();
    expect(hc.healthy('b')).toBe(true);
  });

  it('runs on its own every interval', async () => {
    let probes = 0;
    const hc = new HealthChecker({ intervalMs: 20, probe: async () => (probes++, true) });
    hc.setTargets(['x']);
    hc.start();
    await new Promise((r) => setTimeout(r, 150));
    hc.stop();
    expect(probes).toBeGreaterThanOrEqual(4);
  });
});
