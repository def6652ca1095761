import { describe, expect, it } from 'vitest';
import { SelectorParseError } from './selector.js';
import { formatLabels, selectorFromLabelSelector, selectorFromServiceSelector, selectorFromSet, validatedSelectorFromSet } from './set.js';

describe('selectorFromSet', () => {
  it.each<[Record<string, string> | undefined, string]>([
    [undefined, ''],
    [{}, ''],
    [{ app: 'web' }, 'app=web'],
    [{ tier: 'fe', app: 'web' }, 'app=web,tier=fe'],
    [{ 'example.com/b': '', a: 'x' }, 'a=x,example.com/b='],
  ])('%j -> %j', (set, want) => {
    expect(selectorFromSet(set).toString()).toBe(want);
  });

  it('matches objects carrying every pair', () => {
    const s = selectorFromSet({ app: 'web', tier: 'fe' });
    expect(s.matches({ app: 'web', tier: 'fe', extra: '1' })).toBe(true);
    expect(s.matches({ app: 'web' })).toBe(false);
    expect(s.matches(undefined)).toBe(false);
  });

  it('selects everything for an empty set', () => {
    expect(selectorFromSet({}).empty).toBe(true);
    expect(selectorFromSet({}).matches({ any: 'thing' })).toBe(true);
  });

  it('does not validate (like Kubernetes SelectorFromSet)', () => {
    expect(selectorFromSet({ 'bad key': 'bad value!' }).toString()).toBe('bad key=bad value!');
  });
});

describe('validatedSelectorFromSet', () => {
  it('builds the same selector for a valid set', () => {
    expect(validatedSelectorFromSet({ b: '2', a: '1' }).toString()).toBe('a=1,b=2');
  });

  it.each<[Record<string, string>, string]>([
    [
      { 'a b': 'x' },
      'key: Invalid value: "a b": name part must consist of alphanumeric characters, \'-\', \'_\' or \'.\', and must start and end with an ' +
        "alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
    ],
    [
      { a: 'x y' },
      'values[0][a]: Invalid value: "x y": a valid label must be an empty string or consist of alphanumeric characters, \'-\', \'_\' or \'.\', ' +
        "and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is " +
        "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
    ],
  ])('rejects %j', (set, message) => {
    expect(() => validatedSelectorFromSet(set)).toThrow(new SelectorParseError(message));
  });
});

describe('selectorFromServiceSelector', () => {
  it.each([undefined, null, {}])('returns null for %j (the Service selects no pods)', (sel) => {
    expect(selectorFromServiceSelector(sel)).toBeNull();
  });

  it('returns the equality selector otherwise', () => {
    const s = selectorFromServiceSelector({ app: 'web' });
    expect(s?.toString()).toBe('app=web');
    expect(s?.matches({ app: 'web', pod: 'x' })).toBe(true);
    expect(s?.matches({ app: 'api' })).toBe(false);
  });
});

describe('formatLabels', () => {
  it.each<[Record<string, string> | undefined | null, string]>([
    [undefined, '<none>'],
    [null, '<none>'],
    [{}, '<none>'],
    [{ app: 'web' }, 'app=web'],
    [{ tier: 'fe', app: 'web', 'a.io/x': '' }, 'a.io/x=,app=web,tier=fe'],
  ])('%j -> %j', (set, want) => {
    expect(formatLabels(set)).toBe(want);
  });
});

describe('selectorFromLabelSelector', () => {
  it('matchLabels and matchExpressions must all hold; empty selects everything, absent nothing', () => {
    const sel = selectorFromLabelSelector({ matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['front', 'edge'] }, { key: 'canary', operator: 'DoesNotExist' }] })!;
    expect(sel.toString()).toBe('app=web,!canary,tier in (edge,front)');
    expect(sel.matches({ app: 'web', tier: 'edge' })).toBe(true);
    expect(sel.matches({ app: 'web', tier: 'edge', canary: 'y' })).toBe(false);
    expect(sel.matches({ app: 'web', tier: 'back' })).toBe(false);
    expect(selectorFromLabelSelector({})!.matches({ any: 'thing' })).toBe(true);
    expect(selectorFromLabelSelector(undefined)).toBeNull();
    expect(() => selectorFromLabelSelector({ matchExpressions: [{ key: 'a', operator: 'Like', values: ['x'] }] })).toThrow('"Like" is not a valid label selector operator');
  });
});
