/**
 * nf_tables expressions as nft 1.0.6 sends them (`nft --debug=netlink` shows them as
 * `[ payload load 4b @ network header + 16 => reg 1 ]`, `[ cmp eq reg 1 0x0100600a ]`, …): each
 * writes itself as one element of a rule's NFTA_RULE_EXPRESSIONS, attributes in nft's order
 * (include/uapi/linux/netfilter/nf_tables.h). Register 1 is nft's first register; the later
 * parts of a concatenation go to the 32-bit registers after it (9, 10).
 */
import type { NetlinkWriter } from './netlink-message.js';

/** One expression, written as an element of NFTA_RULE_EXPRESSIONS. */
export type Expr = (w: NetlinkWriter) => void;

const NFTA_LIST_ELEM = 1;
const NFTA_EXPR_NAME = 1;
const NFTA_EXPR_DATA = 2;
const NFTA_DATA_VALUE = 1;
const NFTA_DATA_VERDICT = 2;
const NFTA_VERDICT_CODE = 1;
const NFTA_VERDICT_CHAIN = 2;
export const NFT_REG_VERDICT = 0;
export const NFT_REG_1 = 1;
export const NFT_REG_2 = 2;
export const NFT_REG32_01 = 9;
export const NFT_REG32_02 = 10;
export const NFT_PAYLOAD_NETWORK_HEADER = 1;
export const NFT_PAYLOAD_TRANSPORT_HEADER = 2;
export const NFT_META_MARK = 3;
export const NFT_META_L4PROTO = 16;
export const NFT_CT_STATE = 0;
export const NFT_CT_STATUS = 2;
export const NFT_CMP_EQ = 0;
export const NFT_CMP_NEQ = 1;
const NFT_LOOKUP_F_INV = 1;
const NFT_BITWISE_BOOL = 0;
const NFT_FIB_RESULT_ADDRTYPE = 3;
export const NFTA_FIB_F_SADDR = 1;
export const NFTA_FIB_F_DADDR = 2;
/** RTN_LOCAL: what `fib … type local` compares with. */
export const RTN_LOCAL = 2;
const NFT_NG_RANDOM = 1;
const NFT_DYNSET_OP_UPDATE = 1;
const NFT_NAT_DNAT = 1;
const NFPROTO_IPV4 = 2;
const NF_NAT_RANGE_PROTO_SPECIFIED = 2;
const NF_NAT_RANGE_PROTO_RANDOM_FULLY = 0x10;
const NFT_REJECT_ICMP_UNREACH = 0;
const ICMP_PORT_UNREACH = 3;

/** A verdict: `drop`, `accept`, `return`, `jump C`, `goto C`. */
export interface Verdict {
  readonly code: number;
  readonly chain?: string;
}

/** Verdict codes (NF_DROP, NF_ACCEPT, NFT_JUMP, NFT_GOTO, NFT_RETURN). */
const VERDICTS: ReadonlyMap<string, number> = new Map([
  ['drop', 0],
  ['accept', 1],
  ['jump', -3],
  ['goto', -4],
  ['return', -5],
]);

export const isVerdict = (word: string): boolean => VERDICTS.has(word);

export function parseVerdict(words: readonly string[]): Verdict | undefined {
  const code = VERDICTS.get(words[0] ?? '');
  if (code === undefined) return undefined;
  const chained = words[0] === 'jump' || words[0] === 'goto';
  if (words.length !== (chained ? 2 : 1)) return undefined;
  return chained ? { code, chain: words[1]! } : { code };
}

/** NFTA_DATA_VERDICT with its code and chain. */
export function writeVerdict(w: NetlinkWriter, v: Verdict): void {
  const n = w.open(NFTA_DATA_VERDICT);
  w.u32be(NFTA_VERDICT_CODE, v.code);
  if (v.chain !== undefined) w.str(NFTA_VERDICT_CHAIN, v.chain);
  w.close(n);
}

/** A nested attribute holding NFTA_DATA_VALUE. */
export function writeValue(w: NetlinkWriter, type: number, bytes: Uint8Array): void {
  const n = w.open(type);
  w.bytes(NFTA_DATA_VALUE, bytes);
  w.close(n);
}

/**
 * An anonymous set a rule looks up (nft sends it before the rule, named "__set%d", which the
 * kernel numbers; the rule finds it by the id the batch gives it). Only `ct state` sets here.
 */
export interface AnonymousSet {
  /** The ct state bits, each an element. */
  readonly ctStates: readonly number[];
  /** Given when the batch writes the set. */
  id: number;
}

export const expr =
  (name: string, data: (w: NetlinkWriter) => void): Expr =>
  (w) => {
    const e = w.open(NFTA_LIST_ELEM);
    w.str(NFTA_EXPR_NAME, name);
    const d = w.open(NFTA_EXPR_DATA);
    data(w);
    w.close(d);
    w.close(e);
  };

