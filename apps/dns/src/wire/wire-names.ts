/**
 * Domain names on the wire (RFC 1035 §3.1, §4.1.4): reading, with compression pointers, into
 * presentation text (`\.` and `\DDD` escapes), and writing, with an optional compression map.
 */
import { labels } from '@minimesh/dns-core';

export class WireFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WireFormatError';
  }
}

const MAX_NAME = 255;

function labelText(buf: Uint8Array, start: number, end: number): string {
  let s = '';
  for (let i = start; i < end; i++) {
    const c = buf[i]!;
    if (c === 0x2e || c === 0x5c) s += `\\${String.fromCharCode(c)}`;
    else if (c > 0x20 && c < 0x7f) s += String.fromCharCode(c);
    else s += `\\${String(c).padStart(3, '0')}`;
  }
  return s;
}

/** Reads the name at `offset`: its text (fully qualified) and where the bytes after it start. */
export function readName(buf: Uint8Array, offset: number): { name: string; end: number } {
  let name = '';
  let pos = offset;
  let end = -1;
  let jumps = 0;
  let length = 0;
  for (;;) {
    if (pos >= buf.length) throw new WireFormatError('name runs past the message');
    const len = buf[pos]!;
    if (len === 0) {
      if (end === -1) end = pos + 1;
      break;
    }
    if ((len & 0xc0) === 0xc0) {
      if (pos + 1 >= buf.length) throw new WireFormatError('truncated compression pointer');
      if (++jumps > 64) throw new WireFormatError('compression loop');
      if (end === -1) end = pos + 2;
      pos = ((len & 0x3f) << 8) | buf[pos + 1]!;
      continue;
    }
    if (len & 0xc0) throw new WireFormatError('unknown label type');
    if (pos + 1 + len > buf.length) throw new WireFormatError('label runs past the message');
    length += len + 1;
    // The root label's byte counts too: 255 octets in all at most (miekg's UnpackDomainName).
    if (length + 1 > MAX_NAME) throw new WireFormatError('name longer than 255 octets');
    name += labelText(buf, pos + 1, pos + 1 + len) + '.';
    pos += 1 + len;
  }
  return { name: name || '.', end };
}

/**
 * True when the name at `offset` ends in a compression pointer, or does not read at all: what it
 * says then depends on other bytes of the message (a pointer into the id, say).
 */
export function nameIsCompressed(buf: Uint8Array, offset: number): boolean {
  let pos = offset;
  while (pos < buf.length) {
    const len = buf[pos]!;
    if (len === 0) return false;
    if (len & 0xc0) return true;
    pos += 1 + len;
  }
  return true;
}

/** Skips the name at `offset` without decoding it. */
export function skipName(buf: Uint8Array, offset: number): number {
  let pos = offset;
  for (;;) {
    if (pos >= buf.length) throw new WireFormatError('name runs past the message');
    const len = buf[pos]!;
    if (len === 0) return pos + 1;
    if ((len & 0xc0) === 0xc0) return pos + 2;
    pos += 1 + len;
  }
}

/** The bytes of one presentation-format label (`\.`, `\\`, `\DDD` unescaped). */
export function labelBytes(label: string): number[] {
  const out: number[] = [];
  for (let i = 0; i < label.length; i++) {
    const c = label.charCodeAt(i);
    if (c === 0x5c && i + 1 < label.length) {
      const d = label.slice(i + 1, i + 4);
      if (/^\d{3}$/.test(d)) {
        out.push(Number(d) & 0xff);
        i += 3;
      } else {
        out.push(label.charCodeAt(i + 1));
        i++;
      }
    } else out.push(c & 0xff);
  }
  return out;
}

/**
 * Writes names into a buffer, pointing at earlier copies of a suffix when asked (the map keys
 * are case-sensitive, so every name keeps its letter case). `mark()`/`rollback()` undo the
 * entries added after a point, for records that turn out not to fit.
 */
export class NameWriter {
  private readonly offsets = new Map<string, number>();
  private added: string[] = [];

  write(buf: Uint8Array, offset: number, name: string, compress: boolean): number {
    if (name.includes('\\')) return this.writeEscaped(buf, offset, name, compress);
    // Fast path: no escapes, so labels are the text between dots and every suffix is a substring.
    const end = name.endsWith('.') ? name.length - 1 : name.length;
    let pos = offset;
    let start = 0;
    while (start < end) {
      const suffix = name.slice(start);
      const at = this.offsets.get(suffix);
      if (compress && at !== undefined) {
        buf[pos] = 0xc0 | (at >> 8);
        buf[pos + 1] = at & 0xff;
        return pos + 2;
      }
      if (pos < 0x3fff && at === undefined) {
        this.offsets.set(suffix, pos);
        this.added.push(suffix);
      }
      let dot = name.indexOf('.', start);
      if (dot === -1 || dot > end) dot = end;
      const len = dot - start;
      if (len > 63 || len === 0) throw new WireFormatError(`bad label in ${name}`);
      buf[pos++] = len;
      for (let i = start; i < dot; i++) buf[pos++] = name.charCodeAt(i) & 0xff;
      start = dot + 1;
    }
    buf[pos++] = 0;
    return pos;
  }

  private writeEscaped(buf: Uint8Array, offset: number, name: string, compress: boolean): number {
    const ls = labels(name);
    let pos = offset;
    for (let i = 0; i < ls.length; i++) {
      const suffix = ls.slice(i).join('.') + '.';
      const at = this.offsets.get(suffix);
      if (compress && at !== undefined) {
        buf[pos] = 0xc0 | (at >> 8);
        buf[pos + 1] = at & 0xff;
        return pos + 2;
      }
      if (pos < 0x3fff && at === undefined) {
        this.offsets.set(suffix, pos);
        this.added.push(suffix);
      }
      const bytes = labelBytes(ls[i]!);
      if (bytes.length > 63) throw new WireFormatError(`label longer than 63 octets in ${name}`);
      buf[pos++] = bytes.length;
      for (const b of bytes) buf[pos++] = b;
    }
    buf[pos++] = 0;
    return pos;
  }

  mark(): number {
    return this.added.length;
  }

  rollback(mark: number): void {
    for (const suffix of this.added.splice(mark)) this.offsets.delete(suffix);
  }
}
