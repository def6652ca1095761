import { describe, expect, it } from 'vitest';
import { BadRequestError } from '../errors/api-errors.js';
import { prepareForStatusUpdate } from '../strategy/prepare-for-status-update.js';
import type { KubeObject } from '../types/object.js';
import { applyPatch, type PatchType } from './apply-patch.js';
import { MAX_PATCH_DEPTH, jsonDepth } from './json.js';

/** `{"a":{"a":…{}…}}` nested `levels` objects deep. */
const nested = (levels: number) => '{"a":'.repeat(levels - 1) + '{}' + '}'.repeat(levels - 1);
const service = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'default' }, spec: { ports: [{ port: 80 }] }, status: {} };
const bodies = (levels: number): [PatchType, string][] => [
  ['merge', `{"status":${nested(levels - 1)}}`],
  ['strategic', `{"status":${nested(levels - 1)}}`],
  ['json', `[{"op":"add","path":"/status","value":${nested(levels - 2)}}]`],
];

describe('applyPatch', () => {
  it('counts nesting without recursing, and not inside strings', () => {
    expect(jsonDepth('{"a":[1,{"b":"[[[{{{"}],"c":"\\"{"}')).toBe(3);
    expect(jsonDepth('[]')).toBe(1);
    expect(jsonDepth(nested(100_000))).toBe(100_000);
  });

  it.each(bodies(MAX_PATCH_DEPTH))('%s: a patch nested to the limit applies, and a status update copies it', (type, body) => {
    const out = applyPatch('Service', service, type, body) as unknown as KubeObject;
    expect(jsonDepth(JSON.stringify(out))).toBeGreaterThanOrEqual(MAX_PATCH_DEPTH - 1); // a JSON patch spends a level on its op list
    expect(() => prepareForStatusUpdate(out, service as unknown as KubeObject)).not.toThrow();
  });

  it.each([...bodies(MAX_PATCH_DEPTH + 1), ...bodies(100_000)])('%s: a patch nested deeper is a 400, not a stack overflow', (type, body) => {
    expect(() => applyPatch('Service', service, type, body)).toThrow(BadRequestError);
    expect(() => applyPatch('Service', service, type, body)).toThrow(`error decoding patch: exceeded max depth of ${MAX_PATCH_DEPTH}`);
  });

  it('keeps a __proto__ key a patch adds to a map, with every patch type (the prototype stays as it was)', () => {
    const patches: [PatchType, string][] = [
      ['merge', '{"metadata":{"labels":{"__proto__":"y","a":"b"}}}'],
      ['strategic', '{"metadata":{"labels":{"__proto__":"y","a":"b"}}}'],
      ['json', '[{"op":"add","path":"/metadata/labels","value":{"a":"b"}},{"op":"add","path":"/metadata/labels/__proto__","value":"y"}]'],
    ];
    for (const [type, body] of patches) {
      const out = applyPatch('Service', service as unknown as KubeObject, type, body) as unknown as { metadata: { labels: Record<string, string> } };
      expect([type, Object.keys(out.metadata.labels).sort()]).toEqual([type, ['__proto__', 'a']]);
      expect(Object.getPrototypeOf(out.metadata.labels)).toBe(Object.prototype);
    }
  });
});
