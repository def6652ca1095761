/**
 * The rules NftablesRuleset writes, from nft's text to the expressions nft 1.0.6 would send for
 * them (nft-expressions.ts), so `nft list` shows a rule written either way the same. Each
 * statement is read by the parser for its first word; the ones known are those the ruleset
 * writes — `ip saddr|daddr` (address, prefix, `!=`, `@set`, a one-element `{ }`), concatenated
 * `ip daddr . meta l4proto . th dport vmap @map` and `meta l4proto . th dport vmap @map`,
 * `tcp|udp|sctp dport`, `meta l4proto`, `meta mark set meta mark |^ M`, `meta mark & M == 0`,
 * `ct state S`, `ct state != { … }`, `ct status != dnat`, `fib saddr|daddr type local`, `numgen
 * random mod N V`, `update @set { ip saddr }`, `dnat to ADDR:PORT`, `masquerade [fully-random]`,
 * `reject`, a verdict and a comment. Anything else gives undefined, and the caller lets nft
 * handle the whole transaction.
 */
import { parseIPv4 } from '@minimesh/api';
import {
  bitwise,
  cmp,
  ct,
  dnat,
  dynsetUpdate,
  fibAddrType,
  immediateValue,
  immediateVerdict,
  isVerdict,
  lookup,
  masquerade,
  meta,
  metaSet,
  NFT_CMP_EQ,
  NFT_CMP_NEQ,
  NFT_CT_STATE,
  NFT_CT_STATUS,
  NFT_META_L4PROTO,
  NFT_META_MARK,
  NFT_PAYLOAD_NETWORK_HEADER,
  NFT_PAYLOAD_TRANSPORT_HEADER,
  NFT_REG_1,
  NFT_REG_2,
  NFT_REG32_01,
  NFT_REG32_02,
  NFTA_FIB_F_DADDR,
  NFTA_FIB_F_SADDR,
  numgenRandom,
  parseVerdict,
  payload,
  reject,
  RTN_LOCAL,
  type AnonymousSet,
  type Expr,
} from './nft-expressions.js';
import { commentText, IP_PROTOCOLS, nftWords } from './nft-words.js';

/** ct state bits (NF_CT_STATE_BIT, include/uapi/linux/netfilter/nf_conntrack_common.h). */
const CT_STATES: ReadonlyMap<string, number> = new Map([
  ['invalid', 1],
  ['established', 2],
  ['related', 4],
  ['new', 8],
  ['untracked', 64],
]);
/** ct status IPS_DST_NAT. */
const CT_STATUS_DNAT = 0x20;
const HEX_MARK = /^0x[0-9a-f]{1,8}$/i;
const DIGITS = /^[0-9]+$/;

export interface RuleExpressions {
  /** NFTA_RULE_EXPRESSIONS' content. */
  readonly expressions: readonly Expr[];
  /** Anonymous sets the expressions look up, to be written before the rule. */
  readonly anonymousSets: readonly AnonymousSet[];
  /** The comment (NFTA_RULE_USERDATA), if any. */
  readonly comment?: string;
}

/** The statement readers' fixed phrases, split into words (a handful, shared by every rule read). */
const PHRASES = new Map<string, readonly string[]>();

/** The words of one rule being read, and what they became so far. */
class RuleParser {
  i = 0;
  readonly out: Expr[] = [];
  readonly anonymousSets: AnonymousSet[] = [];
  /** A protocol match is in place (a second one nft would leave out: not ours). */
  l4proto = false;
  comment: string | undefined;
  /** A verdict (or masquerade, reject) was read: only a comment may follow. */
  done = false;

  constructor(readonly w: readonly string[]) {}

  at(k: number): string {
    return this.w[this.i + k] ?? '';
  }

  /** The next words are `phrase` (words separated by single spaces; split once per phrase). */
  next(phrase: string, from = 1): boolean {
    let words = PHRASES.get(phrase);
    if (words === undefined) PHRASES.set(phrase, (words = phrase.split(' ')));
    for (let k = 0; k < words.length; k++) if (this.at(from + k) !== words[k]) return false;
    return true;
  }
}

/** A statement reader: consumes its words (advancing `p.i`) and returns true, or false if they are not ours. */
type Statement = (p: RuleParser) => boolean;

