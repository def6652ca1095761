/**
 * How the apiserver reads a request's bytes. The generated decode has two gaps a request must not
 * fall through:
 *
 * - an int64 a number cannot hold exactly (safe-int64.ts) makes it throw, which grpc-js answers
 *   with INTERNAL: here it is an `UndecodableRequest`, which the service answers as a bad request;
 * - it puts map entries into plain objects, where a key `__proto__` sets the prototype (or does
 *   nothing) instead of adding the key, so the key would be lost before validation could refuse
 *   it. With `keepProtoKeys`, every string `__proto__` is read as a stand-in that no decoded string
 *   can be (it holds a lone surrogate, which UTF-8 decoding never yields), and `restoreProtoKeys`
 *   turns the stand-ins of the converted object back into `__proto__`, keys and values alike.
 */
import { SafeInt64Reader } from './safe-int64.js';

const PROTO = '__proto__';
const STAND_IN = '\uD800__proto__';

class RequestReader extends SafeInt64Reader {
  constructor(
    buf: Uint8Array,
    private readonly keepProtoKeys: boolean,
  ) {
    super(buf);
  }

  override string(strict?: boolean): string {
    const s = super.string(strict);
    return this.keepProtoKeys && s === PROTO ? STAND_IN : s;
  }
}

/** A request whose bytes could not be decoded, and why. */
export class UndecodableRequest {
  constructor(readonly reason: string) {}
}

export interface RequestCodec<T> {
  decode(input: Uint8Array | InstanceType<typeof SafeInt64Reader>, length?: number): T;
}

/** The request, or an UndecodableRequest: never an exception (grpc-js would answer INTERNAL). */
export function decodeRequest<T>(codec: RequestCodec<T>, bytes: Uint8Array, opts: { keepProtoKeys?: boolean } = {}): T | UndecodableRequest {
  try {
    return codec.decode(new RequestReader(bytes, opts.keepProtoKeys ?? false));
  } catch (e) {
    return new UndecodableRequest(e instanceof Error ? e.message : String(e));
  }
}

/** `value` with every stand-in (a key or a string) back as `__proto__`; what has none is returned as it is. */
export function restoreProtoKeys<T>(value: T): T {
  if (value === STAND_IN) return PROTO as T;
  if (Array.isArray(value)) {
    let out: unknown[] | undefined;
    value.forEach((item, i) => {
      const r = restoreProtoKeys(item);
      if (r !== item) (out ??= [...value])[i] = r;
    });
    return (out ?? value) as T;
  }
  if (typeof value !== 'object' || value === null || ArrayBuffer.isView(value)) return value;
  let changed = false;
  const entries = Object.entries(value).map(([k, v]) => {
    const key = k === STAND_IN ? PROTO : k;
    const r = restoreProtoKeys(v);
    if (key !== k || r !== v) changed = true;
    return [key, r] as const;
  });
  if (!changed) return value;
  const out: Record<string, unknown> = {};
  // Defined, not assigned: `out['__proto__'] = v` would not add the key.
  for (const [k, v] of entries) Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
  return out as T;
}
