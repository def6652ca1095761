/**
 * Kubernetes' two time types as JSON carries them, read the way Go reads them:
 *
 * - metav1.Time: `time.Parse(time.RFC3339, s)`, written back in UTC at seconds precision
 *   (`2006-01-02T15:04:05Z`); a fraction of a second is accepted and dropped;
 * - metav1.MicroTime: `time.Parse("2006-01-02T15:04:05.000000Z07:00", s)`, exactly six fraction
 *   digits, written back in UTC with them.
 *
 * A value Go refuses is refused with Go's text (`parsing time "x" as "2006-01-02T15:04:05Z07:00":
 * cannot parse "x" as "2006"`), which the apiserver puts after `... cannot be handled as a <Kind>: `.
 * Go's layout parser walks the layout element by element; so does this one, for these two layouts.
 */

export type TimeType = 'Time' | 'MicroTime';

export const RFC3339 = '2006-01-02T15:04:05Z07:00';
export const RFC3339_MICRO = '2006-01-02T15:04:05.000000Z07:00';

export class TimeParseError extends Error {}

/** One layout element: the literal text before it, and the value it stands for. */
type Elem = [prefix: string, std: '2006' | '01' | '02' | '15' | '04' | '05' | '.000000' | 'Z07:00'];

const LAYOUTS: Record<TimeType, Elem[]> = {
  Time: [['', '2006'], ['-', '01'], ['-', '02'], ['T', '15'], [':', '04'], [':', '05'], ['', 'Z07:00']],
  MicroTime: [['', '2006'], ['-', '01'], ['-', '02'], ['T', '15'], [':', '04'], [':', '05'], ['', '.000000'], ['', 'Z07:00']],
};

const isDigit = (s: string, i: number) => i < s.length && s.charCodeAt(i) >= 0x30 && s.charCodeAt(i) <= 0x39;

/** Go's strconv.Quote for the strings that show up here (printable ASCII passes through). */
function quote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '"' || ch === '\\') out += `\\${ch}`;
    else if (c >= 0x20 && c < 0x7f) out += ch;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\r') out += '\\r';
    else if (c < 0x20 || c === 0x7f) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else if (/[\p{L}\p{M}\p{N}\p{P}\p{S}]/u.test(ch)) out += ch;
    else out += c > 0xffff ? `\\U${c.toString(16).padStart(8, '0')}` : `\\u${c.toString(16).padStart(4, '0')}`;
  }
  return `${out}"`;
}

function daysIn(month: number, year: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** Go's getnum: one or two digits (exactly two when `fixed`). */
function getnum(s: string, fixed: boolean): [number, string] | undefined {
  if (!isDigit(s, 0)) return undefined;
  if (!isDigit(s, 1)) return fixed ? undefined : [Number(s[0]), s.slice(1)];
  return [Number(s.slice(0, 2)), s.slice(2)];
}

/**
 * `value` as the time type reads it, in the form the apiserver writes it back; throws
 * TimeParseError with Go's message otherwise.
 */
export function parseGoTime(value: string, type: TimeType): string {
  const layout = type === 'Time' ? RFC3339 : RFC3339_MICRO;
  const fail = (valueElem: string, layoutElem: string) =>
    new TimeParseError(`parsing time ${quote(value)} as ${quote(layout)}: cannot parse ${quote(valueElem)} as ${quote(layoutElem)}`);
  const outOfRange = (what: string) => new TimeParseError(`parsing time ${quote(value)}: ${what} out of range`);
  let rest = value;
  let year = 0;
  let month = 0;
  let day = 0;
  let hour = 0;
  let minute = 0;
  let second = 0;
  let micros = 0;
  let offsetMinutes = 0;
  for (const [prefix, std] of LAYOUTS[type]) {
    for (const p of prefix) {
      if (rest[0] !== p) throw fail(rest, prefix);
      rest = rest.slice(1);
    }
    const hold = rest;
    switch (std) {
      case '2006':
        if (rest.length < 4 || !/^\d{4}/.test(rest)) throw fail(hold, std);
        year = Number(rest.slice(0, 4));
        rest = rest.slice(4);
        break;
      case '01':
      case '02':
      case '15':
      case '04':
      case '05': {
        const got = getnum(rest, std !== '15');
        if (!got) throw fail(hold, std);
        const n = got[0];
        rest = got[1];
        if (std === '01') {
          if (n < 1 || n > 12) throw outOfRange('month');
          month = n;
        } else if (std === '02') {
          day = n; // checked against the month below, as Go does
        } else if (std === '15') {
          if (n >= 24) throw outOfRange('hour');
          hour = n;
        } else if (std === '04') {
          if (n >= 60) throw outOfRange('minute');
          minute = n;
        } else {
          if (n >= 60) throw outOfRange('second');
          second = n;
          // RFC3339 has no fraction in its layout, yet Go takes one after the seconds (and drops it).
          if (type === 'Time' && rest.length >= 2 && (rest[0] === '.' || rest[0] === ',') && isDigit(rest, 1)) {
            let n2 = 2;
            while (isDigit(rest, n2)) n2++;
            rest = rest.slice(n2);
          }
        }
        break;
      }
      case '.000000':
        if (rest.length < 7 || (rest[0] !== '.' && rest[0] !== ',') || !/^\d{6}$/.test(rest.slice(1, 7))) throw fail(hold, std);
        micros = Number(rest.slice(1, 7));
        rest = rest.slice(7);
        break;
      case 'Z07:00': {
        if (rest[0] === 'Z') {
          rest = rest.slice(1);
          break;
        }
        if (rest.length < 6 || rest[3] !== ':' || (rest[0] !== '+' && rest[0] !== '-') || !/^\d\d$/.test(rest.slice(1, 3)) || !/^\d\d$/.test(rest.slice(4, 6))) throw fail(hold, std);
        const hh = Number(rest.slice(1, 3));
        const mm = Number(rest.slice(4, 6));
        if (hh > 24) throw outOfRange('time zone offset hour');
        if (mm > 60) throw outOfRange('time zone offset minute');
        offsetMinutes = (rest[0] === '-' ? -1 : 1) * (hh * 60 + mm);
        rest = rest.slice(6);
        break;
      }
    }
  }
  if (rest !== '') throw new TimeParseError(`parsing time ${quote(value)}: extra text: ${quote(rest)}`);
  if (day < 1 || day > daysIn(month, year)) throw outOfRange('day');
  // In UTC, as the apiserver writes times back.
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  d.setUTCHours(hour, minute - offsetMinutes, second, 0);
  const y = d.getUTCFullYear();
  if (y < 0 || y > 9999) throw new TimeParseError(`Time.MarshalJSON: year outside of range [0,9999]`);
  const two = (n: number) => String(n).padStart(2, '0');
  const base = `${String(y).padStart(4, '0')}-${two(d.getUTCMonth() + 1)}-${two(d.getUTCDate())}T${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())}`;
  return type === 'Time' ? `${base}Z` : `${base}.${String(micros).padStart(6, '0')}Z`;
}