const STATEMENTS: Readonly<Record<string, Statement>> = {
  ip: (p) => {
    const field = p.at(1);
    if (field !== 'saddr' && field !== 'daddr') return false;
    const offset = field === 'saddr' ? 12 : 16;
    if (field === 'daddr' && p.next('. meta l4proto . th dport vmap', 2) && p.at(9).startsWith('@')) {
      // The skeleton's dispatch: one lookup of the concatenated destination in a verdict map.
      p.out.push(payload(NFT_PAYLOAD_NETWORK_HEADER, 16, 4), meta(NFT_META_L4PROTO, NFT_REG32_01), payload(NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2, NFT_REG32_02), lookup(p.at(9).slice(1), { vmap: true }));
      p.i += 10;
      return true;
    }
    if (p.at(2) === '{' && p.at(4) === '}') {
      // A one-element anonymous set: nft makes it a plain match.
      return addressMatch(p, offset, false, p.at(3), 5);
    }
    const negate = p.at(2) === '!=';
    const arg = p.at(negate ? 3 : 2);
    if (arg.startsWith('@')) {
      if (negate) return false;
      p.out.push(payload(NFT_PAYLOAD_NETWORK_HEADER, offset, 4), lookup(arg.slice(1)));
      p.i += 3;
      return true;
    }
    return addressMatch(p, offset, negate, arg, negate ? 4 : 3);
  },
  meta: (p) => {
    if (p.next('l4proto . th dport vmap') && p.at(6).startsWith('@')) {
      p.out.push(meta(NFT_META_L4PROTO), payload(NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2, NFT_REG32_01), lookup(p.at(6).slice(1), { vmap: true }));
      p.i += 7;
      return true;
    }
    const proto = p.at(1) === 'l4proto' ? IP_PROTOCOLS.get(p.at(2)) : undefined;
    if (proto !== undefined) return protocolMatch(p, proto, 3);
    if (p.next('mark set meta mark') && (p.at(5) === '|' || p.at(5) === '^') && HEX_MARK.test(p.at(6))) {
      const m = Number(p.at(6));
      // x | m is (x & ~m) ^ m, x ^ m is (x & all) ^ m: nft's bitwise.
      p.out.push(meta(NFT_META_MARK), bitwise(p.at(5) === '|' ? ~m >>> 0 : 0xffffffff, m, true, true), metaSet(NFT_META_MARK));
      p.i += 7;
      return true;
    }
    if (p.at(1) === 'mark' && p.at(2) === '&' && HEX_MARK.test(p.at(3)) && p.next('== 0', 4)) {
      p.out.push(meta(NFT_META_MARK), bitwise(Number(p.at(3)), 0, true, true), cmp(NFT_CMP_EQ, 0, 4, true));
      p.i += 6;
      return true;
    }
    return false;
  },
  ct: (p) => {
    const state = p.at(1) === 'state' ? CT_STATES.get(p.at(2)) : undefined;
    if (state !== undefined) {
      p.out.push(ct(NFT_CT_STATE), bitwise(state, 0, true), cmp(NFT_CMP_NEQ, 0, 4, true));
      p.i += 3;
      return true;
    }
    if (p.next('state != {')) {
      const close = p.w.indexOf('}', p.i);
      const names = close === -1 ? [] : p.w.slice(p.i + 4, close).join(' ').split(',').map((x) => x.trim());
      if (close === -1 || names.some((n) => !CT_STATES.has(n))) return false;
      const set: AnonymousSet = { ctStates: names.map((n) => CT_STATES.get(n)!), id: 0 };
      p.anonymousSets.push(set);
      p.out.push(ct(NFT_CT_STATE), lookup('__set%d', { anonymous: set, invert: true }));
      p.i = close + 1;
      return true;
    }
    if (p.next('status != dnat')) {
      p.out.push(ct(NFT_CT_STATUS), cmp(NFT_CMP_NEQ, CT_STATUS_DNAT, 4, true));
      p.i += 4;
      return true;
    }
    return false;
  },
  tcp: (p) => portMatch(p, IP_PROTOCOLS.get('tcp')!),
  udp: (p) => portMatch(p, IP_PROTOCOLS.get('udp')!),
  sctp: (p) => portMatch(p, IP_PROTOCOLS.get('sctp')!),
  fib: (p) => {
    const field = p.at(1);
    if ((field !== 'saddr' && field !== 'daddr') || !p.next('type local', 2)) return false;
    p.out.push(fibAddrType(field === 'saddr' ? NFTA_FIB_F_SADDR : NFTA_FIB_F_DADDR), cmp(NFT_CMP_EQ, RTN_LOCAL, 4, true));
    p.i += 4;
    return true;
  },
  numgen: (p) => {
    if (!p.next('random mod')) return false;
    const [mod, v] = [p.at(3), p.at(4)];
    if (!DIGITS.test(mod) || !DIGITS.test(v) || Number(mod) === 0 || Number(v) >= Number(mod) || Number(mod) > 0xffffffff) return false;
    p.out.push(numgenRandom(Number(mod)), cmp(NFT_CMP_EQ, Number(v), 4, true));
    p.i += 5;
    return true;
  },
  update: (p) => {
    if (!p.at(1).startsWith('@') || !p.next('{ ip saddr }', 2)) return false;
    p.out.push(payload(NFT_PAYLOAD_NETWORK_HEADER, 12, 4), dynsetUpdate(p.at(1).slice(1)));
    p.i += 6;
    return true;
  },
  dnat: (p) => {
    const to = p.at(1) === 'to' ? /^([0-9.]+):([0-9]+)$/.exec(p.at(2)) : null;
    const addr = to === null ? undefined : parseIPv4(to[1]!);
    // A port needs a protocol match before it (nft refuses the rule otherwise).
    if (!p.l4proto || to === null || addr === undefined || Number(to[2]) > 65535) return false;
    p.out.push(immediateValue(NFT_REG_1, addr, 4), immediateValue(NFT_REG_2, Number(to[2]), 2), dnat());
    p.i += 3;
    return true;
  },
  masquerade: (p) => {
    const fully = p.at(1) === 'fully-random';
    p.out.push(masquerade(fully));
    p.i += fully ? 2 : 1;
    p.done = true; // a terminal statement, as a verdict
    return true;
  },
  reject: (p) => {
    p.out.push(reject());
    p.i += 1;
    p.done = true;
    return true;
  },
  comment: (p) => {
    if (p.i !== p.w.length - 2) return false;
    p.comment = commentText(p.at(1));
    p.i += 2;
    return p.comment !== undefined;
  },
};

