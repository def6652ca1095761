/** Queries the server makes itself (ExternalName targets, the loop probe), with dns-packet. */
import dnsPacket from 'dns-packet';

export function encodeQuery(name: string, type: string, opts: { id?: number; recursionDesired?: boolean; udpSize?: number } = {}): Uint8Array {
  const bare = name.endsWith('.') && name !== '.' ? name.slice(0, -1) : name === '.' ? '' : name;
  return dnsPacket.encode({
    type: 'query',
    id: opts.id ?? Math.floor(Math.random() * 0x10000),
    flags: opts.recursionDesired === false ? 0 : dnsPacket.RECURSION_DESIRED,
    questions: [{ name: bare, type: type as dnsPacket.RecordType, class: 'IN' }],
    additionals: opts.udpSize ? [{ type: 'OPT', name: '.', udpPayloadSize: opts.udpSize, flags: 0 } as dnsPacket.Answer] : [],
  });
}
