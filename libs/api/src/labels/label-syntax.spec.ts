import { describe, expect, it } from 'vitest';
import { labelKeyErrors, labelValueErrors } from './label-syntax.js';

describe('labelKeyErrors', () => {
  it.each(['a', 'A', '9', 'app', 'my.name', 'MY_name-1', 'example.com/app', 'a.b-c.d/X_y', 'k'.repeat(63)])('accepts %j', (key) => {
    expect(labelKeyErrors(key)).toEqual([]);
  });

  // Each problem is checked by its opening words; the full wording is pinned in parser.spec.ts.
  it.each<[string, string[]]>([
    ['', ['name part must be non-empty', 'name part must consist of']],
    ['k'.repeat(64), ['name part must be no more than 63 characters']],
    ['/a', ['prefix part must be non-empty']],
    ['UPPER.com/a', ['prefix part a lowercase RFC 1123 subdomain must consist of']],
    [`${'p'.repeat(254)}/a`, ['prefix part must be no more than 253 characters']],
    ['a/b/c', ['a qualified name must consist of']],
    ['_a', ['name part must consist of']],
    ['a.', ['name part must consist of']],
  ])('rejects %j', (key, openings) => {
    const errors = labelKeyErrors(key);
    expect(errors).toHaveLength(openings.length);
    errors.forEach((e, i) => expect(e.startsWith(openings[i]!)).toBe(true));
  });

  it('counts length in UTF-8 bytes, as Go does', () => {
    expect(labelKeyErrors('é'.repeat(32))[0]).toBe('name part must be no more than 63 characters');
  });
});

describe('labelValueErrors', () => {
  it.each(['', 'a', 'v1.2.3', 'My_Value-9', 'v'.repeat(63)])('accepts %j', (v) => {
    expect(labelValueErrors(v)).toEqual([]);
  });

  it.each<[string, number]>([
    ['-a', 1],
    ['a-', 1],
    ['a b', 1],
    ['a/b', 1],
    ['v'.repeat(64), 1],
    ['-'.repeat(64), 2],
  ])('rejects %j with %d problem(s)', (v, n) => {
    expect(labelValueErrors(v)).toHaveLength(n);
  });
});