/** `ip saddr|daddr [!=] ADDR[/N]`: a byte-aligned prefix loads only its bytes, any other is masked. */
function addressMatch(p: RuleParser, offset: number, negate: boolean, text: string, words: number): boolean {
  const slash = text.indexOf('/');
  const [ip, bits] = slash === -1 ? [text, '32'] : [text.slice(0, slash), text.slice(slash + 1)];
  const addr = parseIPv4(ip);
  if (addr === undefined || !/^[0-9]{1,2}$/.test(bits) || Number(bits) > 32) return false;
  const n = Number(bits);
  const mask = n === 0 ? 0 : (0xffffffff << (32 - n)) >>> 0;
  if ((addr & ~mask) >>> 0 !== 0) return false; // host bits set: nft's own message is better
  const op = negate ? NFT_CMP_NEQ : NFT_CMP_EQ;
  if (n > 0 && n % 8 === 0) {
    const bytes = (n / 8) as 1 | 2 | 3 | 4;
    p.out.push(payload(NFT_PAYLOAD_NETWORK_HEADER, offset, bytes), cmp(op, bytes === 4 ? addr : addr >>> (32 - n), bytes));
  } else {
    p.out.push(payload(NFT_PAYLOAD_NETWORK_HEADER, offset, 4), bitwise(mask, 0, false), cmp(op, addr, 4));
  }
  p.i += words;
  return true;
}

/** `meta l4proto P`, or the dependency nft puts before a port match. */
function protocolMatch(p: RuleParser, proto: number, words: number): boolean {
  if (p.l4proto) return false;
  p.out.push(meta(NFT_META_L4PROTO), cmp(NFT_CMP_EQ, proto, 1));
  p.l4proto = true;
  p.i += words;
  return true;
}

/** `tcp|udp|sctp dport N`: the protocol, then the port from the transport header. */
function portMatch(p: RuleParser, proto: number): boolean {
  const port = Number(p.at(2));
  if (p.at(1) !== 'dport' || !DIGITS.test(p.at(2)) || port > 65535 || !protocolMatch(p, proto, 0)) return false;
  p.out.push(payload(NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2), cmp(NFT_CMP_EQ, port, 2));
  p.i += 3;
  return true;
}

/** The expressions of one rule in the `ip` family, or undefined for a rule this file does not know. */
export function ruleExpressions(text: string): RuleExpressions | undefined {
  const words = nftWords(text);
  if (words === undefined) return undefined;
  const p = new RuleParser(words);
  while (p.i < words.length) {
    const word = words[p.i]!;
    if (p.done && word !== 'comment') return undefined;
    if (isVerdict(word)) {
      const n = word === 'jump' || word === 'goto' ? 2 : 1;
      const v = parseVerdict(words.slice(p.i, p.i + n));
      if (v === undefined) return undefined;
      p.out.push(immediateVerdict(v));
      p.i += n;
      p.done = true;
      continue;
    }
    const statement = Object.hasOwn(STATEMENTS, word) ? STATEMENTS[word] : undefined;
    if (statement === undefined || !statement(p)) return undefined;
  }
  const { out: expressions, anonymousSets, comment } = p;
  return comment === undefined ? { expressions, anonymousSets } : { expressions, anonymousSets, comment };
}
