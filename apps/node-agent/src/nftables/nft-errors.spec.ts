import { describe, expect, it } from 'vitest';
import { nftErrorSummary } from './nft-errors.js';

describe('nftErrorSummary', () => {
  it('nft errors - each error with the command under its carets', () => {
    const stderr =
      'Error: Could not process rule: No such file or directory\n' +
      'add element ip t s { 10.0.0.1 } ; delete element ip t s { 10.9.9.9 }\n' +
      '                                                          ^^^^^^^^\n';
    expect(nftErrorSummary(stderr)).toBe('Error: Could not process rule: No such file or directory: delete element ip t s { 10.9.9.9 }');
  });

  it('nft errors - nft -f input with a location; an error without carets; other text', () => {
    const stderr = '/dev/stdin:2:1-20: Error: Could not process rule: File exists\nadd chain ip t c\n^^^^^^^^^^^^^^^^\nError: syntax error\n';
    expect(nftErrorSummary(stderr)).toBe('Error: Could not process rule: File exists: add chain ip t c | Error: syntax error');
    expect(nftErrorSummary('nft: something else\n')).toBe('nft: something else');
  });
});
