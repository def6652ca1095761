/**
 * boundedStatus: a Status small enough to travel in gRPC trailers.
 *
 * Kubernetes' messages quote what the client sent (`services "<name>" not found`, `Invalid value:
 * "<value>"`). Over HTTP that is only a long body; in gRPC the message and the Status ride in
 * HTTP/2 trailers, and a trailer block over the peer's header-list limit (64 KiB in Node's http2)
 * is never delivered: the call hangs until its deadline. So any value quoted longer than
 * MAX_QUOTED_CHARS is shortened in the middle, the message is capped at MAX_MESSAGE_BYTES, each
 * cause at MAX_CAUSE_BYTES, and causes beyond MAX_CAUSES_BYTES in all are dropped (the message
 * still lists them, up to its own cap).
 */
import type { Status, StatusCause } from '@minimesh/api';

export const MAX_QUOTED_CHARS = 256;
export const MAX_MESSAGE_BYTES = 4096;
export const MAX_CAUSE_BYTES = 1024;
export const MAX_CAUSES_BYTES = 8192;

/** A run of this many characters without whitespace is a value the client sent, not prose. */
const LONG_RUN = new RegExp(`\\S{${MAX_QUOTED_CHARS + 1},}`, 'gu');

/** Keeps the head and tail of every over-long run and says how much went. */
function elideLongRuns(s: string): string {
  return s.replace(LONG_RUN, (run) => {
    const chars = [...run];
    const keep = MAX_QUOTED_CHARS / 2;
    if (chars.length <= MAX_QUOTED_CHARS) return run;
    return `${chars.slice(0, keep).join('')}…(${chars.length - MAX_QUOTED_CHARS} characters omitted)…${chars.slice(-keep).join('')}`;
  });
}

/** Cuts at a character boundary so the UTF-8 form is at most `maxBytes`. */
function capBytes(s: string, maxBytes: number): string {
  if (Buffer.byteLength(s) <= maxBytes) return s;
  const suffix = '… (truncated)';
  let out = '';
  let bytes = Buffer.byteLength(suffix);
  for (const ch of s) {
    const n = Buffer.byteLength(ch);
    if (bytes + n > maxBytes) break;
    out += ch;
    bytes += n;
  }
  return out + suffix;
}

export function boundedText(s: string, maxBytes: number): string {
  return capBytes(s.length > MAX_QUOTED_CHARS ? elideLongRuns(s) : s, maxBytes);
}

export function boundedStatus(st: Status): Status {
  const out: Status = { ...st, message: boundedText(st.message, MAX_MESSAGE_BYTES) };
  if (!st.details) return out;
  const details = { ...st.details };
  if (details.name !== undefined) details.name = boundedText(details.name, MAX_CAUSE_BYTES);
  if (details.causes) {
    const causes: StatusCause[] = [];
    let total = 0;
    for (const c of details.causes) {
      const cause = { reason: boundedText(c.reason, MAX_CAUSE_BYTES), field: boundedText(c.field, MAX_CAUSE_BYTES), message: boundedText(c.message, MAX_CAUSE_BYTES) };
      total += Buffer.byteLength(cause.reason) + Buffer.byteLength(cause.field) + Buffer.byteLength(cause.message);
      if (total > MAX_CAUSES_BYTES) break;
      causes.push(cause);
    }
    details.causes = causes;
  }
  out.details = details;
  return out;
}
