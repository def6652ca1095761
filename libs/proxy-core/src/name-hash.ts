/**
 * The hash kube-proxy names its per-service chains with, in every mode: the first 16 characters of
 * base32(sha256(input)) (RFC 4648 alphabet, upper case). iptables uses it whole (KUBE-SVC-<hash>),
 * nftables its first 8 characters before the readable name.
 */
import * as crypto from 'node:crypto';

/**
 * sha256 of a string: the one-shot crypto.hash (Node ≥ 20.12, about twice as fast for names this
 * short: no Hash object per call) where there is one, else createHash.
 */
const sha256: (input: string) => Buffer =
  typeof crypto.hash === 'function' ? (input) => crypto.hash('sha256', input, 'buffer') : (input) => crypto.createHash('sha256').update(input, 'utf8').digest();

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** The first 16 characters of base32.StdEncoding(sha256(input)) (16 chars = 80 bits = 10 bytes). */
export function hash16(input: string): string {
  const digest = sha256(input);
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (let i = 0; i < 10; i++) {
    buffer = ((buffer << 8) | digest[i]!) & 0xfff;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(buffer >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  return out;
}

