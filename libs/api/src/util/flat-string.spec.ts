import { describe, expect, it } from 'vitest';
import { flat } from './flat-string.js';

describe('flat', () => {
  it('returns the same string, whatever it is made of', () => {
    const parts = ['study', '/', 'service-clusterip', ':', 'http', '/', 'TCP'];
    const built = parts.reduce((a, b) => a + b, '');
    expect(flat(built)).toBe('study/service-clusterip:http/TCP');
    expect(flat('')).toBe('');
    expect(flat('ü/☃')).toBe('ü/☃');
  });
});
