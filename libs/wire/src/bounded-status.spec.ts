import { describe, expect, it } from 'vitest';
import { InvalidError, NotFoundError, field } from '@minimesh/api';
import { MAX_CAUSES_BYTES, MAX_MESSAGE_BYTES, boundedStatus, boundedText } from './bounded-status.js';

describe('boundedStatus', () => {
  it('leaves ordinary statuses alone', () => {
    const st = new InvalidError('Service', 'web', [field.invalid('spec.ports[0].port', 0, 'must be between 1 and 65535, inclusive')]).status;
    expect(boundedStatus(st)).toEqual(st);
  });

  it('shortens a long quoted name in the middle and keeps the rest of the message', () => {
    const name = 'a'.repeat(40_000);
    const st = boundedStatus(new NotFoundError('Service', name).status);
    expect(st.message).toBe(`services "${'a'.repeat(127)}…(39746 characters omitted)…${'a'.repeat(127)}" not found`);
    expect(st.details?.name?.length).toBeLessThan(1024);
  });

  it('caps messages of many short words, and counts bytes, not characters', () => {
    const words = boundedText('ab '.repeat(10_000), MAX_MESSAGE_BYTES);
    expect(Buffer.byteLength(words)).toBeLessThanOrEqual(MAX_MESSAGE_BYTES);
    expect(words.endsWith('… (truncated)')).toBe(true);
    const wide = boundedText('界 '.repeat(10_000), MAX_MESSAGE_BYTES);
    expect(Buffer.byteLength(wide)).toBeLessThanOrEqual(MAX_MESSAGE_BYTES);
  });

  it('keeps causes up to the budget', () => {
    const errs = Array.from({ length: 2000 }, (_, i) => field.invalid(`spec.ports[${i}].name`, 'x'.repeat(300), 'must be no more than 15 characters'));
    const st = boundedStatus(new InvalidError('Service', 'web', errs).status);
    const causes = st.details?.causes ?? [];
    expect(causes.length).toBeGreaterThan(10);
    expect(causes.length).toBeLessThan(2000);
    expect(causes.reduce((n, c) => n + c.message.length + c.field.length + c.reason.length, 0)).toBeLessThanOrEqual(MAX_CAUSES_BYTES);
    expect(Buffer.byteLength(st.message)).toBeLessThanOrEqual(MAX_MESSAGE_BYTES);
  });
});
