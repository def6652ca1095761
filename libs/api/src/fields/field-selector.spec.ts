import { describe, expect, it } from 'vitest';
import { BadRequestError } from '../errors/api-errors.js';
import type { Pod } from '../types/core.js';
import { parseFieldSelector } from './field-selector.js';

const pod = (name: string, node: string, phase = 'Running'): Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'study' },
  spec: { nodeName: node, containers: [] },
  status: { phase },
});

describe('field selectors', () => {
  it('select by metadata and by the kind’s own fields', () => {
    const pods = [pod('a', 'node1'), pod('b', 'node2'), pod('c', 'node1', 'Failed')];
    const pick = (s: string) => pods.filter((p) => parseFieldSelector(s, 'Pod').matches(p)).map((p) => p.metadata.name);
    expect(pick('spec.nodeName=node1')).toEqual(['a', 'c']);
    expect(pick('spec.nodeName==node1,status.phase!=Failed')).toEqual(['a']);
    expect(pick('metadata.name=b,metadata.namespace=study')).toEqual(['b']);
    expect(pick('')).toEqual(['a', 'b', 'c']);
  });

  it('reads escapes in values and prints them back', () => {
    const s = parseFieldSelector('metadata.name=a\\,b\\=c', 'Service');
    expect(s.requirements).toEqual([{ field: 'metadata.name', op: '=', value: 'a,b=c' }]);
    expect(s.toString()).toBe('metadata.name=a\\,b\\=c');
    expect(s.exact('metadata.name')).toBe('a,b=c');
  });

  it('refuses what the apiserver refuses', () => {
    expect(() => parseFieldSelector('spec.foo=bar', 'Pod')).toThrow(new BadRequestError('field label not supported: spec.foo'));
    expect(() => parseFieldSelector('spec.nodeName=x', 'Service')).toThrow('field label not supported: spec.nodeName');
    expect(() => parseFieldSelector('metadata.namespace=x', 'Node')).toThrow('field label not supported: metadata.namespace');
    expect(() => parseFieldSelector('metadata.name', 'Pod')).toThrow(BadRequestError);
  });
});
