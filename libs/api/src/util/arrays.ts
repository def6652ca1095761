/**
 * Appending and extremes without spreading an array into a call's arguments: `a.push(...b)` and
 * `maxOf(b)` put every element on the stack, and V8 throws `RangeError: Maximum call stack
 * size exceeded` somewhere past ~100k elements (earlier on a deep stack). Everything that can grow
 * with the cluster goes through these.
 */

/** Appends every item of `items` to `target`; returns `target`. */
export function pushAll<T>(target: T[], items: Iterable<T>): T[] {
  for (const item of items) target.push(item);
  return target;
}

/** The largest number, or `empty` for none. */
export function maxOf(values: Iterable<number>, empty = -Infinity): number {
  let m = empty;
  let any = false;
  for (const v of values) {
    m = any ? Math.max(m, v) : v;
    any = true;
  }
  return m;
}

/** The smallest number, or `empty` for none. */
export function minOf(values: Iterable<number>, empty = Infinity): number {
  let m = empty;
  let any = false;
  for (const v of values) {
    m = any ? Math.min(m, v) : v;
    any = true;
  }
  return m;
}
