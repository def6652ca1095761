/**
 * Netlink messages as the kernel's nfnetlink subsystems take them, written straight into one
 * growing buffer (as libmnl does): a 16-byte nlmsghdr, the 4-byte nfgenmsg (family, version 0,
 * resource id), then attributes — each a 4-byte header (length, type; NLA_F_NESTED on nested ones)
 * and its payload padded to 4 bytes (include/uapi/linux/netlink.h, netfilter/nfnetlink.h). A
 * message's and a nest's length are filled in when they end. Numbers inside nf_tables attributes
 * are big-endian; the headers are in host order.
 */
import { endianness } from 'node:os';

export const NLM_F_REQUEST = 0x1;
export const NLM_F_EXCL = 0x200;
export const NLM_F_CREATE = 0x400;
export const NLM_F_APPEND = 0x800;
const NLA_F_NESTED = 0x8000;
const LE = endianness() === 'LE';

export class NetlinkWriter {
  private buf: Buffer;
  private at = 0;
  private message = -1;
  private seq: number;
  /** Bytes written so far. */
  get length(): number {
    return this.at;
  }

  /** Messages written so far. */
  count = 0;
  /** A nested attribute grew past the 65,535 bytes its length can say: the messages are unusable. */
  overflowed = false;

  /** `sizeHint`: the bytes expected (the buffer grows past it by doubling). */
  constructor(firstSeq: number, sizeHint = 4096) {
    this.seq = firstSeq;
    this.buf = Buffer.allocUnsafe(Math.max(4096, sizeHint));
  }

  /** Starts a message; `resId` is nfgenmsg.res_id (the subsystem, for batch messages). */
  begin(type: number, flags: number, family: number, resId = 0): this {
    this.room(20);
    this.message = this.at;
    this.u32(0);
    this.u16(type);
    this.u16(flags);
    this.u32(this.seq++);
    this.u32(0);
    this.buf[this.at++] = family;
    this.buf[this.at++] = 0;
    this.buf.writeUInt16BE(resId, this.at);
    this.at += 2;
    return this;
  }

  /** Ends the message begun last (its length filled in). */
  end(): this {
    this.patch32(this.message, this.at - this.message);
    this.count++;
    return this;
  }

  bytes(type: number, value: Uint8Array): this {
    const len = 4 + value.length;
    this.room(len + 3);
    this.u16(len);
    this.u16(type);
    this.buf.set(value, this.at);
    this.at += value.length;
    this.pad();
    return this;
  }

  u32be(type: number, n: number): this {
    this.room(8);
    this.u16(8);
    this.u16(type);
    const b = this.buf;
    const at = this.at;
    b[at] = n >>> 24;
    b[at + 1] = (n >>> 16) & 0xff;
    b[at + 2] = (n >>> 8) & 0xff;
    b[at + 3] = n & 0xff;
    this.at = at + 4;
    return this;
  }

  u64be(type: number, n: number): this {
    this.room(12);
    this.u16(12);
    this.u16(type);
    this.buf.writeBigUInt64BE(BigInt(n), this.at);
    this.at += 8;
    return this;
  }

  /**
   * A nested attribute holding NFTA_DATA_VALUE (type 1) of `len` bytes: `n` big-endian (network
   * order), or in the host's order with `host` (registers compared with fib results, numgen).
   */
  value(type: number, n: number, len: 1 | 2 | 3 | 4, host = false): this {
    this.room(12);
    this.u16(12);
    this.u16(type | NLA_F_NESTED);
    this.u16(4 + len);
    this.u16(1);
    if (host) this.patch32(this.at, n);
    else this.buf.writeUIntBE(n >>> 0, this.at, len);
    this.at += len;
    this.pad();
    return this;
  }

  /** A NUL-terminated string, as nf_tables names are sent. */
  str(type: number, s: string): this {
    // Names are short and ASCII: copied a char at a time, cheaper than an encoder call each.
    this.room(4 + 3 * s.length + 1 + 3);
    const start = this.at;
    this.at += 4;
    let ascii = true;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c > 0x7f) {
        ascii = false;
        break;
      }
      this.buf[this.at + i] = c;
    }
    this.at += ascii ? s.length : this.buf.write(s, this.at, 'utf8');
    this.buf[this.at++] = 0;
    this.patch16(start, this.at - start);
    this.patch16(start + 2, type);
    this.pad();
    return this;
  }

  /**
   * nft's user data holding one comment (libnftnl's TLV: type 0, length, the text and a NUL),
   * as the attribute `type`. The caller checked the text is at most 254 bytes.
   */
  comment(type: number, text: string): this {
    const len = Buffer.byteLength(text) + 1;
    this.room(4 + 2 + len + 3);
    this.u16(4 + 2 + len);
    this.u16(type);
    this.buf[this.at++] = 0;
    this.buf[this.at++] = len;
    this.at += this.buf.write(text, this.at, 'utf8');
    this.buf[this.at++] = 0;
    this.pad();
    return this;
  }

  /** Opens a nested attribute; close it with `close(token)`. */
  open(type: number): number {
    this.room(4);
    const start = this.at;
    this.u16(0);
    this.u16(type | NLA_F_NESTED);
    return start;
  }

  close(start: number): this {
    if (this.at - start > 0xffff) this.overflowed = true;
    this.patch16(start, this.at - start);
    return this;
  }

  /** The messages written (the writer is done with). */
  finish(): Buffer {
    return this.buf.subarray(0, this.at);
  }

  private room(n: number): void {
    if (this.at + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.at + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.at);
    this.buf = next;
  }

  private pad(): void {
    while (this.at % 4 !== 0) this.buf[this.at++] = 0;
  }

  private u16(n: number): void {
    this.patch16(this.at, n);
    this.at += 2;
  }

  private u32(n: number): void {
    this.patch32(this.at, n);
    this.at += 4;
  }

  private patch16(at: number, n: number): void {
    const b = this.buf;
    if (LE) {
      b[at] = n & 0xff;
      b[at + 1] = n >>> 8;
    } else {
      b[at] = n >>> 8;
      b[at + 1] = n & 0xff;
    }
  }

  private patch32(at: number, n: number): void {
    if (LE) this.buf.writeUInt32LE(n >>> 0, at);
    else this.buf.writeUInt32BE(n >>> 0, at);
  }
}

/** A 32-bit number in the host's byte order (registers compared with fib results, numgen). */
export function u32host(n: number): Uint8Array {
  const b = Buffer.alloc(4);
  if (LE) b.writeUInt32LE(n >>> 0);
  else b.writeUInt32BE(n >>> 0);
  return b;
}
