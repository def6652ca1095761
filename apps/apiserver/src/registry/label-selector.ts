import { BadRequestError, parseSelector, type Selector } from '@minimesh/api';

/** A label selector from a request: a syntax error is a 400 with the parser's reason. */
export function parseLabelSelector(text: string): Selector {
  try {
    return parseSelector(text);
  } catch (e) {
    throw new BadRequestError(`unable to parse label selector "${text}": ${(e as Error).message}`);
  }
}
