/**
 * No array that grows with the cluster is spread into a call's arguments (`a.push(...b)`,
 * `Math.max(...b)`): V8 puts every element on the stack and throws "Maximum call stack size
 * exceeded" somewhere past ~100k elements. Source uses pushAll / maxOf / minOf from @minimesh/api.
 * The only exception is the validation code of libs/api, whose spreads are the few field errors
 * of one field at a time.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { allFiles, isTestCode, readProjects, rel } from './projects.js';

const SPREAD_CALL = /\.push\(\s*\.\.\.|Math\.(max|min)\(\s*\.\.\.|fromCharCode\(\s*\.\.\./;

describe('call spreads', () => {
  it('spreads - no push(...x), Math.max(...x) or Math.min(...x) outside test code and validation', () => {
    const found: string[] = [];
    for (const p of readProjects()) {
      for (const f of allFiles(p)) {
        if (isTestCode(p, f) || rel(f).startsWith('libs/api/src/validation/')) continue;
        readFileSync(f, 'utf8')
          .split('\n')
          .forEach((line, i) => {
            if (SPREAD_CALL.test(line) && !line.trim().startsWith('*') && !line.trim().startsWith('//')) found.push(`${rel(f)}:${i + 1}: ${line.trim()}`);
          });
      }
    }
    expect(found).toEqual([]);
  });
});