export const payload = (base: number, offset: number, len: number, reg = NFT_REG_1): Expr =>
  expr('payload', (w) => w.u32be(1 /* DREG */, reg).u32be(2 /* BASE */, base).u32be(3 /* OFFSET */, offset).u32be(4 /* LEN */, len));

/** cmp of register 1 with `len` bytes of `n` (big-endian, or in the host's order with `host`). */
export const cmp = (op: number, n: number, len: 1 | 2 | 3 | 4, host = false): Expr =>
  expr('cmp', (w) => w.u32be(1 /* SREG */, NFT_REG_1).u32be(2 /* OP */, op).value(3 /* DATA */, n, len, host));

export const meta = (key: number, reg = NFT_REG_1): Expr => expr('meta', (w) => w.u32be(2 /* KEY */, key).u32be(1 /* DREG */, reg));
export const metaSet = (key: number): Expr => expr('meta', (w) => w.u32be(2 /* KEY */, key).u32be(3 /* SREG */, NFT_REG_1));
export const ct = (key: number): Expr => expr('ct', (w) => w.u32be(2 /* KEY */, key).u32be(1 /* DREG */, NFT_REG_1));

/**
 * bitwise of register 1 over 4 bytes, mask and xor big-endian (addresses) or in the host's order
 * (marks, ct state). nft names the operation (NFT_BITWISE_BOOL) only for the binary operations
 * a rule spells out (`meta mark & M`, `meta mark set meta mark | M`): `withOp`.
 */
export const bitwise = (mask: number, xor: number, host: boolean, withOp = false): Expr =>
  expr('bitwise', (w) => {
    w.u32be(1 /* SREG */, NFT_REG_1).u32be(2 /* DREG */, NFT_REG_1);
    if (withOp) w.u32be(6 /* OP */, NFT_BITWISE_BOOL);
    w.u32be(3 /* LEN */, 4).value(4 /* MASK */, mask, 4, host).value(5 /* XOR */, xor, 4, host);
  });

export const lookup = (set: string, o: { vmap?: boolean; anonymous?: AnonymousSet; invert?: boolean } = {}): Expr =>
  expr('lookup', (w) => {
    w.u32be(2 /* SREG */, NFT_REG_1).str(1 /* SET */, set);
    if (o.anonymous !== undefined) w.u32be(4 /* SET_ID */, o.anonymous.id);
    if (o.vmap) w.u32be(3 /* DREG */, NFT_REG_VERDICT);
    if (o.invert) w.u32be(5 /* FLAGS */, NFT_LOOKUP_F_INV);
  });

export const immediateValue = (reg: number, n: number, len: 2 | 4): Expr => expr('immediate', (w) => w.u32be(1 /* DREG */, reg).value(2 /* DATA */, n, len));

export const immediateVerdict = (v: Verdict): Expr =>
  expr('immediate', (w) => {
    w.u32be(1 /* DREG */, NFT_REG_VERDICT);
    const d = w.open(2 /* DATA */);
    writeVerdict(w, v);
    w.close(d);
  });

export const fibAddrType = (flags: number): Expr => expr('fib', (w) => w.u32be(3 /* FLAGS */, flags).u32be(2 /* RESULT */, NFT_FIB_RESULT_ADDRTYPE).u32be(1 /* DREG */, NFT_REG_1));

export const numgenRandom = (modulus: number): Expr =>
  expr('numgen', (w) => w.u32be(1 /* DREG */, NFT_REG_1).u32be(2 /* MODULUS */, modulus).u32be(3 /* TYPE */, NFT_NG_RANDOM).u32be(4 /* OFFSET */, 0));

export const dynsetUpdate = (set: string): Expr => expr('dynset', (w) => w.u32be(4 /* SREG_KEY */, NFT_REG_1).u32be(3 /* OP */, NFT_DYNSET_OP_UPDATE).str(1 /* SET_NAME */, set));

/** DNAT to the address in register 1 and the port in register 2. */
export const dnat = (): Expr =>
  expr('nat', (w) =>
    w
      .u32be(1 /* TYPE */, NFT_NAT_DNAT)
      .u32be(2 /* FAMILY */, NFPROTO_IPV4)
      .u32be(3 /* REG_ADDR_MIN */, NFT_REG_1)
      .u32be(5 /* REG_PROTO_MIN */, NFT_REG_2)
      .u32be(7 /* FLAGS */, NF_NAT_RANGE_PROTO_SPECIFIED),
  );

export const masquerade = (fullyRandom: boolean): Expr => expr('masq', (w) => (fullyRandom ? w.u32be(1 /* FLAGS */, NF_NAT_RANGE_PROTO_RANDOM_FULLY) : w));

/** `reject` in the ip family: ICMP port unreachable. */
export const reject = (): Expr => expr('reject', (w) => w.u32be(1 /* TYPE */, NFT_REJECT_ICMP_UNREACH).bytes(2 /* ICMP_CODE */, Uint8Array.of(ICMP_PORT_UNREACH)));
