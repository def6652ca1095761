/**
 * Port ranges as Kubernetes' utilnet.PortRange: `30000-32767` (inclusive), `30000+2767`
 * (base + offset, also inclusive: the same range) or a single port `30000`.
 */

import { InvalidRangeError } from './errors.js';

/** kube-apiserver's default --service-node-port-range. */
export const DEFAULT_NODE_PORT_RANGE = '30000-32767';

export class PortRange {
  constructor(
    readonly base: number,
    readonly size: number,
  ) {
    if (!Number.isInteger(base) || !Number.isInteger(size) || base < 0 || size < 0 || base + size - 1 > 65535) {
      throw new InvalidRangeError(`invalid port range: base ${base}, size ${size}`);
    }
  }

  /** The highest port in the range. */
  get last(): number {
    return this.base + this.size - 1;
  }

  contains(port: number): boolean {
    return port >= this.base && port - this.base < this.size;
  }

  /** `30000-32767`; "" for the empty range. */
  toString(): string {
    return this.size === 0 ? '' : `${this.base}-${this.last}`;
  }
}

/** Go's strconv.Atoi, with its error text. */
function atoi(s: string): number {
  if (!/^[+-]?[0-9]+$/.test(s)) throw new InvalidRangeError(`strconv.Atoi: parsing ${JSON.stringify(s)}: invalid syntax`);
  const n = Number(s);
  if (!Number.isSafeInteger(n)) throw new InvalidRangeError(`strconv.Atoi: parsing ${JSON.stringify(s)}: value out of range`);
  return n;
}

/** Parses a port range with Kubernetes' rules and error messages; "" is the empty range. */
export function parsePortRange(value: string): PortRange {
  const s = value.trim();
  if (s === '') return new PortRange(0, 0);
  const hyphen = s.indexOf('-');
  const plus = s.indexOf('+');
  let low: number;
  let high: number;
  if (hyphen < 0 && plus < 0) {
    low = high = atoi(s);
  } else if (hyphen >= 0 && plus < 0) {
    low = atoi(s.slice(0, hyphen));
    high = atoi(s.slice(hyphen + 1));
  } else if (plus >= 0 && hyphen < 0) {
    low = atoi(s.slice(0, plus));
    high = low + atoi(s.slice(plus + 1));
  } else {
    throw new InvalidRangeError(`unable to parse port range: ${s}`);
  }
  if (low > 65535 || high > 65535) throw new InvalidRangeError(`the port range cannot be greater than 65535: ${s}`);
  if (high < low) throw new InvalidRangeError(`end port cannot be less than start port: ${s}`);
  if (low < 0) throw new InvalidRangeError(`the port range cannot be negative: ${s}`);
  return new PortRange(low, high - low + 1);
}
