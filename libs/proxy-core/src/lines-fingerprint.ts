/**
 * A 53-bit fingerprint of a list of lines: what a ruleset keeps of a chain it wrote, so a later
 * sync can tell a changed chain from an unchanged one without holding the chain's text (at 10,000
 * Services that text is tens of MiB of strings). Two 32-bit multiplicative hashes with different
 * multipliers (FNV-1a's and MurmurHash2's), one cut to 21 bits, make one safe integer; two
 * different chains share a fingerprint with a probability of about 2^-53.
 */
export function linesFingerprint(lines: readonly string[]): number {
  let a = 0x811c9dc5;
  let b = 0x9747b28c ^ lines.length;
  for (const line of lines) {
    for (let i = 0; i < line.length; i++) {
      const c = line.charCodeAt(i);
      a = Math.imul(a ^ c, 0x01000193);
      b = Math.imul(b ^ c, 0x5bd1e995);
      b ^= b >>> 15;
    }
    // A line break of its own, so ["ab"] and ["a", "b"] differ.
    a = Math.imul(a ^ 10, 0x01000193);
    b = Math.imul(b ^ 10, 0x5bd1e995);
    b ^= b >>> 15;
  }
  return (a >>> 0) * 0x200000 + ((b >>> 0) & 0x1fffff);
}
