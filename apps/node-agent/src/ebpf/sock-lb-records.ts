/**
 * The bytes of the socket load balancer's map entries, as the C structs in bpf/sock-lb-maps.h lay
 * them out: IPs and ports in network byte order, the other fields little-endian (x86-64, arm64).
 *
 *   frontend key   ip(4) port(2) protocol(1) scope(1: 0 socket, 1 north-south)  8 bytes
 *   frontend       set(u32) count(u16) flags(u16) affinity seconds(u32)      12 bytes
 *   backend key    set(u32) slot(u32)                                         8 bytes
 *   backend        ip(4) port(2) flags(2: 1 on this node)                     8 bytes
 *
 * and the head of a request to the helper's map session (bpf/sock-lb-ctl.c describes the protocol).
 */
import { parseIPv4 } from '@minimesh/api';
import type { BackendEntry, BackendSlot, FrontendAddress, FrontendEntry, ProxyProtocol } from '@minimesh/proxy-core';

/** The maps the helper serves, in its order, with the sizes this file writes. */
export const SOCK_LB_MAPS = [
  { name: 'mm_frontends', keySize: 8, valueSize: 12 },
  { name: 'mm_backends', keySize: 8, valueSize: 8 },
  { name: 'mm_affinity', keySize: 16, valueSize: 24 },
  { name: 'mm_revnat', keySize: 16, valueSize: 8 },
  { name: 'mm_udp_flows', keySize: 16, valueSize: 24 },
] as const;
/** The helper's request ops, and the flag that skips a write after a failed one (bpf/sock-lb-ctl.c). */
export const OP_UPDATE = 1;
export const OP_DELETE = 2;
export const OP_DUMP = 3;
export const AFTER_OK = 1;

/** A request's 12-byte head: length of what follows, op, map index, flags, record count. */
export function requestHead(op: number, map: number, flags: number, count: number, payloadLength: number): Buffer {
  const head = Buffer.alloc(12);
  head.writeUInt32LE(8 + payloadLength, 0);
  head[4] = op;
  head[5] = map;
  head.writeUInt16LE(flags, 6);
  head.writeUInt32LE(count, 8);
  return head;
}

export const FRONTENDS = 0;
/** A backend's flag: on this node (bpf/sock-lb-revnat.h). */
const BACKEND_LOCAL = 1;
export const BACKENDS = 1;

const PROTOCOL_NUMBERS: Record<ProxyProtocol, number> = { TCP: 6, UDP: 17, SCTP: 132 };
const PROTOCOLS = new Map<number, ProxyProtocol>(Object.entries(PROTOCOL_NUMBERS).map(([name, n]) => [n, name as ProxyProtocol]));

function writeIPv4(buf: Buffer, offset: number, ip: string): void {
  const n = parseIPv4(ip);
  if (n === undefined) throw new Error(`"${ip}" is not an IPv4 address`);
  buf.writeUInt32BE(n, offset);
}

const readIPv4 = (buf: Buffer, offset: number): string => `${buf[offset]}.${buf[offset + 1]}.${buf[offset + 2]}.${buf[offset + 3]}`;

function writeFrontendKey(buf: Buffer, at: number, f: FrontendAddress): void {
  writeIPv4(buf, at, f.ip);
  buf.writeUInt16BE(f.port, at + 4);
  buf[at + 6] = PROTOCOL_NUMBERS[f.protocol];
  buf[at + 7] = f.northSouth ? 1 : 0;
}

function writeBackendKey(buf: Buffer, at: number, b: BackendSlot): void {
  buf.writeUInt32LE(b.set, at);
  buf.writeUInt32LE(b.slot, at + 4);
}

/** Frontend keys and values, one record after the other. */
export function frontendRecords(entries: readonly FrontendEntry[]): Buffer {
  const buf = Buffer.allocUnsafe(entries.length * 20);
  entries.forEach((f, i) => {
    const at = i * 20;
    writeFrontendKey(buf, at, f);
    buf.writeUInt32LE(f.set, at + 8);
    buf.writeUInt16LE(f.count, at + 12);
    buf.writeUInt16LE(f.flags, at + 14);
    buf.writeUInt32LE(f.affinitySeconds, at + 16);
  });
  return buf;
}

export function frontendKeys(entries: readonly FrontendAddress[]): Buffer {
  const buf = Buffer.allocUnsafe(entries.length * 8);
  entries.forEach((f, i) => writeFrontendKey(buf, i * 8, f));
  return buf;
}

export function backendRecords(entries: readonly BackendEntry[]): Buffer {
  const buf = Buffer.allocUnsafe(entries.length * 16);
  entries.forEach((b, i) => {
    const at = i * 16;
    writeBackendKey(buf, at, b);
    writeIPv4(buf, at + 8, b.ip);
    buf.writeUInt16BE(b.port, at + 12);
    buf.writeUInt16LE(b.local ? BACKEND_LOCAL : 0, at + 14);
  });
  return buf;
}

export function backendKeys(entries: readonly BackendSlot[]): Buffer {
  const buf = Buffer.allocUnsafe(entries.length * 8);
  entries.forEach((b, i) => writeBackendKey(buf, i * 8, b));
  return buf;
}

export function parseFrontendRecords(buf: Buffer): FrontendEntry[] {
  const out: FrontendEntry[] = [];
  for (let at = 0; at + 20 <= buf.length; at += 20) {
    out.push({
      ip: readIPv4(buf, at),
      port: buf.readUInt16BE(at + 4),
      protocol: PROTOCOLS.get(buf[at + 6]!) ?? 'TCP',
      ...(buf[at + 7] === 1 ? { northSouth: true } : {}),
      set: buf.readUInt32LE(at + 8),
      count: buf.readUInt16LE(at + 12),
      flags: buf.readUInt16LE(at + 14),
      affinitySeconds: buf.readUInt32LE(at + 16),
    });
  }
  return out;
}

export function parseBackendRecords(buf: Buffer): BackendEntry[] {
  const out: BackendEntry[] = [];
  for (let at = 0; at + 16 <= buf.length; at += 16) {
    const b: BackendEntry = { set: buf.readUInt32LE(at), slot: buf.readUInt32LE(at + 4), ip: readIPv4(buf, at + 8), port: buf.readUInt16BE(at + 12) };
    out.push(buf.readUInt16LE(at + 14) & BACKEND_LOCAL ? { ...b, local: true } : b);
  }
  return out;
}
