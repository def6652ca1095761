import { createServer } from 'node:net';

/** A TCP port free on 127.0.0.1 right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/**
 * A `--*-listen` / `--*-bind-address` value: `host:port` (IPv4, `[IPv6]` or a name; port 0-65535,
 * 0 picking a free one), or `unix:///path` where `unixAllowed`. Returns it, or throws with the reason.
 */
export function parseListenAddress(raw: string, unixAllowed = false): string {
  if (raw.startsWith('unix://')) {
    if (!unixAllowed) throw new Error(`"${raw}": a unix socket is not accepted here`);
    if (raw.length <= 'unix://'.length) throw new Error(`"${raw}" has no socket path`);
    return raw;
  }
  const i = raw.lastIndexOf(':');
  if (i <= 0) throw new Error(`"${raw}" is not host:port`);
  const port = raw.slice(i + 1);
  if (!/^\d+$/.test(port) || Number(port) > 65535) throw new Error(`"${raw}" has no valid port (0-65535)`);
  return raw;
}

/** A comma-separated list of listen addresses. */
export function parseListenAddresses(raw: string, unixAllowed = false): string {
  const parts = raw.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (parts.length === 0) throw new Error('no address given');
  for (const p of parts) parseListenAddress(p, unixAllowed);
  return raw;
}
