/** A fake upstream DNS server on loopback: tests never reach a real resolver. */
import dgram from 'node:dgram';
import net from 'node:net';
import dnsPacket from 'dns-packet';

export interface FakeUpstream {
  address: string;
  port: number;
  /** Queries received, `name TYPE`, in order. */
  received: string[];
  /** A records it knows: name (no trailing dot, lower-case) → addresses. */
  records: Map<string, string[]>;
  /** When set, queries are relayed there instead of answered (to build loops). */
  relayTo?: string;
  close(): Promise<void>;
}

/** A UDP+TCP DNS server on 127.0.0.1 answering A from `records` (TTL 60) and NXDOMAIN (SOA TTL 10) otherwise. */
export async function startFakeUpstream(records: Record<string, string[]> = {}): Promise<FakeUpstream> {
  const udp = dgram.createSocket('udp4');
  await new Promise<void>((r) => udp.bind(0, '127.0.0.1', () => r()));
  const port = udp.address().port;
  const up: FakeUpstream = {
    address: `127.0.0.1:${port}`,
    port,
    received: [],
    records: new Map(Object.entries(records).map(([k, v]) => [k.toLowerCase(), v])),
    close: async () => {
      await new Promise<void>((r) => udp.close(() => r()));
      await new Promise<void>((r) => tcp.close(() => r()));
    },
  };
  const answer = (msg: Buffer): Buffer => {
    const q = dnsPacket.decode(msg);
    const question = q.questions?.[0];
    up.received.push(`${question?.name} ${question?.type}`);
    const found = question ? up.records.get(question.name.toLowerCase()) : undefined;
    const base = { type: 'response' as const, id: q.id, flags: dnsPacket.RECURSION_DESIRED | dnsPacket.RECURSION_AVAILABLE, questions: q.questions };
    if (found && question?.type === 'A') {
      return dnsPacket.encode({ ...base, answers: found.map((data) => ({ name: question.name, type: 'A' as const, ttl: 60, data })) });
    }
    const soa = { name: 'example', type: 'SOA' as const, ttl: 10, data: { mname: 'ns.example', rname: 'hostmaster.example', serial: 1, refresh: 1, retry: 1, expire: 1, minimum: 10 } };
    return dnsPacket.encode({ ...base, flags: base.flags | (found ? 0 : 3), authorities: [soa] });
  };
  udp.on('message', (msg, rinfo) => {
    if (up.relayTo) {
      const [h, p] = [up.relayTo.slice(0, up.relayTo.lastIndexOf(':')), Number(up.relayTo.slice(up.relayTo.lastIndexOf(':') + 1))];
      const relay = dgram.createSocket('udp4');
      let open = true;
      const done = () => {
        if (open) relay.close();
        open = false;
      };
      relay.on('message', (back) => {
        done();
        // The test may have closed this upstream while the relayed answer was on its way.
        try {
          udp.send(back, rinfo.port, rinfo.address);
        } catch {
          /* closed */
        }
      });
      relay.send(msg, p, h);
      setTimeout(done, 3000).unref();
      up.received.push('relayed');
      return;
    }
    udp.send(answer(msg), rinfo.port, rinfo.address);
  });
  const tcp = net.createServer((c) => {
    let buf = Buffer.alloc(0);
    c.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        const out = answer(buf.subarray(2, 2 + buf.readUInt16BE(0)));
        const len = Buffer.alloc(2);
        len.writeUInt16BE(out.length);
        c.end(Buffer.concat([len, out]));
      }
    });
    c.on('error', () => c.destroy());
  });
  await new Promise<void>((r) => tcp.listen(port, '127.0.0.1', () => r()));
  return up;
}
