/**
 * The rules of a Service's own chains, from nft's text to the nf_tables expressions nft 1.0.6
 * would send for them (as `nft --debug=netlink` prints them), so `nft list` shows a rule written
 * either way the same. Only the statements those chains use are known here — `ip saddr|daddr`
 * (address, prefix, `!=`, `@set`), `tcp|udp|sctp dport`, `meta l4proto`, `fib saddr|daddr type
 * local`, `numgen random mod N V`, `update @set { ip saddr }`, `dnat to ADDR:PORT`, a verdict and a
 * comment; anything else gives undefined, and the caller lets nft handle the whole transaction.
 */
import { parseIPv4, pushAll } from '@minimesh/api';
import { attr, cstr, nest, u32be, u32host, type NlAttr } from './netlink-message.js';

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
const NFTNL_UDATA_COMMENT = 0;

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

/** A comment as nft stores it in a rule's or element's user data: type 0, length, text and NUL. */
export function commentUserdata(quoted: string): Uint8Array | undefined {
  if (!/^"[^"]*"$/.test(quoted)) return undefined;
  const text = Buffer.from(`${quoted.slice(1, -1)}\0`, 'utf8');
  if (text.length > 255) return undefined;
  return Buffer.concat([Buffer.from([NFTNL_UDATA_COMMENT, text.length]), text]);
}

/** `drop`, `accept`, `return`, `jump C`, `goto C` as NFTA_DATA_VERDICT's content. */
export function verdictData(words: readonly string[]): NlAttr | undefined {
  const code = VERDICTS[words[0] ?? ''];
  if (code === undefined) return undefined;
  const chained = words[0] === 'jump' || words[0] === 'goto';
  if (words.length !== (chained ? 2 : 1)) return undefined;
  const verdict = [attr(NFTA_VERDICT_CODE, u32be(code))];
  if (chained) verdict.push(attr(NFTA_VERDICT_CHAIN, cstr(words[1]!)));
  return nest(NFTA_DATA_VERDICT, verdict);
}

const expr = (name: string, data: readonly NlAttr[]): NlAttr => nest(NFTA_LIST_ELEM, [attr(NFTA_EXPR_NAME, cstr(name)), nest(NFTA_EXPR_DATA, data)]);
const value = (type: number, bytes: Uint8Array) => nest(type, [attr(NFTA_DATA_VALUE, bytes)]);
const payload = (base: number, offset: number, len: number) =>
  expr('payload', [attr(1 /* DREG */, u32be(NFT_REG_1)), attr(2 /* BASE */, u32be(base)), attr(3 /* OFFSET */, u32be(offset)), attr(4 /* LEN */, u32be(len))]);
const cmp = (op: number, bytes: Uint8Array) => expr('cmp', [attr(1 /* SREG */, u32be(NFT_REG_1)), attr(2 /* OP */, u32be(op)), value(3 /* DATA */, bytes)]);
const immediate = (reg: number, data: NlAttr) => expr('immediate', [attr(1 /* DREG */, u32be(reg)), nest(2 /* DATA */, [data])]);
const metaL4proto = (proto: number) => [expr('meta', [attr(2 /* KEY */, u32be(NFT_META_L4PROTO)), attr(1 /* DREG */, u32be(NFT_REG_1))]), cmp(NFT_CMP_EQ, Uint8Array.of(proto))];

/** `ip saddr|daddr [!=] ADDR[/N]`: a byte-aligned prefix loads only its bytes, any other is masked. */
function addressMatch(offset: number, negate: boolean, text: string): NlAttr[] | undefined {
  const [ip, bits] = text.includes('/') ? [text.slice(0, text.indexOf('/')), text.slice(text.indexOf('/') + 1)] : [text, '32'];
  const addr = parseIPv4(ip);
  if (addr === undefined || !/^[0-9]{1,2}$/.test(bits) || Number(bits) > 32) return undefined;
  const n = Number(bits);
  const mask = n === 0 ? 0 : (0xffffffff << (32 - n)) >>> 0;
  if ((addr & ~mask) >>> 0 !== 0) return undefined; // host bits set: nft's own message is better
  const op = negate ? NFT_CMP_NEQ : NFT_CMP_EQ;
  const bytes = u32be(addr);
  if (n > 0 && n % 8 === 0) return [payload(NFT_PAYLOAD_NETWORK_HEADER, offset, n / 8), cmp(op, bytes.slice(0, n / 8))];
  const bitwise = expr('bitwise', [
    attr(1 /* SREG */, u32be(NFT_REG_1)),
    attr(2 /* DREG */, u32be(NFT_REG_1)),
    attr(3 /* LEN */, u32be(4)),
    value(4 /* MASK */, u32be(mask)),
    value(5 /* XOR */, u32be(0)),
  ]);
  return [payload(NFT_PAYLOAD_NETWORK_HEADER, offset, 4), bitwise, cmp(op, bytes)];
}

export interface RuleExpressions {
  /** NFTA_RULE_EXPRESSIONS' content. */
  readonly expressions: readonly NlAttr[];
  /** NFTA_RULE_USERDATA (the comment), if any. */
  readonly userdata?: Uint8Array;
}

