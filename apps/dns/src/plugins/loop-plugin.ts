/**
 * The `loop` plugin (CoreDNS plugin/loop): at start the server sends itself a query for a random
 * name, `<n>.<n>. HINFO`, through its own chain and on to the upstreams. Seeing that query come
 * back more than twice means the upstreams forward to us: a loop, reported through `onLoop`
 * (CoreDNS exits; so does minimesh-dns). Probing goes on for up to 30 s until one exchange has
 * succeeded, then stops. Only that count reports a loop, as in CoreDNS, and the probe itself
 * arriving from one of our own forwarding sockets (the upstream is this server). Besides, a UDP query
 * arriving from one of our own forwarding sockets has looped and is answered SERVFAIL at once,
 * without stopping the server: such a query could be anything sent from that address and port
 * (a TCP connection may have the same port number by chance: TCP and UDP ports are apart).
 */
import { Rcode, messageResponse, reply, type DnsRequest, type Plugin, type Remote } from '@minimesh/dns-core';

export const LOOP_PLUGIN = 'loop';

export interface LoopDetector {
  readonly plugin: Plugin;
  readonly probeName: string;
  /** Sends probes (through `send`) until one succeeds or `windowMs` has passed. */
  probe(send: (name: string) => Promise<boolean>, opts?: { windowMs?: number; intervalMs?: number }): Promise<void>;
  /** Counts another process's probes (a --workers sibling's) for `windowMs`, sending none. */
  watch(windowMs?: number): void;
  stop(): void;
}

export interface LoopOptions {
  onLoop: (message: string) => void;
  /** True when a query from `remote` over `proto` came from one of this process's forwarding sockets (see ownForwarderCheck). */
  isOwnForwarder?: (remote: Remote, proto: 'udp' | 'tcp') => boolean;
  /** The server's address, for the message. */
  server: string;
  /** The name to probe with (one for all --workers: whichever gets the echo counts it); default random. */
  probeName?: string;
}

/**
 * Whether a query came from one of the forwarding sockets: over UDP (they are UDP sockets), from
 * one of their `ports`, from an address of this host.
 */
export function ownForwarderCheck(ports: () => ReadonlySet<number>, localAddresses: ReadonlySet<string>): (remote: Remote, proto: 'udp' | 'tcp') => boolean {
  return (remote, proto) => proto === 'udp' && ports().has(remote.port) && localAddresses.has(remote.address);
}

/** A probe name as CoreDNS makes them: `<n>.<n>.` of two random numbers. */
export const randomProbeName = () => `${randomLabel()}.${randomLabel()}.`;

const randomLabel = () => String(Math.floor(Math.random() * 2 ** 52));

export function loopDetector(o: LoopOptions): LoopDetector {
  const probeName = o.probeName ?? randomProbeName();
  let seen = 0;
  let disabled = false;
  let reported = false;
  let timer: NodeJS.Timeout | undefined;
  const report = (req: DnsRequest) => {
    if (reported) return;
    reported = true;
    o.onLoop(
      `Loop (${req.remote.address}:${req.remote.port} -> ${o.server}) detected for zone ".", see https://coredns.io/plugins/loop#troubleshooting. Query: "HINFO ${probeName}"`,
    );
  };
  const servfail = () => messageResponse(LOOP_PLUGIN, reply(Rcode.SERVFAIL));

  const plugin: Plugin = {
    name: LOOP_PLUGIN,
    setup: (next) => async (req) => {
      const probe = !disabled && req.question.type === 'HINFO' && req.question.name.toLowerCase() === probeName;
      if (!req.internal && o.isOwnForwarder?.(req.remote, req.proto)) {
        // Our own probe, back from our own forwarding socket: the upstream is this server (CoreDNS
        // would see the probe come round again and again, counting to three): a loop.
        if (probe) report(req);
        return servfail();
      }
      if (!probe) return next(req);
      seen++;
      if (seen > 2) {
        report(req);
        return servfail();
      }
      return next(req);
    },
  };

  return {
    plugin,
    probeName,
    async probe(send, opts = {}) {
      const deadline = Date.now() + (opts.windowMs ?? 30_000);
      const interval = opts.intervalMs ?? 1000;
      while (!disabled && Date.now() < deadline) {
        seen = 0;
        if (await send(probeName)) {
          // Late echoes of a loop still count for a moment.
          await new Promise<void>((r) => {
            timer = setTimeout(r, Math.min(2000, interval * 2));
            timer.unref();
          });
          break;
        }
        await new Promise<void>((r) => {
          timer = setTimeout(r, interval);
          timer.unref();
        });
      }
      disabled = true;
    },
    watch(windowMs = 30_000) {
      timer = setTimeout(() => (disabled = true), windowMs);
      timer.unref();
    },
    stop() {
      disabled = true;
      clearTimeout(timer);
    },
  };
}
