/**
 * The set and element commands of NftablesRuleset as nf_tables messages: the skeleton's sets
 * (`type ipv4_addr`) and verdict maps (keyed by `ipv4_addr . inet_proto . inet_service` or
 * `inet_proto . inet_service`), ClientIP affinity sets (`flags dynamic,timeout`), the anonymous
 * `ct state` set of the localnet rule, `delete set`, `flush set|map`, and `add|delete element`
 * of one element. Sets carry the user data nft 1.0.6 gives them (copied from `nft --debug=mnl`),
 * which nft reads back when it lists them; the kernel keeps it as it is.
 */
import { parseIPv4 } from '@minimesh/api';
import { NLM_F_CREATE, u32host, type NetlinkWriter } from './netlink-message.js';
import { parseVerdict, writeValue, writeVerdict, type AnonymousSet, type Verdict } from './nft-expressions.js';
import { beginNft, NFT_MSG, type MessageWriter } from './nft-message-types.js';
import { commentText, IP_PROTOCOLS, nftWords } from './nft-words.js';

const NFT_SET_ANONYMOUS = 0x1;
const NFT_SET_CONSTANT = 0x2;
const NFT_SET_MAP = 0x8;
const NFT_SET_TIMEOUT = 0x10;
const NFT_SET_EVAL = 0x20;
const NFT_DATA_VERDICT = 0xffffff00;
/** nft's datatype numbers (TYPE_IPADDR, TYPE_CT_STATE). */
const TYPE_IPADDR = 7;
const TYPE_CT_STATE = 26;
/** The verdict maps' key types: nft's concatenated type id (6 bits per part) and length. */
const MAP_KEYS: ReadonlyMap<string, { type: number; len: number }> = new Map([
  ['ipv4_addr . inet_proto . inet_service', { type: (7 << 12) | (12 << 6) | 13, len: 12 }],
  ['inet_proto . inet_service', { type: (12 << 6) | 13, len: 8 }],
]);

/** libnftnl's user data: entries of a type byte, a length byte and the value. */
function udata(...entries: (readonly [type: number, value: Uint8Array])[]): Buffer {
  const parts: Uint8Array[] = [];
  for (const [type, value] of entries) parts.push(Uint8Array.of(type, value.length), value);
  return Buffer.concat(parts);
}
// NFTNL_UDATA_SET_KEYBYTEORDER 0, _DATABYTEORDER 1, _KEY_TYPEOF 3, _DATA_INTERVAL 6, _COMMENT 7;
// byte orders: 1 host, 2 big-endian.
const SET_UDATA_IPV4 = udata([0, u32host(2)]);
const MAP_UDATA_CONCAT = udata([0, u32host(0)], [1, u32host(0)], [3, udata([0, u32host(13)], [1, new Uint8Array(0)])], [6, u32host(0)]);
const CT_STATE_SET_UDATA = udata([0, u32host(1)], [3, udata([0, u32host(12)], [1, udata([0, u32host(0)], [1, u32host(0xffffffff)])])]);

/** A set's user data: nft's fixed part, then the comment (type 7, length, text, NUL). */
const withComment = (fixed: Buffer, comment: string) => Buffer.concat([fixed, udata([7, Buffer.from(`${comment}\0`, 'utf8')])]);

