import { describe, expect, it } from 'vitest';
import { CONTROLLERS, resolveProgram, type AppContext } from './apps.js';
import type { ClusterState, StateLayout } from './state.js';
import { planCluster } from './topology.js';

const agent = CONTROLLERS.find((a) => a.name === 'node-agent')!;
const plan = planCluster('t', 2);

function ctx(proxyMode?: string): AppContext {
  const state = {
    name: 't',
    plan,
    serviceCIDR: '10.96.0.0/12',
    apiserver: { address: '127.0.0.1:1', unix: 'unix:///run/x.sock', http: '127.0.0.1:2' },
    ...(proxyMode ? { proxyMode } : {}),
  } as unknown as ClusterState;
  return { state, layout: { dir: '/run/x' } as StateLayout, node: plan.nodes[0] };
}

describe('node-agent arguments', () => {
  it('apps - pass --proxy-mode through when `up --proxy-mode` stored one (nftables: with the Service range)', () => {
    expect(agent.args(ctx('nftables'))).toEqual(['--server', 'unix:///run/x.sock', '--token-file', '/run/x/pki/tokens/node-node1.token', '--node-name', 'node1', '--proxy-mode', 'nftables', '--service-cidrs', '10.96.0.0/12']);
    expect(agent.args(ctx('iptables'))).toEqual(['--server', 'unix:///run/x.sock', '--token-file', '/run/x/pki/tokens/node-node1.token', '--node-name', 'node1', '--proxy-mode', 'iptables']);
  });

  it("apps - leave the agent's default mode alone otherwise", () => {
    expect(agent.args(ctx())).toEqual(['--server', 'unix:///run/x.sock', '--token-file', '/run/x/pki/tokens/node-node1.token', '--node-name', 'node1']);
  });

  it('apps - the agent runs under this node with its V8 flags before the bin (a 4 MiB young generation)', () => {
    const p = resolveProgram(agent, ctx('nftables'));
    expect(p.command).toBe(process.execPath);
    expect(p.args[0]).toBe('--max-semi-space-size=4');
    expect(p.args[1]).toMatch(/minimesh-node-agent$/);
    expect(p.args.slice(2, 4)).toEqual(['--server', 'unix:///run/x.sock']);
  });
});
