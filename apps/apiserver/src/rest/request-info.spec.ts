import { describe, expect, it } from 'vitest';
import { requestTarget } from './request-info.js';

const resource = (group: string, version: string, resource: string, namespace = '', name = '', subresource = '', watchPrefix = false) => ({
  type: 'resource',
  req: { group, version, resource, namespace, namespacedPath: namespace !== '', name, subresource, watchPrefix },
});

describe('requestTarget', () => {
  it.each([
    ['/api', { type: 'discovery', legacy: true }],
    ['/api/v1', { type: 'discovery', legacy: true, group: '', version: 'v1' }],
    ['/apis', { type: 'discovery', legacy: false }],
    ['/apis/discovery.k8s.io', { type: 'discovery', legacy: false, group: 'discovery.k8s.io' }],
    ['/apis/discovery.k8s.io/v1', { type: 'discovery', legacy: false, group: 'discovery.k8s.io', version: 'v1' }],
  ])('discovery: %s', (path, want) => expect(requestTarget(path)).toEqual(want));

  it.each([
    ['/api/v1/services', resource('', 'v1', 'services')],
    ['/api/v1/namespaces/default/services', resource('', 'v1', 'services', 'default')],
    ['/api/v1/namespaces/default/services/web', resource('', 'v1', 'services', 'default', 'web')],
    ['/api/v1/namespaces/default/services/web/status', resource('', 'v1', 'services', 'default', 'web', 'status')],
    ['/api/v1/namespaces', resource('', 'v1', 'namespaces')],
    ['/api/v1/namespaces/team-a', resource('', 'v1', 'namespaces', '', 'team-a')],
    ['/api/v1/namespaces/team-a/status', resource('', 'v1', 'namespaces', '', 'team-a', 'status')],
    ['/api/v1/nodes/node1', resource('', 'v1', 'nodes', '', 'node1')],
    ['/apis/discovery.k8s.io/v1/namespaces/default/endpointslices', resource('discovery.k8s.io', 'v1', 'endpointslices', 'default')],
    ['/api/v1/watch/namespaces/default/services', resource('', 'v1', 'services', 'default', '', '', true)],
    ['/api/v1/namespaces/default/services/a%2Fb', resource('', 'v1', 'services', 'default', 'a/b')],
    // Dot segments are names like any other (the handler refuses them), never the parent path.
    ['/api/v1/namespaces/victim/services/%2E%2E', resource('', 'v1', 'services', 'victim', '..')],
    ['/api/v1/namespaces/victim/services/..', resource('', 'v1', 'services', 'victim', '..')],
    ['/api/v1/namespaces/victim/services/.', resource('', 'v1', 'services', 'victim', '.')],
  ])('resources: %s', (path, want) => expect(requestTarget(path)).toEqual(want));

  it('a path with more segments than a resource has names nothing', () => {
    expect(requestTarget('/api/v1/namespaces/default/services/web/status/extra').type).toBe('other');
    expect(requestTarget('/metrics').type).toBe('other');
  });

  it('decodes %-escapes, and a broken one is a 400 BadRequest in Go\'s words, never a 500', () => {
    expect(requestTarget('/api/v1/namespaces/default/services/we%62')).toMatchObject({ type: 'resource', req: { name: 'web' } });
    const refused = (path: string) => {
      try {
        requestTarget(path);
      } catch (e) {
        return (e as { status: { code: number; reason: string; message: string } }).status;
      }
      return undefined;
    };
    expect(refused('/api/v1/namespaces/default/services/%zz')).toEqual({ code: 400, reason: 'BadRequest', message: 'invalid URL escape "%zz"', details: {} });
    expect(refused('/api/v1/namespaces/default/services/web%')).toMatchObject({ code: 400, message: 'invalid URL escape "%"' });
    expect(refused('/api/v1/namespaces/%ff%fe/services')).toMatchObject({ code: 400, message: 'invalid URL escape: the path is not UTF-8' });
  });
});
