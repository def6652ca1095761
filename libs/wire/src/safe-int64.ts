/**
 * int64 on the wire and numbers in JavaScript. The generated code holds every int64 field as a
 * number, which is exact only within ±(2^53-1) (Number.MAX_SAFE_INTEGER); a larger value cannot
 * be decoded (the generated code throws) and would not be the value sent if it were. So:
 *
 * - a request carrying such a value is refused (`UnsafeInt64Error`, read by `SafeInt64Reader`),
 *   as the REST API refuses the same number in JSON;
 * - an answer never carries one (`SafeInt64Writer` writes the nearest value within the range): an
 *   object stored before writes were checked can still be read by every client, instead of
 *   failing every read of its kind.
 */
import { BinaryReader, BinaryWriter } from '@minimesh/proto';

export const MAX_INT64_HELD = Number.MAX_SAFE_INTEGER;

export class UnsafeInt64Error extends Error {
  constructor(readonly value: string) {
    super(`int64 value ${value} is out of range: integers must be between ${-MAX_INT64_HELD} and ${MAX_INT64_HELD}`);
  }
}

function checked<T extends bigint | string>(v: T): T {
  const n = typeof v === 'bigint' ? v : BigInt(v);
  if (n > BigInt(MAX_INT64_HELD) || n < BigInt(-MAX_INT64_HELD)) throw new UnsafeInt64Error(String(v));
  return v;
}

/** A reader that refuses every 64-bit integer a number cannot hold exactly. */
export class SafeInt64Reader extends BinaryReader {
  override int64(): bigint | string {
    return checked(super.int64());
  }
  override uint64(): bigint | string {
    return checked(super.uint64());
  }
  override sint64(): bigint | string {
    return checked(super.sint64());
  }
  override fixed64(): bigint | string {
    return checked(super.fixed64());
  }
  override sfixed64(): bigint | string {
    return checked(super.sfixed64());
  }
}

function held(v: string | number | bigint): string | number | bigint {
  if (typeof v !== 'number' || Number.isNaN(v)) return v;
  return Math.max(-MAX_INT64_HELD, Math.min(MAX_INT64_HELD, Math.trunc(v)));
}

/** A writer that writes a number beyond ±(2^53-1) in a 64-bit field as the nearest bound. */
export class SafeInt64Writer extends BinaryWriter {
  override int64(v: string | number | bigint): this {
    return super.int64(held(v));
  }
  override uint64(v: string | number | bigint): this {
    return super.uint64(held(v));
  }
  override sint64(v: string | number | bigint): this {
    return super.sint64(held(v));
  }
  override fixed64(v: string | number | bigint): this {
    return super.fixed64(held(v));
  }
  override sfixed64(v: string | number | bigint): this {
    return super.sfixed64(held(v));
  }
}
