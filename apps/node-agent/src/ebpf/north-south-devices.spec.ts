import type { NetworkInterfaceInfo } from 'node:os';
import { describe, expect, it } from 'vitest';
import { chooseNorthSouthDevices, type NorthSouthDeviceInput } from './north-south-devices.js';

const v4 = (address: string, internal = false): NetworkInterfaceInfo => ({ address, family: 'IPv4', internal, netmask: '255.255.255.0', mac: '00:00:00:00:00:00', cidr: `${address}/24` });
/** A node as the local cluster makes one: eth0 with its address, a veth per pod holding the pods' gateway. */
const interfaces = {
  lo: [v4('127.0.0.1', true)],
  eth0: [v4('192.168.100.11')],
  mmp1: [v4('10.244.1.1')],
  eth1: [v4('203.0.113.5'), v4('192.168.200.11')],
};
const base: NorthSouthDeviceInput = { want: 'auto', interfaces, nodeIPs: ['192.168.100.11'], nodePortIPs: ['192.168.100.11', '10.244.1.1', '203.0.113.5', '192.168.200.11'], defaultRouteDevices: [] };
const choose = (over: Partial<NorthSouthDeviceInput>) => Object.fromEntries(chooseNorthSouthDevices({ ...base, ...over }));

describe('chooseNorthSouthDevices', () => {
  it.each([
    ['auto: the device holding the Node\'s address, not the pods\' veths', {}, { eth0: '192.168.100.11' }],
    ['auto: the Node\'s ExternalIP too, as the device\'s source when it holds one', { nodeIPs: ['192.168.100.11', '192.168.200.11'] }, { eth0: '192.168.100.11', eth1: '192.168.200.11' }],
    ['auto without a Node address here: the default routes\' devices', { nodeIPs: [], defaultRouteDevices: ['eth1'] }, { eth1: '203.0.113.5' }],
    ['auto with neither: none', { nodeIPs: [], defaultRouteDevices: [] }, {}],
    ['named devices, each with its first NodePort address', { want: ['eth1', 'mmp1'] }, { eth1: '203.0.113.5', mmp1: '10.244.1.1' }],
    ['a named device that is not there, or has no NodePort address, is left out', { want: ['eth9', 'lo'] }, {}],
    ['--nodeport-addresses leaving a device no address: left out', { nodePortIPs: ['203.0.113.5'], want: ['eth0', 'eth1'] }, { eth1: '203.0.113.5' }],
  ] as const)('%s', (_, over, want) => {
    expect(choose(over as Partial<NorthSouthDeviceInput>)).toEqual(want);
  });
});
