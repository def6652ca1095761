/**
 * The label selector string parser: the same lexer, grammar, error wording and validation as
 * apimachinery's `labels.Parse`.
 *
 *   <selector>    ::= <requirement> | <requirement> "," <selector>
 *   <requirement> ::= [!] KEY [ ("in" | "notin") "(" VALUES ")" | ("=" | "==" | "!=" | ">" | "<") VALUE ]
 */

import { aggregate, field, type FieldError } from '../errors/field-error.js';
import { labelKeyErrors, labelValueErrors } from './label-syntax.js';
import { parseInt64, Selector, SelectorParseError, type Requirement, type SelectorOperator } from './selector.js';

type Token =
  | 'error'
  | 'eos'
  | ')'
  | ','
  | '!'
  | '=='
  | '='
  | '>'
  | 'identifier'
  | 'in'
  | '<'
  | '!='
  | 'notin'
  | '(';

const LITERAL_TOKENS: ReadonlyMap<string, Token> = new Map<string, Token>([
  [')', ')'],
  [',', ','],
  ['!', '!'],
  ['==', '=='],
  ['=', '='],
  ['>', '>'],
  ['in', 'in'],
  ['<', '<'],
  ['!=', '!='],
  ['notin', 'notin'],
  ['(', '('],
]);

/** The binary operators as the "expected:" part of Kubernetes' error lists them. */
const BINARY_OPERATORS = 'in, notin, =, ==, !=, gt, lt';

interface Item {
  tok: Token;
  lit: string;
}

const END = '\0';

function isWhitespace(ch: string): boolean {
  return ch === ' ' || ch === '\t' || ch === '\r' || ch === '\n';
}

function isSpecialSymbol(ch: string): boolean {
  return ch === '=' || ch === '!' || ch === '(' || ch === ')' || ch === ',' || ch === '>' || ch === '<';
}

/** Splits the input into tokens. Like Go's lexer, a NUL character reads as the end of input. */
function lex(s: string): Item[] {
  let pos = 0;
  const read = (): string => (pos < s.length ? s[pos++]! : END);
  const unread = (): void => {
    pos--;
  };

  const scanIdOrKeyword = (): Item => {
    let buf = '';
    for (;;) {
      const ch = read();
      if (ch === END) break;
      if (isSpecialSymbol(ch) || isWhitespace(ch)) {
        unread();
        break;
      }
      buf += ch;
    }
    const tok = LITERAL_TOKENS.get(buf);
    return tok ? { tok, lit: buf } : { tok: 'identifier', lit: buf };
  };

  const scanSpecialSymbol = (): Item => {
    let last: Item | undefined;
    let buf = '';
    for (;;) {
      const ch = read();
      if (ch === END) break;
      if (!isSpecialSymbol(ch)) {
        unread();
        break;
      }
      buf += ch;
      const tok = LITERAL_TOKENS.get(buf);
      if (tok) {
        last = { tok, lit: buf };
      } else if (last) {
        unread();
        break;
      }
    }
    return last ?? { tok: 'error', lit: `error expected: keyword found '${buf}'` };
  };

  const next = (): Item => {
    let ch = read();
    while (isWhitespace(ch)) ch = read();
    if (ch === END) return { tok: 'eos', lit: '' };
    unread();
    return isSpecialSymbol(ch) ? scanSpecialSymbol() : scanIdOrKeyword();
  };

  const items: Item[] = [];
  for (;;) {
    const item = next();
    items.push(item);
    if (item.tok === 'eos') return items;
  }
}

/** Builds a requirement, validating it as Kubernetes' NewRequirement does; throws the aggregated field errors. */
export function newRequirement(key: string, operator: SelectorOperator, values: readonly string[]): Requirement {
  const errs: FieldError[] = [];
  const keyErrs = labelKeyErrors(key);
  if (keyErrs.length) errs.push(field.invalid('key', key, keyErrs.join('; ')));
  switch (operator) {
    case 'in':
    case 'notin':
      if (values.length === 0) errs.push(field.invalid('values', [...values], "for 'in', 'notin' operators, values set can't be empty"));
      break;
    case '=':
    case '==':
    case '!=':
      if (values.length !== 1) errs.push(field.invalid('values', [...values], 'exact-match compatibility requires one single value'));
      break;
    case 'exists':
    case '!':
      if (values.length !== 0) errs.push(field.invalid('values', [...values], 'values set must be empty for exists and does not exist'));
      break;
    case 'gt':
    case 'lt':
      if (values.length !== 1) errs.push(field.invalid('values', [...values], "for 'Gt', 'Lt' operators, exactly one value is required"));
      values.forEach((v, i) => {
        if (parseInt64(v) === undefined) {
          errs.push(field.invalid(`values[${i}]`, v, "for 'Gt', 'Lt' operators, the value must be an integer"));
        }
      });
      break;
  }
  values.forEach((v, i) => {
    const valueErrs = labelValueErrors(v);
    if (valueErrs.length) errs.push(field.invalid(`values[${i}][${key}]`, v, valueErrs.join('; ')));
  });
  if (errs.length) throw new SelectorParseError(aggregate(errs));
  return { key, operator, values: Object.freeze([...values]) };
}

