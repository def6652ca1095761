import { describe, expect, it } from 'vitest';
import { ownIPv4, validate, type PodOptions } from './container-kubelet.js';

const base: PodOptions = { server: '', 'certificate-authority': '', 'token-file': '', 'register-node': false, node: 'node1', cluster: 'compose', pod: 'web-1', namespace: 'default', labels: 'app=web', port: '80', ip: '' };

describe('minimesh-pod', () => {
  it('takes the first IPv4 address that is not loopback as its own', () => {
    const ifaces = {
      lo: [{ address: '127.0.0.1', family: 'IPv4', internal: true }],
      eth0: [{ address: 'fe80::1', family: 'IPv6', internal: false }, { address: '172.28.0.5', family: 'IPv4', internal: false }],
    } as unknown as NodeJS.Dict<import('node:os').NetworkInterfaceInfo[]>;
    expect(ownIPv4(ifaces)).toBe('172.28.0.5');
    expect(ownIPv4({ lo: ifaces.lo })).toBeUndefined();
  });

  it('refuses flags that do not fit: no node, both or neither role, a bad port or label', () => {
    expect(() => validate(base)).not.toThrow();
    expect(() => validate({ ...base, node: '' })).toThrow('--node is required');
    expect(() => validate({ ...base, 'register-node': true })).toThrow('give exactly one of --register-node and --pod');
    expect(() => validate({ ...base, pod: '' })).toThrow('give exactly one of --register-node and --pod');
    expect(() => validate({ ...base, port: '80,99999' })).toThrow('port must be between 1 and 65535');
    expect(() => validate({ ...base, labels: 'no-equals' })).toThrow();
  });
});
