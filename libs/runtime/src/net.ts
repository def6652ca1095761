import { createServer, type Server } from 'node:net';

/** A TCP port free on 127.0.0.1 right now. */
export async function freePort(): Promise<number> {
  const [port] = await freePorts(1);
  return port!;
}

/**
 * `n` distinct free ports on 127.0.0.1. Each is held until all are picked: asked for one at a
 * time, the kernel may hand out a port it just gave back (two services of a cluster then collide).
 */
export async function freePorts(n: number): Promise<number[]> {
  const held: Server[] = [];
  try {
    for (let i = 0; i < n; i++) {
      const s = createServer();
      held.push(s);
      await new Promise<void>((resolve, reject) => {
        s.once('error', reject);
        s.listen(0, '127.0.0.1', () => resolve());
      });
    }
    return held.map((s) => (s.address() as { port: number }).port);
  } finally {
    await Promise.all(held.map((s) => new Promise<void>((resolve) => (s.listening ? s.close(() => resolve()) : resolve()))));
  }
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
