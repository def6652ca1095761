import { describe, expect, it } from 'vitest';
import { parseSelector } from './parser.js';
import { Selector, type LabelSet } from './selector.js';

const web: LabelSet = { app: 'web', tier: 'frontend', version: '10' };

describe('Selector.matches', () => {
  it.each<[string, LabelSet | undefined, boolean]>([
    ['', web, true],
    ['', undefined, true],
    ['app=web', web, true],
    ['app==web', web, true],
    ['app=api', web, false],
    ['app=web', undefined, false],
    ['app!=api', web, true],
    ['app!=web', web, false],
    ['missing!=x', web, true],
    ['app in (api,web)', web, true],
    ['app in (api,db)', web, false],
    ['missing in (x)', web, false],
    ['app notin (api,db)', web, true],
    ['app notin (web)', web, false],
    ['missing notin (x)', web, true],
    ['app', web, true],
    ['missing', web, false],
    ['!missing', web, true],
    ['!app', web, false],
    ['!app', undefined, true],
    ['missing=', web, false],
    ['empty=', { empty: '' }, true],
    ['empty in ()', { empty: '' }, true],
    ['version>9', web, true],
    ['version>10', web, false],
    ['version<11', web, true],
    ['tier>1', web, false],
    ['missing<5', web, false],
    ['app=web,tier=frontend', web, true],
    ['app=web,tier=backend', web, false],
    ['app=web,!canary', web, true],
    ['app=web,!canary', { ...web, canary: 'true' }, false],
  ])('%j on %j -> %s', (sel, labels, want) => {
    expect(parseSelector(sel).matches(labels)).toBe(want);
  });

  it('does not see inherited object properties as labels', () => {
    expect(parseSelector('constructor').matches({})).toBe(false);
    expect(parseSelector('!toString').matches({ app: 'x' })).toBe(true);
  });
});

describe('Selector', () => {
  it('is empty only without requirements', () => {
    expect(parseSelector('').empty).toBe(true);
    expect(Selector.everything().empty).toBe(true);
    expect(Selector.everything().toString()).toBe('');
    expect(parseSelector('a').empty).toBe(false);
  });

  it('adds requirements, re-sorting by key', () => {
    const s = parseSelector('b=1').add({ key: 'a', operator: 'exists', values: [] });
    expect(s.toString()).toBe('a,b=1');
  });

  it.each<[string, string, string | undefined]>([
    ['a=x', 'a', 'x'],
    ['a==x', 'a', 'x'],
    ['a in (x)', 'a', 'x'],
    ['a in (x,y)', 'a', undefined],
    ['a!=x', 'a', undefined],
    ['b=x', 'a', undefined],
  ])('requiresExactMatch(%j, %j) = %j', (sel, key, want) => {
    expect(parseSelector(sel).requiresExactMatch(key)).toBe(want);
  });

  it('prints multi-value requirements sorted even when built by hand', () => {
    expect(new Selector([{ key: 'a', operator: 'in', values: ['z', 'b'] }]).toString()).toBe('a in (b,z)');
  });
});
