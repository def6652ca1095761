/** Freezes `o` and everything in it, as the informer cache holds objects (for tests and benches of buildSnapshot). */
export function deepFreeze<T>(o: T): T {
  for (const v of Object.values(o as object)) if (v && typeof v === 'object') deepFreeze(v);
  return Object.freeze(o);
}
