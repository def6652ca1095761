import { describe, expect, it } from 'vitest';
import { BufferOutput } from '../cli/io.js';
import { run } from '../cli/run.js';
import { harness } from '../testing/harness.js';
import type { ApiClient } from '@minimesh/client';

describe('meshctl command line', () => {
  it('prints help for the root and for every command, without touching the apiserver', async () => {
    const h = harness();
    const root = await h.meshctl('--help');
    expect(root.code).toBe(0);
    for (const cmd of ['apply', 'create', 'get', 'describe', 'delete', 'expose', 'api-resources']) {
      expect(root.stdout).toContain(`  ${cmd} `);
      const help = await h.meshctl(cmd, '--help');
      expect(help.code).toBe(0);
      expect(help.stdout).toContain(`Usage:\n  meshctl ${cmd}`);
      expect(help.stdout).toContain('-n, --namespace=');
      expect((await h.meshctl('help', cmd)).stdout).toBe(help.stdout);
    }
    expect((await h.meshctl()).stdout).toBe(root.stdout);
    expect(h.client.calls).toEqual([]);
  });

  it('rejects unknown commands and flags like kubectl', async () => {
    const h = harness();
    expect(await h.meshctl('frobnicate')).toEqual({ code: 1, stdout: '', stderr: 'error: unknown command "frobnicate" for "meshctl"\nRun \'meshctl --help\' for usage.\n' });
    expect(await h.meshctl('get', 'svc', '--frob')).toEqual({ code: 1, stdout: '', stderr: "error: unknown flag: --frob\nSee 'meshctl get --help' for usage.\n" });
  });

  it('takes global flags before the command', async () => {
    const h = harness();
    await h.meshctl('create', 'namespace', 'study');
    expect((await h.meshctl('-n', 'study', 'get', 'svc')).stderr).toBe('No resources found in study namespace.\n');
  });

  it('reports an unreachable server with the address from --server or $MINIMESH_SERVER', async () => {
    const failing = {
      list: async () => {
        const { UnavailableError } = await import('@minimesh/api');
        throw new UnavailableError('the server is unavailable: No connection established');
      },
    } as unknown as ApiClient;
    const stderr = new BufferOutput();
    const code = await run(['get', 'svc'], { stdout: new BufferOutput(), stderr, client: failing }, { env: { MINIMESH_SERVER: '10.1.1.1:7000' } });
    expect(code).toBe(1);
    expect(stderr.text).toBe('The connection to the server 10.1.1.1:7000 was refused - did you specify the right host or port?\n');
    const again = new BufferOutput();
    await run(['get', 'svc', '-s', '10.2.2.2:1'], { stdout: new BufferOutput(), stderr: again, client: failing }, { env: {} });
    expect(again.text).toContain('The connection to the server 10.2.2.2:1 was refused');
  });

  it('lists the API resources', async () => {
    const h = harness();
    expect((await h.meshctl('api-resources')).stdout).toBe(
      'NAME                  SHORTNAMES   APIVERSION                     NAMESPACED   KIND\n' +
      'clusterrolebindings                rbac.authorization.k8s.io/v1   false        ClusterRoleBinding\n' +
      'clusterroles                       rbac.authorization.k8s.io/v1   false        ClusterRole\n' +
      'endpoints             ep           v1                             true         Endpoints\n' +
      'endpointslices                     discovery.k8s.io/v1            true         EndpointSlice\n' +
      'events                ev           v1                             true         Event\n' +
      'ipaddresspools                     metallb.io/v1beta1             true         IPAddressPool\n' +
      'l2advertisements                   metallb.io/v1beta1             true         L2Advertisement\n' +
      'leases                             coordination.k8s.io/v1         true         Lease\n' +
      'namespaces            ns           v1                             false        Namespace\n' +
      'nodes                 no           v1                             false        Node\n' +
      'pods                  po           v1                             true         Pod\n' +
      'rolebindings                       rbac.authorization.k8s.io/v1   true         RoleBinding\n' +
      'roles                              rbac.authorization.k8s.io/v1   true         Role\n' +
      'services              svc          v1                             true         Service\n',
    );
  });
});
