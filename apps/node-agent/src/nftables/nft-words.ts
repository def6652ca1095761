/**
 * The words of nft's command language as NftablesRuleset writes it: split at spaces, a
 * double-quoted string one word; comments as nft takes them; protocol names.
 */

/** Splits nft text into words at spaces; a double-quoted string is one word (quotes kept). */
export function nftWords(text: string): string[] | undefined {
  const words: string[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === 32 || c === 9) {
      i++;
      continue;
    }
    let end: number;
    if (c === 34) {
      end = text.indexOf('"', i + 1) + 1;
      if (end === 0) return undefined; // unterminated
    } else {
      end = i;
      while (end < text.length && text.charCodeAt(end) !== 32 && text.charCodeAt(end) !== 9) {
        if (text.charCodeAt(end) === 34) return undefined; // a quote inside a word
        end++;
      }
    }
    words.push(text.slice(i, end));
    i = end;
  }
  return words;
}

/** nft refuses a longer comment ("comment too long", libnftnl's NFTNL_UDATA_COMMENT_MAXLEN). */
export const COMMENT_MAX_BYTES = 128;

/** The text of a quoted comment, if nft takes it: no quote inside, at most 128 bytes. */
export function commentText(quoted: string): string | undefined {
  if (quoted.length < 2 || quoted[0] !== '"' || quoted[quoted.length - 1] !== '"') return undefined;
  const text = quoted.slice(1, -1);
  return text.includes('"') || Buffer.byteLength(text) > COMMENT_MAX_BYTES ? undefined : text;
}

/** The IP protocols a Service port can have, by nft's name. */
export const IP_PROTOCOLS: ReadonlyMap<string, number> = new Map([
  ['tcp', 6],
  ['udp', 17],
  ['sctp', 132],
]);
