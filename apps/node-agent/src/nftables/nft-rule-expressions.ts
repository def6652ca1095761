/**
 * The rules of a Service's own chains, from nft's text to the nf_tables expressions nft 1.0.6
 * would send for them (as `nft --debug=netlink` prints them), so `nft list` shows a rule written
 * either way the same. Only the statements those chains use are known here — `ip saddr|daddr`
 * (address, prefix, `!=`, `@set`), `tcp|udp|sctp dport`, `meta l4proto`, `fib saddr|daddr type
 * local`, `numgen random mod N V`, `update @set { ip saddr }`, `dnat to ADDR:PORT`, a verdict and a
 * comment; anything else gives undefined, and the caller lets nft handle the whole transaction.
 */
import { parseIPv4, pushAll } from '@minimesh/api';
import type { NetlinkWriter } from './netlink-message.js';

// include/uapi/linux/netfilter/nf_tables.h
const NFTA_LIST_ELEM = 1;
const NFTA_EXPR_NAME = 1;
const NFTA_EXPR_DATA = 2;
const NFTA_DATA_VALUE = 1;
const NFTA_DATA_VERDICT = 2;
const NFTA_VERDICT_CODE = 1;
const NFTA_VERDICT_CHAIN = 2;
const NFT_REG_VERDICT = 0;
const NFT_REG_1 = 1;
const NFT_REG_2 = 2;
const NFT_PAYLOAD_NETWORK_HEADER = 1;
const NFT_PAYLOAD_TRANSPORT_HEADER = 2;
const NFT_META_L4PROTO = 16;
const NFT_CMP_EQ = 0;
const NFT_CMP_NEQ = 1;
const NFT_FIB_RESULT_ADDRTYPE = 3;
const NFTA_FIB_F_SADDR = 1;
const NFTA_FIB_F_DADDR = 2;
const RTN_LOCAL = 2;
const NFT_NG_RANDOM = 1;
const NFT_DYNSET_OP_UPDATE = 1;
const NFT_NAT_DNAT = 1;
const NFPROTO_IPV4 = 2;
const NF_NAT_RANGE_PROTO_SPECIFIED = 2;
const NF_NAT_RANGE_PROTO_RANDOM_FULLY = 0x10;
/** The 32-bit registers after NFT_REG_1 (NFT_REG32_01, _02): the later parts of a concatenation. */
const NFT_REG32_01 = 9;
const NFT_REG32_02 = 10;
const NFT_META_MARK = 3;
const NFT_CT_STATE = 0;
const NFT_CT_STATUS = 2;
const NFT_LOOKUP_F_INV = 1;
const NFT_REJECT_ICMP_UNREACH = 0;
const ICMP_PORT_UNREACH = 3;
/** ct state bits (NF_CT_STATE_BIT, include/uapi/linux/netfilter/nf_conntrack_common.h). */
const CT_STATES: Readonly<Record<string, number>> = { invalid: 1, established: 2, related: 4, new: 8, untracked: 64 };
/** ct status IPS_DST_NAT. */
const CT_STATUS_DNAT = 0x20;

/** Verdict codes (NF_DROP, NF_ACCEPT, NFT_JUMP, NFT_GOTO, NFT_RETURN). */
const VERDICTS: Readonly<Record<string, number>> = { drop: 0, accept: 1, jump: -3, goto: -4, return: -5 };
export const IP_PROTOCOLS: Readonly<Record<string, number>> = { tcp: 6, udp: 17, sctp: 132 };

/** Splits nft text into words; a double-quoted string is one word (quotes kept). */
export function nftWords(text: string): string[] | undefined {
  const words: string[] = [];
  const re = /"[^"]*"|[^\s"]+/g;
  let m: RegExpExecArray | null;
  let covered = 0;
  while ((m = re.exec(text)) !== null) {
    if (text.slice(covered, m.index).trim() !== '') return undefined;
    words.push(m[0]);
    covered = m.index + m[0].length;
  }
  return text.slice(covered).trim() === '' ? words : undefined;
}

