import { describe, expect, it } from 'vitest';
import { FlagError, parseFlags } from '@minimesh/runtime';
import { configEnv, configPath } from './config-file.js';
import { serverLabel } from './app.js';
import { DNS_FLAGS } from './options.js';
import { parseAcl } from './plugins/acl-plugin.js';
import { parseUpstream } from './plugins/upstream-exchange.js';
import { parseResolvConf } from './resolv-conf.js';

const load = (argv: string[], env: Record<string, string>, file?: string) => {
  const path = configPath(DNS_FLAGS, argv, env);
  const fromFile = path ? configEnv(DNS_FLAGS, path, () => file ?? '{}') : {};
  return parseFlags(DNS_FLAGS, argv, { ...fromFile, ...env }).values;
};

describe('options', () => {
  it('defaults: kubeadm\'s Corefile and CoreDNS\'s ports; no open resolver (loopback, forwarding for the cluster networks, 1232-byte UDP)', () => {
    const o = load([], {});
    expect([o.acl, o['allow-forward-from'], o['max-udp-size'], o['max-tcp-connections'], o['max-tcp-queries'], o['tcp-idle-timeout']]).toEqual(['', '127.0.0.0/8,::1/128,10.244.0.0/16,10.96.0.0/12', 1232, 1000, 100, 10]);
    expect(o).toMatchObject({ listen: '127.0.0.1:53', zones: 'cluster.local,in-addr.arpa,ip6.arpa', ttl: 30, pods: 'insecure', 'cache-ttl': 30, 'cache-size': 9984 });
    expect([o['health-listen'], o['ready-listen'], o['metrics-listen'], o.lameduck, o['register-service'], o['service-ip']]).toEqual(['0.0.0.0:8080', '0.0.0.0:8181', '0.0.0.0:9153', 5, true, '10.96.0.10']);
  });

  it('a config file sets anything; the environment beats it, and flags beat both', () => {
    const file = JSON.stringify({ ttl: 5, pods: 'verified', upstreams: ['127.0.0.1:5300', '127.0.0.2'], 'register-service': false });
    const o = load(['--config', 'x.json', '--pods', 'disabled'], { MINIMESH_TTL: '7' }, file);
    expect([o.ttl, o.pods, o.upstreams, o['register-service']]).toEqual([7, 'disabled', '127.0.0.1:5300,127.0.0.2', false]);
    expect(load(['--config=x.json'], {}, file).ttl).toBe(5);
    expect(load([], { MINIMESH_CONFIG: 'x.json' }, file).ttl).toBe(5);
  });

  it('acl in a config file: one policy or rule per array item (items are lines, not comma-separated)', () => {
    const file = JSON.stringify({ acl: ['cluster.local { allow }', '. {', 'allow net 10.0.0.0/8 192.168.0.0/16', 'block', '}'], 'allow-forward-from': ['127.0.0.0/8', '10.0.0.0/8'] });
    const o = load(['--config', 'x.json'], {}, file);
    expect(parseAcl(o.acl)).toEqual([
      { zones: ['cluster.local.'], rules: [{ action: 'allow', types: [], nets: [] }] },
      { zones: ['.'], rules: [{ action: 'allow', types: [], nets: ['10.0.0.0/8', '192.168.0.0/16'] }, { action: 'block', types: [], nets: [] }] },
    ]);
    expect(o['allow-forward-from']).toBe('127.0.0.0/8,10.0.0.0/8');
    expect(load(['--config', 'x.json'], {}, JSON.stringify({ acl: 'allow net 10.0.0.0/8\nblock' })).acl).toBe('allow net 10.0.0.0/8\nblock');
    expect(() => load(['--config', 'x.json'], {}, JSON.stringify({ acl: ['allow net'] }))).toThrow('no net given');
  });

  it('refuses what it does not know or cannot take', () => {
    expect(() => load(['--config', 'x'], {}, '{"colour": 1}')).toThrow('unknown key "colour"');
    expect(() => load(['--config', 'x'], {}, '[1]')).toThrow('must be a JSON object');
    expect(() => load(['--config', 'x'], {}, '{"ttl": 4000}')).toThrow(FlagError);
    expect(() => load(['--pods', 'maybe'], {})).toThrow('"maybe" is not one of disabled, insecure, verified');
    expect(() => load(['--policy', 'first'], {})).toThrow('not one of random, round_robin, sequential');
    expect(() => load(['--acl', 'permit net 10.0.0.0/8'], {})).toThrow('unknown action "permit"');
    expect(() => load(['--allow-forward-from', '10.0.0.0/40'], {})).toThrow('"10.0.0.0/40" has no valid prefix length');
    expect(() => load(['--max-udp-size', '100'], {})).toThrow(FlagError);
  });

  it('resolv.conf nameservers and upstream addresses', () => {
    expect(parseResolvConf('# x\nsearch a.b\nnameserver 10.0.0.2\nnameserver fe80::1%eth0\n  nameserver 1.1.1.1 # c\noptions ndots:5\n')).toEqual(['10.0.0.2', 'fe80::1', '1.1.1.1']);
    expect(parseUpstream('10.0.0.2')).toEqual({ host: '10.0.0.2', port: 53, family: 4, label: '10.0.0.2:53' });
    expect(parseUpstream('127.0.0.1:5300').label).toBe('127.0.0.1:5300');
    expect(parseUpstream('[::1]:5300')).toMatchObject({ host: '::1', port: 5300, family: 6, label: '[::1]:5300' });
    expect(parseUpstream('dns://2001:db8::1').label).toBe('[2001:db8::1]:53');
    expect(() => parseUpstream('resolver.example')).toThrow('is not an IP address');
  });

  it('durations take Go\'s syntax (CoreDNS writes 2s, 500ms) or seconds', () => {
    expect(load(['--forward-timeout', '500ms', '--health-check', '1s', '--lameduck', '0'], {})).toMatchObject({ 'forward-timeout': 0.5, 'health-check': 1, lameduck: 0 });
    expect(load(['--config', 'x'], {}, '{"forward-timeout": 3}')['forward-timeout']).toBe(3);
    expect(() => load(['--forward-timeout', '0'], {})).toThrow('invalid value for --forward-timeout: "0": must be greater than 0');
    expect(() => load(['--lameduck', '-1s'], {})).toThrow('invalid value for --lameduck: "-1s": must be greater than or equal to 0');
    expect(() => load(['--forward-timeout', '2 min'], {})).toThrow('invalid value for --forward-timeout: time: invalid duration "2 min"');
  });

  it('zones, upstreams and addresses are checked when parsed, not when the server starts', () => {
    expect(() => load(['--zones', 'bad zone'], {})).toThrow('invalid value for --zones: "bad zone" is not a domain name');
    expect(() => load(['--zones', 'in-addr.arpa'], {})).toThrow('invalid value for --zones: at least one zone must not be a reverse zone');
    expect(() => load(['--fallthrough', 'a..b'], {})).toThrow('invalid value for --fallthrough: "a..b" is not a domain name');
    expect(() => load(['--upstreams', 'resolver.example'], {})).toThrow('invalid value for --upstreams: "resolver.example" is not an IP address (with an optional port)');
    expect(() => load(['--upstreams', ','], {})).toThrow('invalid value for --upstreams: no address given');
    expect(() => load(['--service-ip', '10.96.0'], {})).toThrow('invalid value for --service-ip: "10.96.0" is not an IP address');
    expect(() => load(['--service-ip', 'fd00::10'], {})).toThrow('IPv6 is not supported');
    expect(() => load(['--local-ips', '10.0.0.1,foo'], {})).toThrow('invalid value for --local-ips: "foo" is not an IP address');
    expect(() => load(['--ttl', 'abc'], {})).toThrow('invalid value for --ttl: "abc" is not an integer');
    expect(load(['--zones', 'example.org,cluster.local', '--upstreams', '10.0.0.2:5300', '--local-ips', '10.0.0.1,::1'], {})).toMatchObject({ zones: 'example.org,cluster.local' });
  });

  it('the server label is CoreDNS\'s', () => {
    expect(serverLabel('0.0.0.0:53', 53)).toBe('dns://:53');
    expect(serverLabel('10.96.0.10:53', 53)).toBe('dns://10.96.0.10:53');
  });
});
