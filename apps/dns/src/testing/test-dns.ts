/** minimesh-dns in-process on loopback with free ports, for tests. */
import { createLogger, parseFlags } from '@minimesh/runtime';
import { startDnsApp, type DnsApp } from '../app.js';

export type { DnsApp };
import { DNS_FLAGS, type DnsOptions } from '../options.js';

/** Nothing listens there: forwarding fails fast and stays on this machine. */
export const DEAD_UPSTREAM = '127.0.0.1:1';

export function testOptions(apiAddress: string, overrides: Partial<DnsOptions> = {}): DnsOptions {
  return {
    ...parseFlags(DNS_FLAGS, [], {}).values,
    server: apiAddress,
    listen: '127.0.0.1:0',
    'health-listen': '127.0.0.1:0',
    'ready-listen': '127.0.0.1:0',
    'metrics-listen': '127.0.0.1:0',
    upstreams: DEAD_UPSTREAM,
    'forward-timeout': 0.5,
    'loop-detect': false,
    'register-service': false,
    'local-ips': '127.0.0.1',
    lameduck: 0,
    ...overrides,
  };
}

export async function startTestDns(apiAddress: string, overrides: Partial<DnsOptions> = {}, onLoop?: (m: string) => void): Promise<DnsApp> {
  const level = (process.env.MINIMESH_LOG_LEVEL as 'debug' | undefined) ?? 'error';
  return startDnsApp(testOptions(apiAddress, overrides), { log: createLogger('dns', { level }), onLoop });
}