/** The text of a quoted comment, if nft's user data can hold it (with its NUL, at most 255 bytes). */
export function commentText(quoted: string): string | undefined {
  if (quoted.length < 2 || quoted[0] !== '"' || quoted[quoted.length - 1] !== '"') return undefined;
  const text = quoted.slice(1, -1);
  return text.includes('"') || Buffer.byteLength(text) > 254 ? undefined : text;
}

/** One expression, written as an element of NFTA_RULE_EXPRESSIONS. */
export type Expr = (w: NetlinkWriter) => void;

/** A verdict: `drop`, `accept`, `return`, `jump C`, `goto C`. */
export interface Verdict {
  readonly code: number;
  readonly chain?: string;
}

export function parseVerdict(words: readonly string[]): Verdict | undefined {
  const code = VERDICTS[words[0] ?? ''];
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

const expr =
  (name: string, data: (w: NetlinkWriter) => void): Expr =>
  (w) => {
    const e = w.open(NFTA_LIST_ELEM);
    w.str(NFTA_EXPR_NAME, name);
    const d = w.open(NFTA_EXPR_DATA);
    data(w);
    w.close(d);
    w.close(e);
  };
const payload = (base: number, offset: number, len: number, reg = NFT_REG_1) => expr('payload', (w) => w.u32be(1 /* DREG */, reg).u32be(2 /* BASE */, base).u32be(3 /* OFFSET */, offset).u32be(4 /* LEN */, len));
const meta = (key: number, reg = NFT_REG_1) => expr('meta', (w) => w.u32be(2 /* KEY */, key).u32be(1 /* DREG */, reg));
const ct = (key: number) => expr('ct', (w) => w.u32be(2 /* KEY */, key).u32be(1 /* DREG */, NFT_REG_1));
/** bitwise of register 1 over 4 bytes, mask and xor in the host's order (marks, ct state). */
const bitwiseHost = (mask: number, xor: number) =>
  expr('bitwise', (w) => w.u32be(1 /* SREG */, NFT_REG_1).u32be(2 /* DREG */, NFT_REG_1).u32be(3 /* LEN */, 4).value(4 /* MASK */, mask, 4, true).value(5 /* XOR */, xor, 4, true));
const lookup = (set: string, o: { vmap?: boolean; anonymous?: AnonymousSet; invert?: boolean } = {}) =>
  expr('lookup', (w) => {
    w.u32be(2 /* SREG */, NFT_REG_1).str(1 /* SET */, set);
    if (o.anonymous !== undefined) w.u32be(4 /* SET_ID */, o.anonymous.id);
    if (o.vmap) w.u32be(3 /* DREG */, NFT_REG_VERDICT);
    if (o.invert) w.u32be(5 /* FLAGS */, NFT_LOOKUP_F_INV);
  });
/** cmp of register 1 with `len` bytes of `n` (big-endian, or host order with `host`). */
const cmp = (op: number, n: number, len: 1 | 2 | 3 | 4, host = false) => expr('cmp', (w) => w.u32be(1 /* SREG */, NFT_REG_1).u32be(2 /* OP */, op).value(3 /* DATA */, n, len, host));
const immediateValue = (reg: number, n: number, len: 2 | 4) => expr('immediate', (w) => w.u32be(1 /* DREG */, reg).value(2 /* DATA */, n, len));
const immediateVerdict = (v: Verdict) =>
  expr('immediate', (w) => {
    w.u32be(1 /* DREG */, NFT_REG_VERDICT);
    const d = w.open(2 /* DATA */);
    writeVerdict(w, v);
    w.close(d);
  });
const metaL4proto = (proto: number) => [expr('meta', (w) => w.u32be(2 /* KEY */, NFT_META_L4PROTO).u32be(1 /* DREG */, NFT_REG_1)), cmp(NFT_CMP_EQ, proto, 1)];

/** `ip saddr|daddr [!=] ADDR[/N]`: a byte-aligned prefix loads only its bytes, any other is masked. */
function addressMatch(offset: number, negate: boolean, text: string): Expr[] | undefined {
  const [ip, bits] = text.includes('/') ? [text.slice(0, text.indexOf('/')), text.slice(text.indexOf('/') + 1)] : [text, '32'];
  const addr = parseIPv4(ip);
  if (addr === undefined || !/^[0-9]{1,2}$/.test(bits) || Number(bits) > 32) return undefined;
  const n = Number(bits);
  const mask = n === 0 ? 0 : (0xffffffff << (32 - n)) >>> 0;
  if ((addr & ~mask) >>> 0 !== 0) return undefined; // host bits set: nft's own message is better
  const op = negate ? NFT_CMP_NEQ : NFT_CMP_EQ;
  if (n > 0 && n % 8 === 0) {
    const bytes = (n / 8) as 1 | 2 | 3 | 4;
    return [payload(NFT_PAYLOAD_NETWORK_HEADER, offset, bytes), cmp(op, bytes === 4 ? addr : addr >>> (32 - n), bytes)];
  }
  const bitwise = expr('bitwise', (w) => w.u32be(1 /* SREG */, NFT_REG_1).u32be(2 /* DREG */, NFT_REG_1).u32be(3 /* LEN */, 4).value(4 /* MASK */, mask, 4).value(5 /* XOR */, 0, 4));
  return [payload(NFT_PAYLOAD_NETWORK_HEADER, offset, 4), bitwise, cmp(op, addr, 4)];
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

export interface RuleExpressions {
  /** NFTA_RULE_EXPRESSIONS' content. */
  readonly expressions: readonly Expr[];
  /** Anonymous sets the expressions look up, to be written before the rule. */
  readonly anonymousSets: readonly AnonymousSet[];
  /** The comment (NFTA_RULE_USERDATA), if any. */
  readonly comment?: string;
}

/** The expressions of one rule in the `ip` family, or undefined for a rule this file does not know. */
export function ruleExpressions(text: string): RuleExpressions | undefined {
  const w = nftWords(text);
  if (w === undefined) return undefined;
  const out: Expr[] = [];
  const anonymousSets: AnonymousSet[] = [];
  let comment: string | undefined;
  let l4proto = false;
  let i = 0;
  while (i < w.length) {
    const word = w[i]!;
    if (word === 'ip' && w[i + 1] === 'daddr' && w.slice(i + 2, i + 9).join(' ') === '. meta l4proto . th dport vmap' && w[i + 9]?.startsWith('@')) {
      // The skeleton's dispatch: one lookup of the concatenated destination in a verdict map.
      out.push(payload(NFT_PAYLOAD_NETWORK_HEADER, 16, 4), meta(NFT_META_L4PROTO, NFT_REG32_01), payload(NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2, NFT_REG32_02), lookup(w[i + 9]!.slice(1), { vmap: true }));
      i += 10;
    } else if (word === 'meta' && w.slice(i + 1, i + 6).join(' ') === 'l4proto . th dport vmap' && w[i + 6]?.startsWith('@')) {
      out.push(meta(NFT_META_L4PROTO), payload(NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2, NFT_REG32_01), lookup(w[i + 6]!.slice(1), { vmap: true }));
      i += 7;
    } else if (word === 'ip' && (w[i + 1] === 'saddr' || w[i + 1] === 'daddr') && w[i + 2] === '{' && w[i + 4] === '}') {
      // A one-element anonymous set: nft makes it a plain match.
      const match = addressMatch(w[i + 1] === 'saddr' ? 12 : 16, false, w[i + 3]!);
      if (match === undefined) return undefined;
      pushAll(out, match);
      i += 5;
    } else if (word === 'ct' && w[i + 1] === 'state' && CT_STATES[w[i + 2] ?? ''] !== undefined) {
      out.push(ct(NFT_CT_STATE), bitwiseHost(CT_STATES[w[i + 2]!]!, 0), cmp(NFT_CMP_NEQ, 0, 4, true));
      i += 3;
    } else if (word === 'ct' && w[i + 1] === 'state' && w[i + 2] === '!=' && w[i + 3] === '{') {
      const close = w.indexOf('}', i);
      const names = close === -1 ? [] : w.slice(i + 4, close).join(' ').split(',').map((x) => x.trim());
      if (close === -1 || names.some((n) => CT_STATES[n] === undefined)) return undefined;
      const set: AnonymousSet = { ctStates: names.map((n) => CT_STATES[n]!), id: 0 };
      anonymousSets.push(set);
      out.push(ct(NFT_CT_STATE), lookup('__set%d', { anonymous: set, invert: true }));
      i = close + 1;
    } else if (word === 'ct' && w[i + 1] === 'status' && w[i + 2] === '!=' && w[i + 3] === 'dnat') {
      out.push(ct(NFT_CT_STATUS), cmp(NFT_CMP_NEQ, CT_STATUS_DNAT, 4, true));
      i += 4;
    } else if (word === 'meta' && w.slice(i + 1, i + 5).join(' ') === 'mark set meta mark' && (w[i + 5] === '|' || w[i + 5] === '^') && /^0x[0-9a-f]{1,8}$/i.test(w[i + 6] ?? '')) {
      const m = Number(w[i + 6]);
      // x | m is (x & ~m) ^ m, x ^ m is (x & all) ^ m: nft's bitwise.
      out.push(meta(NFT_META_MARK), bitwiseHost(w[i + 5] === '|' ? ~m >>> 0 : 0xffffffff, m), expr('meta', (wr) => wr.u32be(2 /* KEY */, NFT_META_MARK).u32be(3 /* SREG */, NFT_REG_1)));
      i += 7;
    } else if (word === 'meta' && w[i + 1] === 'mark' && w[i + 2] === '&' && /^0x[0-9a-f]{1,8}$/i.test(w[i + 3] ?? '') && w[i + 4] === '==' && w[i + 5] === '0') {
      out.push(meta(NFT_META_MARK), bitwiseHost(Number(w[i + 3]), 0), cmp(NFT_CMP_EQ, 0, 4, true));
      i += 6;
    } else if (word === 'reject' && (w[i + 1] === undefined || w[i + 1] === 'comment')) {
      out.push(expr('reject', (wr) => wr.u32be(1 /* TYPE */, NFT_REJECT_ICMP_UNREACH).bytes(2 /* ICMP_CODE */, Uint8Array.of(ICMP_PORT_UNREACH))));
      i += 1;
    } else if (word === 'masquerade') {
      const fully = w[i + 1] === 'fully-random';
      out.push(expr('masq', (wr) => (fully ? wr.u32be(1 /* FLAGS */, NF_NAT_RANGE_PROTO_RANDOM_FULLY) : wr)));
      i += fully ? 2 : 1;
      if (i < w.length && w[i] !== 'comment') return undefined;
    } else if (word === 'ip' && (w[i + 1] === 'saddr' || w[i + 1] === 'daddr')) {
      const offset = w[i + 1] === 'saddr' ? 12 : 16;
      const negate = w[i + 2] === '!=';
      const arg = w[i + (negate ? 3 : 2)];
      if (arg === undefined) return undefined;
      if (arg.startsWith('@')) {
        if (negate) return undefined;
        const set = arg.slice(1);
        out.push(payload(NFT_PAYLOAD_NETWORK_HEADER, offset, 4), lookup(set));
      } else {
        const match = addressMatch(offset, negate, arg);
        if (match === undefined) return undefined;
        pushAll(out, match);
      }
      i += negate ? 4 : 3;
    } else if (IP_PROTOCOLS[word] !== undefined && w[i + 1] === 'dport') {
      const port = Number(w[i + 2]);
      if (l4proto || !/^[0-9]+$/.test(w[i + 2] ?? '') || port > 65535) return undefined;
      pushAll(out, metaL4proto(IP_PROTOCOLS[word]));
      out.push(payload(NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2), cmp(NFT_CMP_EQ, port, 2));
      l4proto = true;
      i += 3;
    } else if (word === 'meta' && w[i + 1] === 'l4proto' && IP_PROTOCOLS[w[i + 2] ?? ''] !== undefined && w[i + 3] !== '.') {
      if (l4proto) return undefined;
      pushAll(out, metaL4proto(IP_PROTOCOLS[w[i + 2]!]!));
      l4proto = true;
      i += 3;
    } else if (word === 'fib' && (w[i + 1] === 'saddr' || w[i + 1] === 'daddr') && w[i + 2] === 'type' && w[i + 3] === 'local') {
      const flags = w[i + 1] === 'saddr' ? NFTA_FIB_F_SADDR : NFTA_FIB_F_DADDR;
      out.push(expr('fib', (w) => w.u32be(3 /* FLAGS */, flags).u32be(2 /* RESULT */, NFT_FIB_RESULT_ADDRTYPE).u32be(1 /* DREG */, NFT_REG_1)), cmp(NFT_CMP_EQ, RTN_LOCAL, 4, true));
      i += 4;
    } else if (word === 'numgen' && w[i + 1] === 'random' && w[i + 2] === 'mod') {
      const [mod, v] = [w[i + 3] ?? '', w[i + 4] ?? ''];
      if (!/^[0-9]+$/.test(mod) || !/^[0-9]+$/.test(v) || Number(mod) === 0 || Number(v) >= Number(mod) || Number(mod) > 0xffffffff) return undefined;
      out.push(
        expr('numgen', (w) => w.u32be(1 /* DREG */, NFT_REG_1).u32be(2 /* MODULUS */, Number(mod)).u32be(3 /* TYPE */, NFT_NG_RANDOM).u32be(4 /* OFFSET */, 0)),
        cmp(NFT_CMP_EQ, Number(v), 4, true),
      );
      i += 5;
    } else if (word === 'update' && w[i + 1]?.startsWith('@') && w.slice(i + 2, i + 6).join(' ') === '{ ip saddr }') {
      const set = w[i + 1]!.slice(1);
      out.push(
        payload(NFT_PAYLOAD_NETWORK_HEADER, 12, 4),
        expr('dynset', (wr) => wr.u32be(4 /* SREG_KEY */, NFT_REG_1).u32be(3 /* OP */, NFT_DYNSET_OP_UPDATE).str(1 /* SET_NAME */, set)),
      );
      i += 6;
    } else if (word === 'dnat' && w[i + 1] === 'to') {
      const to = /^([0-9.]+):([0-9]+)$/.exec(w[i + 2] ?? '');
      const addr = to === null ? undefined : parseIPv4(to[1]!);
      if (!l4proto || to === null || addr === undefined || Number(to[2]) > 65535) return undefined;
      out.push(
        immediateValue(NFT_REG_1, addr, 4),
        immediateValue(NFT_REG_2, Number(to[2]), 2),
        expr('nat', (wr) =>
          wr
            .u32be(1 /* TYPE */, NFT_NAT_DNAT)
            .u32be(2 /* FAMILY */, NFPROTO_IPV4)
            .u32be(3 /* REG_ADDR_MIN */, NFT_REG_1)
            .u32be(5 /* REG_PROTO_MIN */, NFT_REG_2)
            .u32be(7 /* FLAGS */, NF_NAT_RANGE_PROTO_SPECIFIED),
        ),
      );
      i += 3;
    } else if (VERDICTS[word] !== undefined) {
      const n = word === 'jump' || word === 'goto' ? 2 : 1;
      const v = parseVerdict(w.slice(i, i + n));
      if (v === undefined) return undefined;
      out.push(immediateVerdict(v));
      i += n;
      // Only a comment may follow a verdict.
      if (i < w.length && w[i] !== 'comment') return undefined;
    } else if (word === 'comment' && i === w.length - 2) {
      comment = commentText(w[i + 1]!);
      if (comment === undefined) return undefined;
      i += 2;
    } else return undefined;
  }
  return comment === undefined ? { expressions: out, anonymousSets } : { expressions: out, anonymousSets, comment };
}
