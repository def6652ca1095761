import type { Service } from '@minimesh/api';
import { describe, expect, it } from 'vitest';
import { LAST_APPLIED_ANNOTATION } from '../manifest/last-applied.js';
import { harness } from '../testing/harness.js';

describe('meshctl create', () => {
  it('creates from a file and fails with AlreadyExists the second time', async () => {
    const h = harness();
    expect(await h.meshctl('create', '-f', '001-my-service.yaml')).toEqual({ code: 0, stdout: 'service/my-service created\n', stderr: '' });
    expect(h.client.peek('Service', 'default', 'my-service')!.metadata.annotations).toBeUndefined();
    expect(await h.meshctl('create', '-f', '001-my-service.yaml')).toEqual({
      code: 1,
      stdout: '',
      stderr: 'Error from server (AlreadyExists): error when creating "001-my-service.yaml": services "my-service" already exists\n',
    });
  });

  it('saves the configuration with --save-config', async () => {
    const h = harness();
    await h.meshctl('create', '-f', '001-my-service.yaml', '--save-config');
    expect(h.client.peek('Service', 'default', 'my-service')!.metadata.annotations).toHaveProperty([LAST_APPLIED_ANNOTATION]);
    expect((await h.meshctl('apply', '-f', '001-my-service.yaml')).stdout).toBe('service/my-service unchanged\n');
  });

  it('creates namespaces and services from the command line', async () => {
    const h = harness();
    expect((await h.meshctl('create', 'namespace', 'study')).stdout).toBe('namespace/study created\n');
    expect((await h.meshctl('create', 'service', 'clusterip', 'my-cs', '--tcp=5678:8080')).stdout).toBe('service/my-cs created\n');
    expect((h.client.peek('Service', 'default', 'my-cs') as Service).spec).toMatchObject({
      type: 'ClusterIP',
      selector: { app: 'my-cs' },
      ports: [{ name: '5678-8080', port: 5678, targetPort: 8080, protocol: 'TCP' }],
    });
    await h.meshctl('create', 'svc', 'nodeport', 'np', '--tcp=80', '--node-port=30080');
    expect((h.client.peek('Service', 'default', 'np') as Service).spec!.ports).toEqual([{ name: '80', port: 80, targetPort: 80, protocol: 'TCP', nodePort: 30080 }]);
    await h.meshctl('create', 'service', 'externalname', 'ext', '--external-name=www.baidu.com');
    expect((h.client.peek('Service', 'default', 'ext') as Service).spec).toMatchObject({ type: 'ExternalName', externalName: 'www.baidu.com' });
    expect((await h.meshctl('create', 'service', 'clusterip', 'x')).stderr).toBe('error: at least one tcp port specifier must be provided\n');
  });

  it('needs exactly one NAME: several are refused and nothing is created', async () => {
    const h = harness();
    expect(await h.meshctl('create', 'ns', 'a', 'b')).toEqual({
      code: 1,
      stdout: '',
      stderr: "error: exactly one NAME is required, got 2\nSee 'meshctl create namespace -h' for help and examples\n",
    });
    expect(await h.meshctl('create', 'service', 'clusterip', 'a', 'b', '--tcp=80')).toEqual({
      code: 1,
      stdout: '',
      stderr: "error: exactly one NAME is required, got 2\nSee 'meshctl create service clusterip -h' for help and examples\n",
    });
    expect(h.client.peek('Namespace', '', 'a')).toBeUndefined();
    expect(h.client.peek('Service', 'default', 'a')).toBeUndefined();
  });

  it('reports per-document failures and creates the rest', async () => {
    const h = harness();
    const docs = 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n  bogus: 1\n---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: b\n';
    expect(await h.meshctlWithStdin(docs, 'create', '-f', '-')).toEqual({
      code: 1,
      stdout: 'namespace/b created\n',
      stderr:
        'Error from server (BadRequest): error when creating "STDIN": Namespace in version "v1" cannot be handled as a Namespace: strict decoding error: unknown field "metadata.bogus"\n',
    });
  });
});