const PLAIN_SET = /^add set ip (\S+) (\S+) \{ type ipv4_addr ; comment ("[^"]*") ; \}$/;
const MAP = /^add map ip (\S+) (\S+) \{ type ([a-z0-9_. ]+) : verdict ; comment ("[^"]*") ; \}$/;
const AFFINITY_SET = /^add set ip (\S+) (\S+) \{ type ipv4_addr ; flags dynamic,timeout ; timeout ([0-9]+)s ; \}$/;
const DELETE_SET = /^delete set ip (\S+) (\S+)$/;
const FLUSH_SET = /^flush (?:set|map) ip (\S+) (\S+)$/;
const ELEMENT = /^(add|delete) element ip (\S+) (\S+) \{ (.+) \}$/;

/** A set command's messages, or undefined when the line is not one of ours. */
export function setCommand(line: string): MessageWriter | undefined {
  let m: RegExpExecArray | null;
  if ((m = PLAIN_SET.exec(line)) !== null) {
    const [, table, set, quoted] = m as unknown as [string, string, string, string];
    const comment = commentText(quoted);
    if (comment === undefined) return undefined;
    const ud = withComment(SET_UDATA_IPV4, comment);
    return (w, setId) =>
      beginNft(w, NFT_MSG.newset, NLM_F_CREATE)
        .str(1 /* SET_TABLE */, table)
        .str(2 /* SET_NAME */, set)
        .u32be(3 /* SET_FLAGS */, 0)
        .u32be(4 /* SET_KEY_TYPE */, TYPE_IPADDR)
        .u32be(5 /* SET_KEY_LEN */, 4)
        .u32be(10 /* SET_ID */, setId())
        .bytes(13 /* SET_USERDATA */, ud)
        .end();
  }
  if ((m = MAP.exec(line)) !== null) {
    const [, table, set, keyType, quoted] = m as unknown as [string, string, string, string, string];
    const key = MAP_KEYS.get(keyType);
    const comment = commentText(quoted);
    if (key === undefined || comment === undefined) return undefined;
    const ud = withComment(MAP_UDATA_CONCAT, comment);
    return (w, setId) =>
      beginNft(w, NFT_MSG.newset, NLM_F_CREATE)
        .str(1 /* SET_TABLE */, table)
        .str(2 /* SET_NAME */, set)
        .u32be(3 /* SET_FLAGS */, NFT_SET_MAP)
        .u32be(4 /* SET_KEY_TYPE */, key.type)
        .u32be(5 /* SET_KEY_LEN */, key.len)
        .u32be(6 /* SET_DATA_TYPE */, NFT_DATA_VERDICT)
        .u32be(7 /* SET_DATA_LEN */, 0)
        .u32be(10 /* SET_ID */, setId())
        .bytes(13 /* SET_USERDATA */, ud)
        .end();
  }
  if ((m = AFFINITY_SET.exec(line)) !== null) {
    const [, table, set] = m as unknown as [string, string, string];
    const timeoutMs = Number(m[3]) * 1000;
    if (!Number.isSafeInteger(timeoutMs)) return undefined;
    return (w, setId) =>
      beginNft(w, NFT_MSG.newset, NLM_F_CREATE)
        .str(1 /* SET_TABLE */, table)
        .str(2 /* SET_NAME */, set)
        .u32be(3 /* SET_FLAGS */, NFT_SET_TIMEOUT | NFT_SET_EVAL)
        .u32be(4 /* SET_KEY_TYPE */, TYPE_IPADDR)
        .u32be(5 /* SET_KEY_LEN */, 4)
        .u32be(10 /* SET_ID */, setId())
        .u64be(11 /* SET_TIMEOUT */, timeoutMs)
        .bytes(13 /* SET_USERDATA */, SET_UDATA_IPV4)
        .end();
  }
  if ((m = DELETE_SET.exec(line)) !== null) {
    const [, table, set] = m as unknown as [string, string, string];
    return (w) => beginNft(w, NFT_MSG.delset, 0).str(1 /* SET_TABLE */, table).str(2 /* SET_NAME */, set).end();
  }
  if ((m = FLUSH_SET.exec(line)) !== null) {
    const [, table, set] = m as unknown as [string, string, string];
    // nft names the set before the table here.
    return (w) => beginNft(w, NFT_MSG.delsetelem, 0).str(2 /* LIST_SET */, set).str(1 /* LIST_TABLE */, table).end();
  }
  return undefined;
}

/** An anonymous constant set of ct states, as nft sends it before the rule that looks it up. */
export function writeCtStateSet(w: NetlinkWriter, table: string, set: AnonymousSet, id: number): void {
  set.id = id;
  beginNft(w, NFT_MSG.newset, NLM_F_CREATE)
    .str(1 /* SET_TABLE */, table)
    .str(2 /* SET_NAME */, '__set%d')
    .u32be(3 /* SET_FLAGS */, NFT_SET_ANONYMOUS | NFT_SET_CONSTANT)
    .u32be(4 /* SET_KEY_TYPE */, TYPE_CT_STATE)
    .u32be(5 /* SET_KEY_LEN */, 4)
    .u32be(10 /* SET_ID */, id);
  const desc = w.open(9 /* SET_DESC */);
  w.u32be(1 /* DESC_SIZE */, set.ctStates.length).close(desc);
  w.bytes(13 /* SET_USERDATA */, CT_STATE_SET_UDATA).end();
  beginNft(w, NFT_MSG.newsetelem, NLM_F_CREATE).str(1 /* LIST_TABLE */, table).str(2 /* LIST_SET */, '__set%d').u32be(4 /* LIST_SET_ID */, id);
  const list = w.open(3 /* LIST_ELEMENTS */);
  for (const state of set.ctStates) {
    const e = w.open(1 /* LIST_ELEM */);
    w.value(1 /* ELEM_KEY */, state, 4, true);
    w.close(e);
  }
  w.close(list).end();
}

/** `add|delete element` of one element, or undefined when the line is not one of ours. */
export function elementCommand(line: string): MessageWriter | undefined {
  const m = ELEMENT.exec(line);
  if (m === null) return undefined;
  const [, verb, table, set, body] = m as unknown as [string, string, string, string, string];
  const element = parseElement(body, verb === 'add');
  if (element === undefined) return undefined;
  const [type, flags] = verb === 'add' ? [NFT_MSG.newsetelem, NLM_F_CREATE] : [NFT_MSG.delsetelem, 0];
  return (w) => {
    beginNft(w, type, flags).str(1 /* LIST_TABLE */, table).str(2 /* LIST_SET */, set);
    const list = w.open(3 /* LIST_ELEMENTS */);
    const e = w.open(1 /* LIST_ELEM */);
    writeValue(w, 1 /* ELEM_KEY */, element.key);
    if (element.verdict !== undefined) {
      const d = w.open(2 /* ELEM_DATA */);
      writeVerdict(w, element.verdict);
      w.close(d);
    }
    if (element.comment !== undefined) w.comment(6 /* ELEM_USERDATA */, element.comment);
    w.close(e);
    w.close(list);
    w.end();
  };
}

interface Element {
  readonly key: Uint8Array;
  readonly verdict?: Verdict;
  readonly comment?: string;
}

/** `KEY [comment "C"] [: VERDICT]` of one element (a delete names the key only). */
function parseElement(body: string, adding: boolean): Element | undefined {
  const words = nftWords(body);
  if (words === undefined) return undefined;
  const colon = words.indexOf(':');
  const keyPart = colon === -1 ? words : words.slice(0, colon);
  let verdict: Verdict | undefined;
  if (colon !== -1) {
    verdict = adding ? parseVerdict(words.slice(colon + 1)) : undefined;
    if (verdict === undefined) return undefined;
  }
  let comment: string | undefined;
  const c = keyPart.indexOf('comment');
  if (c !== -1) {
    if (c !== keyPart.length - 2 || !adding) return undefined;
    comment = commentText(keyPart[c + 1]!);
    if (comment === undefined) return undefined;
  }
  const key = elementKey(c === -1 ? keyPart : keyPart.slice(0, c));
  if (key === undefined) return undefined;
  return { key, ...(verdict === undefined ? {} : { verdict }), ...(comment === undefined ? {} : { comment }) };
}

/**
 * A key of the ruleset's sets — `ADDR` (ipv4_addr), `ADDR . PROTO . PORT` or `PROTO . PORT`
 * (the verdict maps): each part in network byte order, and in a concatenation padded to 4 bytes
 * (nft's register size). Any other shape (a protocol by number, parts in another order) is not
 * ours: the bytes alone could not tell a protocol from a port.
 */
function elementKey(words: readonly string[]): Uint8Array | undefined {
  const parts = words.filter((_, i) => i % 2 === 0);
  if (words.length % 2 === 0 || words.some((w, i) => i % 2 === 1 && w !== '.')) return undefined;
  const addr = (w: string) => (w.includes('.') ? parseIPv4(w) : undefined);
  const port = (w: string) => (/^[0-9]{1,5}$/.test(w) && Number(w) <= 65535 ? Number(w) : undefined);
  if (parts.length === 1) {
    const a = addr(parts[0]!);
    return a === undefined ? undefined : Buffer.from(Uint8Array.of(a >>> 24, (a >>> 16) & 255, (a >>> 8) & 255, a & 255));
  }
  const [a, proto, p] = parts.length === 3 ? [addr(parts[0]!), IP_PROTOCOLS.get(parts[1]!), port(parts[2]!)] : [0, IP_PROTOCOLS.get(parts[0]!), port(parts[1]!)];
  if (parts.length > 3 || a === undefined || proto === undefined || p === undefined) return undefined;
  const tail = Uint8Array.of(proto, 0, 0, 0, p >>> 8, p & 255, 0, 0);
  return parts.length === 2 ? tail : Uint8Array.of(a >>> 24, (a >>> 16) & 255, (a >>> 8) & 255, a & 255, ...tail);
}