/** Go's sets.String(...).List(): de-duplicated, sorted. */
function sortedSet(values: Iterable<string>): string[] {
  return [...new Set(values)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

type Context = 'keyAndOperator' | 'values';

class Parser {
  private position = 0;

  constructor(private readonly items: Item[]) {}

  /** In a values context the keywords `in` / `notin` are plain identifiers. */
  private lookahead(ctx: Context): Item {
    return this.asContext(this.items[this.position]!, ctx);
  }

  private consume(ctx: Context): Item {
    return this.asContext(this.items[this.position++]!, ctx);
  }

  private asContext(item: Item, ctx: Context): Item {
    if (ctx === 'values' && (item.tok === 'in' || item.tok === 'notin')) return { tok: 'identifier', lit: item.lit };
    return item;
  }

  parse(): Requirement[] {
    const reqs: Requirement[] = [];
    for (;;) {
      const { tok, lit } = this.lookahead('values');
      if (tok === 'eos') return reqs;
      if (tok !== 'identifier' && tok !== '!') {
        throw new SelectorParseError(`found '${lit}', expected: !, identifier, or 'end of string'`);
      }
      try {
        reqs.push(this.parseRequirement());
      } catch (e) {
        if (e instanceof SelectorParseError) throw new SelectorParseError(`unable to parse requirement: ${e.message}`, { cause: e });
        throw e;
      }
      const after = this.consume('values');
      if (after.tok === 'eos') return reqs;
      if (after.tok !== ',') throw new SelectorParseError(`found '${after.lit}', expected: ',' or 'end of string'`);
      const next = this.lookahead('values');
      if (next.tok !== 'identifier' && next.tok !== '!') {
        throw new SelectorParseError(`found '${next.lit}', expected: identifier after ','`);
      }
    }
  }

  private parseRequirement(): Requirement {
    const { key, operator: inferred } = this.parseKeyAndInferOperator();
    if (inferred) return newRequirement(key, inferred, []);
    const operator = this.parseOperator();
    const values = operator === 'in' || operator === 'notin' ? this.parseValues() : this.parseExactValue();
    return newRequirement(key, operator, sortedSet(values));
  }

  /** Reads `[!]KEY`; a bare key (followed by "," or the end) means `exists`. */
  private parseKeyAndInferOperator(): { key: string; operator?: 'exists' | '!' } {
    let operator: 'exists' | '!' | undefined;
    let item = this.consume('values');
    if (item.tok === '!') {
      operator = '!';
      item = this.consume('values');
    }
    if (item.tok !== 'identifier') throw new SelectorParseError(`found '${item.lit}', expected: identifier`);
    const keyErrs = labelKeyErrors(item.lit);
    // Kubernetes reports this one with a nil field path, which Go prints as `<nil>`.
    if (keyErrs.length) throw new SelectorParseError(aggregate([field.invalid('<nil>', item.lit, keyErrs.join('; '))]));
    const next = this.lookahead('values').tok;
    if ((next === 'eos' || next === ',') && operator !== '!') operator = 'exists';
    return { key: item.lit, operator };
  }

  private parseOperator(): SelectorOperator {
    const { tok, lit } = this.consume('keyAndOperator');
    switch (tok) {
      case 'in':
        return 'in';
      case 'notin':
        return 'notin';
      case '=':
        return '=';
      case '==':
        return '==';
      case '!=':
        return '!=';
      case '>':
        return 'gt';
      case '<':
        return 'lt';
      default:
        throw new SelectorParseError(`found '${lit}', expected: ${BINARY_OPERATORS}`);
    }
  }

  /** `( v1, v2, ... )`; empty entries stand for the empty value, `()` is the set {""}. */
  private parseValues(): string[] {
    const open = this.consume('values');
    if (open.tok !== '(') throw new SelectorParseError(`found '${open.lit}' expected: '('`);
    const { tok, lit } = this.lookahead('values');
    if (tok === 'identifier' || tok === ',') {
      const values = this.parseIdentifiersList();
      if (this.consume('values').tok !== ')') throw new SelectorParseError(`found '${lit}', expected: ')'`);
      return values;
    }
    if (tok === ')') {
      this.consume('values');
      return [''];
    }
    throw new SelectorParseError(`found '${lit}', expected: ',', ')' or identifier`);
  }

  private parseIdentifiersList(): string[] {
    const values = new Set<string>();
    for (;;) {
      const { tok, lit } = this.consume('values');
      if (tok === 'identifier') {
        values.add(lit);
        const next = this.lookahead('values');
        if (next.tok === ',') continue;
        if (next.tok === ')') return [...values];
        throw new SelectorParseError(`found '${next.lit}', expected: ',' or ')'`);
      }
      if (tok === ',') {
        if (values.size === 0) values.add(''); // "(,"
        const next = this.lookahead('values').tok;
        if (next === ')') {
          values.add(''); // ",)"
          return [...values];
        }
        if (next === ',') values.add(''); // ",,"
        continue;
      }
      throw new SelectorParseError(`found '${lit}', expected: ',', or identifier`);
    }
  }

  /** The single value after `=`, `==`, `!=`, `>` or `<`; nothing before "," or the end is the empty value. */
  private parseExactValue(): string[] {
    const ahead = this.lookahead('values').tok;
    if (ahead === 'eos' || ahead === ',') return [''];
    const { tok, lit } = this.consume('values');
    if (tok === 'identifier') return [lit];
    throw new SelectorParseError(`found '${lit}', expected: identifier`);
  }
}

/**
 * Parses a label selector string (`a=b,c in (x,y),!d`). The empty string selects everything.
 * Throws SelectorParseError with Kubernetes' wording for malformed input or invalid keys/values.
 */
export function parseSelector(s: string): Selector {
  return new Selector(new Parser(lex(s)).parse());
}
