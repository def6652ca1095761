/** Query and record type mnemonics and their codes (IANA DNS parameters), RFC 3597's TYPEnnn for the rest. */

const CODES: Record<string, number> = {
  A: 1,
  NS: 2,
  CNAME: 5,
  SOA: 6,
  PTR: 12,
  HINFO: 13,
  MX: 15,
  TXT: 16,
  AAAA: 28,
  SRV: 33,
  NAPTR: 35,
  DS: 43,
  RRSIG: 46,
  NSEC: 47,
  DNSKEY: 48,
  NSEC3: 50,
  SVCB: 64,
  HTTPS: 65,
  OPT: 41,
  IXFR: 251,
  AXFR: 252,
  ANY: 255,
  CAA: 257,
};

const NAMES = new Map<number, string>(Object.entries(CODES).map(([k, v]) => [v, k]));

export function typeName(code: number): string {
  return NAMES.get(code) ?? `TYPE${code}`;
}

/** The code of a mnemonic or of `TYPEnnn`; undefined for anything else. */
export function typeCode(name: string): number | undefined {
  const exact = CODES[name];
  if (exact !== undefined) return exact;
  const upper = name.toUpperCase();
  const known = CODES[upper];
  if (known !== undefined) return known;
  const m = /^TYPE(\d{1,5})$/.exec(upper);
  if (!m) return undefined;
  const n = Number(m[1]);
  return n <= 0xffff ? n : undefined;
}
