/** A small DNS client for tests (dns-packet, UDP or TCP) and a dig-like view of replies. */
import dgram from 'node:dgram';
import net from 'node:net';
import dnsPacket from 'dns-packet';

export interface QueryOptions {
  tcp?: boolean;
  /** Adds an OPT record with this payload size. */
  udpSize?: number;
  id?: number;
  timeoutMs?: number;
}

/** A decoded reply (dns-packet returns the RCODE as text, which its types leave out) and its size. */
export type Reply = dnsPacket.DecodedPacket & { rcode: string; bytes: number };

export function decodeReply(b: Uint8Array): Reply {
  return Object.assign(dnsPacket.decode(Buffer.from(b.buffer, b.byteOffset, b.byteLength)), { bytes: b.length }) as Reply;
}

/** Sends one query to `address` (host:port) and decodes the reply. */
export function query(address: string, name: string, type: string, o: QueryOptions = {}): Promise<Reply> {
  const i = address.lastIndexOf(':');
  const host = address.slice(0, i);
  const port = Number(address.slice(i + 1));
  const packet = dnsPacket.encode({
    type: 'query',
    id: o.id ?? Math.floor(Math.random() * 0x10000),
    flags: dnsPacket.RECURSION_DESIRED,
    questions: [{ name, type: type as dnsPacket.RecordType }],
    additionals: o.udpSize ? [{ type: 'OPT', name: '.', udpPayloadSize: o.udpSize } as dnsPacket.Answer] : [],
  });
  const timeoutMs = o.timeoutMs ?? 3000;
  return new Promise((resolve, reject) => {
    if (o.tcp) {
      const sock = net.connect({ host, port });
      const timer = setTimeout(() => (sock.destroy(), reject(new Error(`no TCP reply for ${name} ${type}`))), timeoutMs);
      let buf = Buffer.alloc(0);
      sock.on('connect', () => sock.write(dnsPacket.streamEncode(dnsPacket.decode(packet))));
      sock.on('data', (d: Buffer) => {
        buf = Buffer.concat([buf, d]);
        if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
          clearTimeout(timer);
          sock.destroy();
          resolve(decodeReply(buf.subarray(2, 2 + buf.readUInt16BE(0))));
        }
      });
      sock.on('error', (e) => (clearTimeout(timer), reject(e)));
      return;
    }
    const sock = dgram.createSocket('udp4');
    const timer = setTimeout(() => (sock.close(), reject(new Error(`no UDP reply for ${name} ${type}`))), timeoutMs);
    sock.on('message', (msg) => {
      clearTimeout(timer);
      sock.close();
      resolve(decodeReply(msg));
    });
    sock.send(packet, port, host);
  });
}

/** `name ttl IN TYPE data` for the answers of a reply, like dig +noall +answer. */
export function answers(r: dnsPacket.Packet, section: 'answers' | 'authorities' | 'additionals' = 'answers'): string[] {
  return (r[section] ?? [])
    .filter((a) => a.type !== 'OPT')
    .map((a) => {
      const x = a as { name: string; ttl?: number; type: string; data: unknown };
      const d = x.data as Record<string, unknown> | string | Buffer[];
      const data =
        x.type === 'SRV'
          ? `${(d as { priority: number }).priority} ${(d as { weight: number }).weight} ${(d as { port: number }).port} ${(d as { target: string }).target}`
          : x.type === 'SOA'
            ? `${(d as { mname: string }).mname} ${(d as { rname: string }).rname}`
            : x.type === 'TXT'
              ? (d as Buffer[]).map((b) => b.toString()).join(' ')
              : String(d);
      return `${x.name} ${x.ttl} ${x.type} ${data}`;
    });
}
