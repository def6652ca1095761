import { describe, expect, it } from 'vitest';
import { startFailure } from './run-app.js';

describe('startFailure', () => {
  it('words a failure by its cause, in one line', () => {
    const inUse = Object.assign(new Error('listen EADDRINUSE'), { code: 'EADDRINUSE', address: '0.0.0.0', port: 53 });
    expect(startFailure(inUse)).toBe('cannot listen on 0.0.0.0:53: address already in use');
    expect(startFailure(new Error('first line\n    at stack'))).toBe('first line');
  });
});
