import { describe, expect, it } from 'vitest';
import { warningHeaders } from './warning-header.js';

/** What a client reads: the header's bytes as UTF-8. */
const onTheWire = (values: string[]) => values.map((v) => Buffer.from(v, 'latin1').toString('utf8'));

describe('warningHeaders', () => {
  it('quotes each warning as RFC 7234 and kube-apiserver do, escaping quotes and backslashes', () => {
    expect(warningHeaders(['unknown field "spec.selectr"', 'a\\b'])).toEqual(['299 - "unknown field \\"spec.selectr\\""', '299 - "a\\\\b"']);
  });

  it('sends other scripts as UTF-8 bytes, which Node can put in a header', () => {
    const values = warningHeaders(['unknown field "spec.sëlector"', 'unknown field "metadata.名前"', 'emoji 🚀']);
    expect(values.every((v) => /^[\x20-\xff]*$/.test(v))).toBe(true);
    expect(onTheWire(values)).toEqual(['299 - "unknown field \\"spec.sëlector\\""', '299 - "unknown field \\"metadata.名前\\""', '299 - "emoji 🚀"']);
  });

  it('turns control characters into spaces and unpaired surrogates into U+FFFD', () => {
    expect(onTheWire(warningHeaders(['a\nb\r\x00c\x7f', 'x\uD800y']))).toEqual(['299 - "a b  c "', '299 - "x\uFFFDy"']);
  });

  it('drops duplicates and empty warnings', () => {
    expect(warningHeaders(['same', 'same', '', 'other'])).toEqual(['299 - "same"', '299 - "other"']);
  });

  it('bounds the whole at 4096 characters: past it each is cut to 256 and those that do not fit are dropped', () => {
    const many = Array.from({ length: 100 }, (_, i) => `unknown field "spec.${String(i).padStart(3, '0')}${'x'.repeat(300)}"`);
    const values = warningHeaders(many);
    expect(values.length).toBe(16);
    expect(values.every((v) => v.length === `299 - ""`.length + 256 + 1)).toBe(true); // the cut keeps one quote, escaped
    expect(warningHeaders(['short', 'y'.repeat(5000)])).toEqual(['299 - "short"', `299 - "${'y'.repeat(256)}"`]);
  });
});
