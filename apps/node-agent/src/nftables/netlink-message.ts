/**
 * Netlink messages as the kernel's nfnetlink subsystems take them: a 16-byte nlmsghdr, the
 * 4-byte nfgenmsg (family, version 0, resource id), then attributes — each a 4-byte header
 * (length, type; NLA_F_NESTED on nested ones) and its payload padded to 4 bytes
 * (include/uapi/linux/netlink.h, netfilter/nfnetlink.h). Numbers inside nf_tables attributes
 * are big-endian; the headers are in host order (little-endian on the machines this runs on).
 */

import { endianness } from 'node:os';

/** One attribute: raw bytes, or attributes nested in it. */
export type NlAttr = { readonly type: number; readonly bytes: Uint8Array } | { readonly type: number; readonly nested: readonly NlAttr[] };

export interface NlMessage {
  readonly type: number;
  readonly flags: number;
  /** nfgenmsg.nfgen_family (NFPROTO_*). */
  readonly family: number;
  /** nfgenmsg.res_id, big-endian on the wire (the subsystem for batch messages). */
  readonly resId?: number;
  readonly attrs: readonly NlAttr[];
}

export const NLM_F_REQUEST = 0x1;
export const NLM_F_CREATE = 0x400;
export const NLM_F_APPEND = 0x800;
const NLA_F_NESTED = 0x8000;
const NLMSG_HDRLEN = 16;
const NFGENMSG_LEN = 4;

const align4 = (n: number) => (n + 3) & ~3;
const LE = endianness() === 'LE';

export const attr = (type: number, bytes: Uint8Array): NlAttr => ({ type, bytes });
export const nest = (type: number, nested: readonly NlAttr[]): NlAttr => ({ type, nested });

export function u32be(n: number): Uint8Array {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
}

export function u64be(n: number): Uint8Array {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt(n));
  return b;
}

/** A 32-bit number in the host's byte order (registers compared with fib results, numgen). */
export function u32host(n: number): Uint8Array {
  const b = Buffer.alloc(4);
  if (LE) b.writeUInt32LE(n >>> 0);
  else b.writeUInt32BE(n >>> 0);
  return b;
}

/** A NUL-terminated string, as nf_tables names are sent. */
export function cstr(s: string): Uint8Array {
  return Buffer.from(`${s}\0`, 'utf8');
}

function attrLength(a: NlAttr): number {
  if ('bytes' in a) return 4 + a.bytes.length;
  let len = 4;
  for (const n of a.nested) len += align4(attrLength(n));
  return len;
}

function u16(buf: Buffer, n: number, at: number): void {
  if (LE) buf.writeUInt16LE(n, at);
  else buf.writeUInt16BE(n, at);
}

function u32(buf: Buffer, n: number, at: number): void {
  if (LE) buf.writeUInt32LE(n >>> 0, at);
  else buf.writeUInt32BE(n >>> 0, at);
}

function writeAttr(buf: Buffer, at: number, a: NlAttr): number {
  const len = attrLength(a);
  u16(buf, len, at);
  if ('bytes' in a) {
    u16(buf, a.type, at + 2);
    buf.set(a.bytes, at + 4);
  } else {
    u16(buf, a.type | NLA_F_NESTED, at + 2);
    let p = at + 4;
    for (const n of a.nested) p = writeAttr(buf, p, n);
  }
  return at + align4(len);
}

function messageLength(m: NlMessage): number {
  let len = NLMSG_HDRLEN + NFGENMSG_LEN;
  for (const a of m.attrs) len += align4(attrLength(a));
  return len;
}

/** The messages back to back, numbered from `firstSeq` (the kernel echoes the number of a refused one). */
export function encodeMessages(messages: readonly NlMessage[], firstSeq: number): Buffer {
  let total = 0;
  for (const m of messages) total += messageLength(m);
  const buf = Buffer.alloc(total);
  let at = 0;
  messages.forEach((m, i) => {
    const len = messageLength(m);
    u32(buf, len, at);
    u16(buf, m.type, at + 4);
    u16(buf, m.flags, at + 6);
    u32(buf, firstSeq + i, at + 8);
    u32(buf, 0, at + 12);
    buf.writeUInt8(m.family, at + 16);
    buf.writeUInt8(0, at + 17);
    buf.writeUInt16BE(m.resId ?? 0, at + 18);
    let p = at + NLMSG_HDRLEN + NFGENMSG_LEN;
    for (const a of m.attrs) p = writeAttr(buf, p, a);
    at += len;
  });
  return buf;
}
