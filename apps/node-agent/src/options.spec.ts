/** The node agent's flags: kube-proxy's values (durations such as 30s) and its checks, refused when parsed. */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { FlagError, parseFlags } from '@minimesh/runtime';
import { NODE_AGENT_FLAGS, defaultNodeAgentOptions, parseBpfDevices, validateNodeAgentOptions } from './options.js';

const parse = (argv: string[]) => parseFlags(NODE_AGENT_FLAGS, argv, {}).values;

describe('node-agent flags', () => {
  it('sync periods are durations, as kube-proxy takes them', () => {
    expect(defaultNodeAgentOptions()).toMatchObject({ 'min-sync-period': 1, 'sync-period': 30 });
    expect(parse(['--min-sync-period', '500ms', '--sync-period', '1m'])).toMatchObject({ 'min-sync-period': 0.5, 'sync-period': 60 });
    expect(parse(['--min-sync-period', '0'])['min-sync-period']).toBe(0);
    expect(() => parse(['--sync-period', '-5'])).toThrow(new FlagError('invalid value for --sync-period: "-5": must be greater than 0'));
    expect(() => parse(['--min-sync-period', '-1s'])).toThrow('invalid value for --min-sync-period: "-1s": must be greater than or equal to 0');
    expect(() => parse(['--sync-period', 'often'])).toThrow('invalid value for --sync-period: time: invalid duration "often"');
    expect(() => validateNodeAgentOptions(parse(['--min-sync-period', '1m']))).toThrow('--sync-period (30s) must be greater than or equal to --min-sync-period (1m0s)');
    expect(() => validateNodeAgentOptions(parse([]))).not.toThrow();
  });

  it('modes, CIDRs and names are checked before anything is programmed', () => {
    expect(() => parse(['--proxy-mode', 'kernelspace'])).toThrow('invalid value for --proxy-mode: "kernelspace" is not one of iptables, nftables');
    expect(() => parse(['--cluster-cidr', '10.244.0.0/33'])).toThrow('invalid value for --cluster-cidr: "10.244.0.0/33" must be a valid CIDR block (e.g. 10.100.0.0/16)');
    expect(() => parse(['--cluster-cidr', 'fd00::/48'])).toThrow('IPv6 is not supported (minimesh is single-stack IPv4): fd00::/48');
    expect(parse(['--cluster-cidr', ''])['cluster-cidr']).toBe('');
    expect(() => parse(['--nodeport-addresses', '10.0.0.0/8,foo'])).toThrow('invalid value for --nodeport-addresses: "foo" must be a valid CIDR');
    expect(parse(['--nodeport-addresses', '127.0.0.0/8, fd00::/64'])['nodeport-addresses']).toBe('127.0.0.0/8, fd00::/64');
    expect(() => parse(['--chain-prefix', 'A B'])).toThrow('invalid value for --chain-prefix: "A B" is not a chain prefix');
    expect(() => parse(['--chain-prefix', 'VERYLONGPREFIX-'])).toThrow('chain names would exceed 28 characters');
    expect(parse(['--chain-prefix', 'MM-'])['chain-prefix']).toBe('MM-');
    expect(() => parse(['--nft-table', '1x'])).toThrow('invalid value for --nft-table: "1x" is not an nftables table name');
    expect(() => parse(['--node-name', ''])).toThrow('invalid value for --node-name: must not be empty');
  });

  it('userspace mode\'s flags: the six schedulers, a UDP timeout, a connection limit; refused for other modes', () => {
    expect(defaultNodeAgentOptions()).toMatchObject({ 'userspace-scheduler': '', 'udp-timeout': 30, 'userspace-max-connections': 10000 });
    const o = parse(['--proxy-mode', 'userspace', '--userspace-scheduler', 'lc', '--udp-timeout', '1s', '--userspace-max-connections', '0']);
    expect(o).toMatchObject({ 'proxy-mode': 'userspace', 'userspace-scheduler': 'lc', 'udp-timeout': 1, 'userspace-max-connections': 0 });
    expect(() => validateNodeAgentOptions(o)).not.toThrow();
    expect(() => parse(['--userspace-scheduler', 'wrr'])).toThrow('invalid value for --userspace-scheduler: unknown scheduler "wrr": must be one of rr, lc, dh, sh, sed, nq');
    expect(() => parse(['--userspace-max-connections', '-1'])).toThrow('invalid value for --userspace-max-connections');
    expect(() => validateNodeAgentOptions(parse(['--userspace-scheduler', 'sh']))).toThrow('--userspace-scheduler applies to --proxy-mode=userspace only, not --proxy-mode=iptables');
  });

  it('ipvs mode\'s flags: a known scheduler, strict ARP, exclude CIDRs; refused for other modes', () => {
    const o = parse(['--proxy-mode', 'ipvs', '--ipvs-scheduler', 'sed', '--ipvs-strict-arp', '--ipvs-exclude-cidrs', '10.0.0.0/8']);
    expect(o).toMatchObject({ 'ipvs-scheduler': 'sed', 'ipvs-strict-arp': true, 'ipvs-exclude-cidrs': '10.0.0.0/8' });
    expect(() => validateNodeAgentOptions(o)).not.toThrow();
    expect(() => parse(['--ipvs-scheduler', 'fastest'])).toThrow('invalid value for --ipvs-scheduler: unknown IPVS scheduler "fastest"');
    expect(() => validateNodeAgentOptions(parse(['--ipvs-scheduler', 'lc']))).toThrow('--ipvs-scheduler applies to --proxy-mode=ipvs only, not --proxy-mode=iptables');
    expect(() => validateNodeAgentOptions(parse(['--proxy-mode', 'nftables', '--ipvs-strict-arp']))).toThrow('--ipvs-strict-arp applies to --proxy-mode=ipvs only, not --proxy-mode=nftables');
  });

  it('ebpf mode\'s flags: a cgroup, a pin directory in bpffs, the programs; refused for other modes', () => {
    const o = parse(['--proxy-mode', 'ebpf', '--bpf-cgroup', '/sys/fs/cgroup/unified/minimesh/c/node1', '--bpf-pin-dir', '/sys/fs/bpf/minimesh/c/node1', '--service-cidrs', '10.96.0.0/12']);
    expect(() => validateNodeAgentOptions(o)).not.toThrow();
    expect(() => validateNodeAgentOptions(parse(['--bpf-cgroup', '/sys/fs/cgroup']))).toThrow('--bpf-cgroup applies to --proxy-mode=ebpf only, not --proxy-mode=iptables');
    expect(() => validateNodeAgentOptions(parse(['--proxy-mode', 'nftables', '--bpf-programs', '/opt/bpf']))).toThrow('--bpf-programs applies to --proxy-mode=ebpf only, not --proxy-mode=nftables');
    expect(() => validateNodeAgentOptions(parse(['--service-cidrs', '10.96.0.0/12']))).toThrow('--service-cidrs applies to --proxy-mode=nftables or ebpf only, not --proxy-mode=iptables');
    expect(() => validateNodeAgentOptions(parse(['--proxy-mode', 'ebpf', '--bpf-pin-dir', '/tmp/maps']))).toThrow('--bpf-pin-dir must be a directory in bpffs, under /sys/fs/bpf/ (not "/tmp/maps")');
  });

  it('--bpf-devices: empty for the devices holding the node\'s address, none, or device names', () => {
    expect(parseBpfDevices('')).toBeUndefined();
    expect(parseBpfDevices('none')).toBe('none');
    expect(parseBpfDevices('eth0, bond0.100')).toEqual(['eth0', 'bond0.100']);
    expect(() => validateNodeAgentOptions(parse(['--proxy-mode', 'ebpf', '--bpf-devices', 'eth0,']))).toThrow('--bpf-devices: "" is not a network device name (1 to 15 characters, no "/", ":" or space)');
    expect(() => validateNodeAgentOptions(parse(['--proxy-mode', 'ebpf', '--bpf-devices', 'a-very-long-device-name']))).toThrow('--bpf-devices: "a-very-long-device-name" is not a network device name');
    expect(() => validateNodeAgentOptions(parse(['--proxy-mode', 'ebpf', '--bpf-devices', '..']))).toThrow('--bpf-devices: ".." is not a network device name');
    expect(() => validateNodeAgentOptions(parse(['--proxy-mode', 'nftables', '--bpf-devices', 'eth0']))).toThrow('--bpf-devices applies to --proxy-mode=ebpf only, not --proxy-mode=nftables');
  });

  it('run as a user runs it, a bad value is one line, a hint, exit 2', async () => {
    const bin = fileURLToPath(new URL('../bin/minimesh-node-agent.mjs', import.meta.url));
    const err = await promisify(execFile)(process.execPath, [bin, '--proxy-mode', 'kernelspace'], { timeout: 20_000 }).then(
      () => undefined,
      (e: { code: number; stderr: string }) => e,
    );
    expect(err?.code).toBe(2);
    expect(err?.stderr).toMatch(/^minimesh-node-agent: invalid value for --proxy-mode: "kernelspace" is not one of iptables, nftables[^\n]*\nRun 'minimesh-node-agent --help' for usage\.\n$/);
  });
});
