/**
 * Warnings as kube-apiserver sends them: one `Warning: 299 - "<text>"` header each (RFC 7234
 * warn-code 299, agent "-", the text a quoted-string with `"` and `\` escaped), the text in UTF-8
 * (as Go writes header bytes), duplicates dropped, and the whole bounded as the warning recorder
 * of k8s.io/apiserver/pkg/endpoints/filters/warning.go bounds it: past 4096 characters in all,
 * each warning is cut to 256, and those that still do not fit are dropped.
 */

const TOTAL_RUNES = 4 * 1024;
const ITEM_RUNES = 256;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** The Warning header values for `warnings`, ready for Node (UTF-8 bytes as latin1 characters). */
export function warningHeaders(warnings: readonly string[]): string[] {
  let texts = [...new Set(warnings.map(printable))].filter((t) => t !== '');
  if (runes(texts) > TOTAL_RUNES) texts = texts.map((t) => truncate(t, ITEM_RUNES));
  const kept: string[] = [];
  let total = 0;
  for (const t of texts) {
    const n = [...t].length;
    if (total + n > TOTAL_RUNES) break;
    total += n;
    kept.push(t);
  }
  return kept.map((t) => Buffer.from(`299 - "${t.replace(/["\\]/g, (c) => `\\${c}`)}"`, 'utf8').toString('latin1'));
}

/** Control characters (which a header cannot carry) become spaces; unpaired surrogates U+FFFD. */
function printable(text: string): string {
  return text.replace(LONE_SURROGATE, '\uFFFD').replace(/\p{Cc}/gu, ' ');
}

function runes(texts: string[]): number {
  return texts.reduce((n, t) => n + [...t].length, 0);
}

function truncate(text: string, max: number): string {
  const r = [...text];
  return r.length <= max ? text : r.slice(0, max).join('');
}
