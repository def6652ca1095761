/**
 * No array that grows with the cluster is spread into a call's arguments (`a.push(...b)`,
 * `a.push(x, ...b)`, `Math.max(n, ...b)`): V8 puts every element on the stack and throws "Maximum
 * call stack size exceeded" somewhere past ~100k elements. Source uses pushAll / maxOf / minOf from
 * @minimesh/api. The only exception is the validation code of libs/api, where what is still spread
 * is the errors of one field (one address, one port, one name); whole objects and lists go through
 * pushAll there too.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { allFiles, isTestCode, readProjects, rel } from './projects.js';

/** A spread among the arguments of push/unshift/splice, Math.max/min or fromCharCode, after other arguments or a line break. */
const SPREAD_CALL = /(?:\.(?:push|unshift|splice)|Math\.(?:max|min)|fromCharCode)\(\s*(?:[^()[\]{};]*?,\s*)?\.\.\./g;

describe('call spreads', () => {
  it('spreads - no push(...x), Math.max(...x) or Math.min(...x) outside test code and validation', () => {
    const found: string[] = [];
    for (const p of readProjects()) {
      for (const f of allFiles(p)) {
        if (isTestCode(p, f) || rel(f).startsWith('libs/api/src/validation/')) continue;
        const text = readFileSync(f, 'utf8');
        const lines = text.split('\n');
        for (const m of text.matchAll(SPREAD_CALL)) {
          const i = text.slice(0, m.index).split('\n').length - 1;
          const line = lines[i]!.trim();
          if (!line.startsWith('*') && !line.startsWith('//')) found.push(`${rel(f)}:${i + 1}: ${line}`);
        }
      }
    }
    expect(found).toEqual([]);
  });
});