/** The expressions of one rule in the `ip` family, or undefined for a rule this file does not know. */
export function ruleExpressions(text: string): RuleExpressions | undefined {
  const w = nftWords(text);
  if (w === undefined) return undefined;
  const out: NlAttr[] = [];
  let userdata: Uint8Array | undefined;
  let l4proto = false;
  let i = 0;
  while (i < w.length) {
    const word = w[i]!;
    if (word === 'ip' && (w[i + 1] === 'saddr' || w[i + 1] === 'daddr')) {
      const offset = w[i + 1] === 'saddr' ? 12 : 16;
      const negate = w[i + 2] === '!=';
      const arg = w[i + (negate ? 3 : 2)];
      if (arg === undefined) return undefined;
      if (arg.startsWith('@')) {
        if (negate) return undefined;
        out.push(payload(NFT_PAYLOAD_NETWORK_HEADER, offset, 4), expr('lookup', [attr(2 /* SREG */, u32be(NFT_REG_1)), attr(1 /* SET */, cstr(arg.slice(1)))]));
      } else {
        const match = addressMatch(offset, negate, arg);
        if (match === undefined) return undefined;
        pushAll(out, match);
      }
      i += negate ? 4 : 3;
    } else if (IP_PROTOCOLS[word] !== undefined && w[i + 1] === 'dport') {
      const port = Number(w[i + 2]);
      if (l4proto || !/^[0-9]+$/.test(w[i + 2] ?? '') || port > 65535) return undefined;
      const p = Buffer.alloc(2);
      p.writeUInt16BE(port);
      pushAll(out, metaL4proto(IP_PROTOCOLS[word]));
      out.push(payload(NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2), cmp(NFT_CMP_EQ, p));
      l4proto = true;
      i += 3;
    } else if (word === 'meta' && w[i + 1] === 'l4proto' && IP_PROTOCOLS[w[i + 2] ?? ''] !== undefined) {
      if (l4proto) return undefined;
      pushAll(out, metaL4proto(IP_PROTOCOLS[w[i + 2]!]!));
      l4proto = true;
      i += 3;
    } else if (word === 'fib' && (w[i + 1] === 'saddr' || w[i + 1] === 'daddr') && w[i + 2] === 'type' && w[i + 3] === 'local') {
      const flags = w[i + 1] === 'saddr' ? NFTA_FIB_F_SADDR : NFTA_FIB_F_DADDR;
      out.push(expr('fib', [attr(3 /* FLAGS */, u32be(flags)), attr(2 /* RESULT */, u32be(NFT_FIB_RESULT_ADDRTYPE)), attr(1 /* DREG */, u32be(NFT_REG_1))]), cmp(NFT_CMP_EQ, u32host(RTN_LOCAL)));
      i += 4;
    } else if (word === 'numgen' && w[i + 1] === 'random' && w[i + 2] === 'mod') {
      const [mod, v] = [w[i + 3] ?? '', w[i + 4] ?? ''];
      if (!/^[0-9]+$/.test(mod) || !/^[0-9]+$/.test(v) || Number(mod) === 0 || Number(v) >= Number(mod) || Number(mod) > 0xffffffff) return undefined;
      out.push(
        expr('numgen', [attr(1 /* DREG */, u32be(NFT_REG_1)), attr(2 /* MODULUS */, u32be(Number(mod))), attr(3 /* TYPE */, u32be(NFT_NG_RANDOM)), attr(4 /* OFFSET */, u32be(0))]),
        cmp(NFT_CMP_EQ, u32host(Number(v))),
      );
      i += 5;
    } else if (word === 'update' && w[i + 1]?.startsWith('@') && w.slice(i + 2, i + 6).join(' ') === '{ ip saddr }') {
      out.push(
        payload(NFT_PAYLOAD_NETWORK_HEADER, 12, 4),
        expr('dynset', [attr(4 /* SREG_KEY */, u32be(NFT_REG_1)), attr(3 /* OP */, u32be(NFT_DYNSET_OP_UPDATE)), attr(1 /* SET_NAME */, cstr(w[i + 1]!.slice(1)))]),
      );
      i += 6;
    } else if (word === 'dnat' && w[i + 1] === 'to') {
      const to = /^([0-9.]+):([0-9]+)$/.exec(w[i + 2] ?? '');
      const addr = to === null ? undefined : parseIPv4(to[1]!);
      if (!l4proto || to === null || addr === undefined || Number(to[2]) > 65535) return undefined;
      const port = Buffer.alloc(2);
      port.writeUInt16BE(Number(to[2]));
      out.push(
        immediate(NFT_REG_1, attr(NFTA_DATA_VALUE, u32be(addr))),
        immediate(NFT_REG_2, attr(NFTA_DATA_VALUE, port)),
        expr('nat', [
          attr(1 /* TYPE */, u32be(NFT_NAT_DNAT)),
          attr(2 /* FAMILY */, u32be(NFPROTO_IPV4)),
          attr(3 /* REG_ADDR_MIN */, u32be(NFT_REG_1)),
          attr(5 /* REG_PROTO_MIN */, u32be(NFT_REG_2)),
          attr(7 /* FLAGS */, u32be(NF_NAT_RANGE_PROTO_SPECIFIED)),
        ]),
      );
      i += 3;
    } else if (VERDICTS[word] !== undefined) {
      const n = word === 'jump' || word === 'goto' ? 2 : 1;
      const data = verdictData(w.slice(i, i + n));
      if (data === undefined) return undefined;
      out.push(immediate(NFT_REG_VERDICT, data));
      i += n;
      // Only a comment may follow a verdict.
      if (i < w.length && w[i] !== 'comment') return undefined;
    } else if (word === 'comment' && i === w.length - 2) {
      userdata = commentUserdata(w[i + 1]!);
      if (userdata === undefined) return undefined;
      i += 2;
    } else return undefined;
  }
  return userdata === undefined ? { expressions: out } : { expressions: out, userdata };
}
