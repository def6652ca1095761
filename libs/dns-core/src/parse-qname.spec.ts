import { describe, expect, it } from 'vitest';
import { parseQname } from './parse-qname.js';

const Z = 'cluster.local.';

describe('parseQname', () => {
  it.each([
    // name, podOrSvc, namespace, service, endpoint, port, protocol
    ['_http._tcp.webs.mynamespace.svc.cluster.local.', 'svc', 'mynamespace', 'webs', '', 'http', 'tcp'],
    ['http.tcp.webs.mynamespace.svc.cluster.local.', 'svc', 'mynamespace', 'webs', '', 'http', 'tcp'],
    ['webs.mynamespace.svc.cluster.local.', 'svc', 'mynamespace', 'webs', '', '', ''],
    ['endpoint.webs.mynamespace.svc.cluster.local.', 'svc', 'mynamespace', 'webs', 'endpoint', '', ''],
    ['10-0-0-1.mynamespace.pod.cluster.local.', 'pod', 'mynamespace', '10-0-0-1', '', '', ''],
    ['mynamespace.svc.cluster.local.', 'svc', 'mynamespace', '', '', '', ''],
    ['cluster.local.', '', '', '', '', '', ''],
    ['svc.cluster.local.', '', '', '', '', '', ''],
    ['pod.cluster.local.', '', '', '', '', '', ''],
  ])('parses %s', (name, podOrSvc, namespace, service, endpoint, port, protocol) => {
    expect(parseQname(name, Z)).toEqual({ valid: true, request: { podOrSvc, namespace, service, endpoint, port, protocol } });
  });

  it.each([
    ['too long: three labels before the service', '_http._tcp.extra.webs.mynamespace.svc.cluster.local.'],
    ['too long: four', 'a.b.c.webs.mynamespace.svc.cluster.local.'],
    ['neither svc nor pod', 'webs.mynamespace.nosvc.cluster.local.'],
    ['one label that is not svc or pod', 'foo.cluster.local.'],
    ['dns-version is not a service name', 'dns-version.cluster.local.'],
  ])('rejects %s', (_why, name) => {
    expect(parseQname(name, Z)).toEqual({ valid: false });
  });

  it('works in any zone, the root included', () => {
    expect(parseQname('a.b.svc.', '.')).toMatchObject({ valid: true, request: { service: 'a', namespace: 'b' } });
    expect(parseQname('1.0.0.10.in-addr.arpa.', 'in-addr.arpa.')).toEqual({ valid: false });
  });
});
