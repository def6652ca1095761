import { describe, expect, it } from 'vitest';
import { harness } from '../testing/harness.js';
import { parseResourceArgs } from './resource-args.js';

describe('parseResourceArgs', () => {
  it('reads TYPE NAME... and TYPE/NAME...', () => {
    expect(parseResourceArgs(['svc', 'a', 'b']).named).toEqual([
      { kind: 'Service', name: 'a' },
      { kind: 'Service', name: 'b' },
    ]);
    expect(parseResourceArgs(['svc/a', 'ep/a'])).toEqual({
      kinds: ['Service', 'Endpoints'],
      named: [
        { kind: 'Service', name: 'a' },
        { kind: 'Endpoints', name: 'a' },
      ],
      multipleKinds: true,
    });
  });

  it.each([
    [['svc', ''], 'resource name may not be empty'],
    [['svc', 'a', ''], 'resource name may not be empty'],
    [['svc/'], 'arguments in resource/name form must have a single resource and name'],
    [['/a'], 'arguments in resource/name form must have a single resource and name'],
    [['svc/a/b'], 'arguments in resource/name form may not have more than one slash'],
    [['svc/', 'a'], /^there is no need to specify a resource type as a separate argument/],
  ])('refuses %j like kubectl', (args, message) => {
    expect(() => parseResourceArgs(args)).toThrow(message);
  });
});

describe('empty names on the command line', () => {
  it('are refused before any request, for every command naming objects', async () => {
    const h = harness();
    await h.meshctl('create', 'service', 'clusterip', 'web', '--tcp=80');
    const calls = h.client.calls.length;
    for (const argv of [
      ['describe', 'svc', ''],
      ['get', 'svc', ''],
      ['delete', 'svc', ''],
      ['label', 'svc', '', 'a=b'],
      ['annotate', 'svc', '', 'a=b'],
      ['patch', 'svc', '', '-p', '{}'],
    ]) {
      expect(await h.meshctl(...argv)).toEqual({ code: 1, stdout: '', stderr: 'error: resource name may not be empty\n' });
    }
    expect(await h.meshctl('get', 'svc/')).toEqual({ code: 1, stdout: '', stderr: 'error: arguments in resource/name form must have a single resource and name\n' });
    expect(await h.meshctl('describe', 'svc/')).toEqual({ code: 1, stdout: '', stderr: 'error: arguments in resource/name form must have a single resource and name\n' });
    expect(h.client.calls.length).toBe(calls);
    expect(h.client.peek('Service', 'default', 'web')).toBeDefined();
  });
});
