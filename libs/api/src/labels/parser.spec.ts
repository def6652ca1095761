import { describe, expect, it } from 'vitest';
import { parseSelector } from './parser.js';
import { SelectorParseError } from './selector.js';

const NAME_PART_REGEX =
  "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character " +
  "(e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const VALUE_REGEX =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character " +
  "(e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";

describe('parseSelector - canonical form', () => {
  it.each([
    ['', ''],
    ['   ', ''],
    ['a=b', 'a=b'],
    ['a==b', 'a==b'],
    ['a!=b', 'a!=b'],
    ['a', 'a'],
    ['!a', '!a'],
    ['a in (x,y)', 'a in (x,y)'],
    ['a in (y,x,y)', 'a in (x,y)'],
    ['a notin (x)', 'a notin (x)'],
    ['a in ()', 'a in ()'],
    ['a in (,x)', 'a in (,x)'],
    ['a in (x,)', 'a in (,x)'],
    ['a in (x,,y)', 'a in (,x,y)'],
    ['a in (in,notin)', 'a in (in,notin)'],
    ['in=notin', 'in=notin'],
    ['a=', 'a='],
    ['a=,b', 'a=,b'],
    ['x>1', 'x>1'],
    ['x<10', 'x<10'],
    ['  z = 1 ,  a in ( x , y ) , ! m  ', 'a in (x,y),!m,z=1'],
    ['b=1,a=2,c', 'a=2,b=1,c'],
    ['\ta\n=\rb', 'a=b'],
    ['example.com/app=web', 'example.com/app=web'],
    ['app.kubernetes.io/name in (api, web)', 'app.kubernetes.io/name in (api,web)'],
    ['x in (foo,,baz),y,z notin ()', 'x in (,baz,foo),y,z notin ()'],
  ])('%j -> %j', (input, canonical) => {
    expect(parseSelector(input).toString()).toBe(canonical);
  });

  it('keeps requirements on the same key in input order, sorted among other keys', () => {
    expect(parseSelector('b=1,a!=2,a=3').toString()).toBe('a!=2,a=3,b=1');
  });

  it('parses requirements into key, operator and sorted values', () => {
    expect(parseSelector('!d,c notin (z,y),b==2,a').requirements).toEqual([
      { key: 'a', operator: 'exists', values: [] },
      { key: 'b', operator: '==', values: ['2'] },
      { key: 'c', operator: 'notin', values: ['y', 'z'] },
      { key: 'd', operator: '!', values: [] },
    ]);
  });

  it('round-trips its canonical form', () => {
    for (const s of ['a in (x,y),!b,c!=d,e', 'k>5,k<9', 'a=,b in ()']) {
      const once = parseSelector(s).toString();
      expect(parseSelector(once).toString()).toBe(once);
    }
  });
});

describe('parseSelector - errors', () => {
  it.each([
    [',', "found ',', expected: !, identifier, or 'end of string'"],
    ['=a', "found '=', expected: !, identifier, or 'end of string'"],
    ['a,', "found '', expected: identifier after ','"],
    ['a,,b', "found ',', expected: identifier after ','"],
    ['a=b c', "found 'c', expected: ',' or 'end of string'"],
    ['a=b)', "found ')', expected: ',' or 'end of string'"],
    ['!a=b', "found '=', expected: ',' or 'end of string'"],
    ['!', "unable to parse requirement: found '', expected: identifier"],
    ['!!a', "unable to parse requirement: found '!', expected: identifier"],
    ['a b', "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt"],
    ['a (x)', "unable to parse requirement: found '(', expected: in, notin, =, ==, !=, gt, lt"],
    ['a in', "unable to parse requirement: found '' expected: '('"],
    ['a in x', "unable to parse requirement: found 'x' expected: '('"],
    ['a in (x', "unable to parse requirement: found '', expected: ',' or ')'"],
    ['a in (x y)', "unable to parse requirement: found 'y', expected: ',' or ')'"],
    ['a in (=)', "unable to parse requirement: found '=', expected: ',', ')' or identifier"],
    ['a in (x,=)', "unable to parse requirement: found '=', expected: ',', or identifier"],
    ['a===b', "unable to parse requirement: found '=', expected: identifier"],
    ['a=(b)', "unable to parse requirement: found '(', expected: identifier"],
  ])('%j', (input, message) => {
    expect(() => parseSelector(input)).toThrow(new SelectorParseError(message));
  });

  it('throws a named SelectorParseError', () => {
    try {
      parseSelector('a in');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(SelectorParseError);
      expect((e as Error).name).toBe('SelectorParseError');
    }
  });
});

describe('parseSelector - key and value syntax', () => {
  it.each([
    ['a@b=c', `unable to parse requirement: <nil>: Invalid value: "a@b": ${NAME_PART_REGEX}`],
    ['-a', `unable to parse requirement: <nil>: Invalid value: "-a": ${NAME_PART_REGEX}`],
    ['/a', 'unable to parse requirement: <nil>: Invalid value: "/a": prefix part must be non-empty'],
    ['a/', `unable to parse requirement: <nil>: Invalid value: "a/": name part must be non-empty; ${NAME_PART_REGEX}`],
    [
      'Example.com/a',
      'unable to parse requirement: <nil>: Invalid value: "Example.com/a": prefix part a lowercase RFC 1123 subdomain must consist of lower case ' +
        "alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation " +
        "is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
    ],
    [
      'a/b/c',
      'unable to parse requirement: <nil>: Invalid value: "a/b/c": a qualified name must consist of alphanumeric characters, \'-\', \'_\' or \'.\', ' +
        "and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is " +
        "'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
    ],
    [
      `${'k'.repeat(64)}`,
      `unable to parse requirement: <nil>: Invalid value: "${'k'.repeat(64)}": name part must be no more than 63 characters`,
    ],
    ['a=b@c', `unable to parse requirement: values[0][a]: Invalid value: "b@c": ${VALUE_REGEX}`],
    ['a=-b', `unable to parse requirement: values[0][a]: Invalid value: "-b": ${VALUE_REGEX}`],
    [
      `a=${'v'.repeat(64)}`,
      `unable to parse requirement: values[0][a]: Invalid value: "${'v'.repeat(64)}": must be no more than 63 characters`,
    ],
    [
      'a in (ok,x@,y@)',
      `unable to parse requirement: [values[1][a]: Invalid value: "x@": ${VALUE_REGEX}, values[2][a]: Invalid value: "y@": ${VALUE_REGEX}]`,
    ],
    ['a>x', `unable to parse requirement: values[0]: Invalid value: "x": for 'Gt', 'Lt' operators, the value must be an integer`],
    ['a<', `unable to parse requirement: values[0]: Invalid value: "": for 'Gt', 'Lt' operators, the value must be an integer`],
  ])('%j', (input, message) => {
    expect(() => parseSelector(input)).toThrow(new SelectorParseError(message));
  });

  it.each(['a=' + 'v'.repeat(63), 'k'.repeat(63), `${'p'.repeat(253)}/k`, 'A_b.C-9=Z_y.X-0', 'a=', 'a in ()'])('accepts %j', (input) => {
    expect(() => parseSelector(input)).not.toThrow();
  });
});
