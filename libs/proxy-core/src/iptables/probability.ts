/**
 * kube-proxy's computeProbability(n) = fmt.Sprintf("%0.10f", 1.0/float64(n)): the probability of
 * the i-th of n endpoint jumps is probability(n - i). Go prints the exact binary value of the
 * float64 rounded half to even; JavaScript's toFixed rounds exact ties away from zero, which
 * differs for n = 2048 (1/2048 = 0.00048828125 exactly: Go "0.0004882812", toFixed "…813").
 * So the digits are computed exactly here.
 */

/**
 * The exact decimal expansion of a finite double, rounded half to even at `digits` places, as
 * Go's strconv 'f' format and glibc's printf "%.Nf" print it.
 */
export function formatFixedHalfEven(x: number, digits: number): string {
  if (!Number.isFinite(x)) throw new RangeError(`not a finite number: ${x}`);
  if (!Number.isInteger(digits) || digits < 0 || digits > 100) throw new RangeError(`bad digits: ${digits}`);
  const negative = x < 0 || Object.is(x, -0);
  const [mantissa, exponent] = decompose(Math.abs(x));
  // |x| * 10^digits = mantissa * 2^exponent * 10^digits, rounded half to even.
  let scaled: bigint;
  const num = mantissa * 10n ** BigInt(digits);
  if (exponent >= 0) scaled = num << BigInt(exponent);
  else {
    const den = 1n << BigInt(-exponent);
    const q = num / den;
    const twiceRem = (num % den) * 2n;
    scaled = twiceRem > den || (twiceRem === den && q % 2n === 1n) ? q + 1n : q;
  }
  let s = scaled.toString();
  if (digits > 0) {
    s = s.padStart(digits + 1, '0');
    s = `${s.slice(0, -digits)}.${s.slice(-digits)}`;
  }
  return negative ? `-${s}` : s;
}

/** A non-negative finite double as mantissa * 2^exponent with an integer mantissa. */
function decompose(x: number): [bigint, number] {
  if (x === 0) return [0n, 0];
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const hi = view.getUint32(0);
  const lo = view.getUint32(4);
  const biased = (hi >>> 20) & 0x7ff;
  const frac = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  if (biased === 0) return [frac, -1074]; // subnormal
  return [frac | (1n << 52n), biased - 1075];
}

/** computeProbability(n): "%0.10f" of 1/n, exactly as kube-proxy writes it. */
export function computeProbability(n: number): string {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`probability of 1/${n}`);
  return formatFixedHalfEven(1 / n, 10);
}

const cache: string[] = [];

/** computeProbability with kube-proxy's precomputed cache. */
export function probability(n: number): string {
  let p = cache[n];
  if (p === undefined) cache[n] = p = computeProbability(n);
  return p;
}
