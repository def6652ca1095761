/**
 * Query parameters read as kube-apiserver's parameter codec reads them (the conversions from
 * []string in k8s.io/apimachinery/pkg/runtime): a boolean is true unless absent, `0` or `false`
 * (any case), so `watch=abc` is a watch; an integer is Go's strconv.ParseInt, and one that does not
 * parse is a 400 with its error.
 */
import { BadRequestError } from '@minimesh/api';

export function queryBool(q: URLSearchParams, name: string): boolean {
  const v = q.get(name);
  if (v === null) return false;
  return !(v === '0' || v.toLowerCase() === 'false');
}

/**
 * An int64 parameter, undefined when absent. Its range is narrower than Go's: beyond ±(2^53-1) a
 * number is not exact here, so such a value is refused as out of range.
 */
export function queryInt(q: URLSearchParams, name: string): number | undefined {
  const v = q.get(name);
  if (v === null) return undefined;
  if (!/^[+-]?\d+$/.test(v)) throw new BadRequestError(`strconv.ParseInt: parsing ${JSON.stringify(v)}: invalid syntax`);
  const n = BigInt(v);
  if (n > BigInt(Number.MAX_SAFE_INTEGER) || n < -BigInt(Number.MAX_SAFE_INTEGER)) throw new BadRequestError(`strconv.ParseInt: parsing ${JSON.stringify(v)}: value out of range`);
  return Number(n);
}
