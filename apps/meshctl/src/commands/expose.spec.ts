import type { Pod, Service } from '@minimesh/api';
import { describe, expect, it } from 'vitest';
import { harness, type Harness } from '../testing/harness.js';

function withPod(labels: Record<string, string> = { app: 'nginx-pod', 'pod-template-hash': '6bb9d9f778' }): Harness {
  const h = harness();
  const pod: Pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'nginx-6bb9d9f778-5k2x6', namespace: 'default', labels },
    spec: { containers: [{ name: 'nginx', image: 'nginx:1.17.1', ports: [{ containerPort: 80, protocol: 'TCP' }] }] },
  };
  h.client.seed(pod);
  return h;
}

describe('meshctl expose', () => {
  it('exposes a pod with its labels as selector and its container port', async () => {
    const h = withPod();
    expect(await h.meshctl('expose', 'pod', 'nginx-6bb9d9f778-5k2x6', '--name=nginx')).toEqual({ code: 0, stdout: 'service/nginx exposed\n', stderr: '' });
    const svc = h.client.peek('Service', 'default', 'nginx') as Service;
    expect(svc.metadata.labels).toEqual({ app: 'nginx-pod', 'pod-template-hash': '6bb9d9f778' });
    expect(svc.spec).toMatchObject({ selector: { app: 'nginx-pod', 'pod-template-hash': '6bb9d9f778' }, ports: [{ port: 80, protocol: 'TCP', targetPort: 80 }] });
    expect(svc.spec!.ports![0]).not.toHaveProperty('name');
  });

  it('takes --port, --target-port, --protocol, --type and --selector', async () => {
    const h = withPod();
    const r = await h.meshctl('expose', 'po/nginx-6bb9d9f778-5k2x6', '--port=8080', '--target-port=80', '--protocol=UDP', '--type=NodePort', '--selector=app=nginx-pod', '--name', 'web');
    expect(r.stdout).toBe('service/web exposed\n');
    const svc = h.client.peek('Service', 'default', 'web') as Service;
    expect(svc.spec).toMatchObject({ type: 'NodePort', selector: { app: 'nginx-pod' }, ports: [{ port: 8080, targetPort: 80, protocol: 'UDP' }] });
    await h.meshctl('expose', 'pod', 'nginx-6bb9d9f778-5k2x6', '--port=443', '--target-port=https', '--name=tls');
    expect((h.client.peek('Service', 'default', 'tls') as Service).spec!.ports).toEqual([{ port: 443, targetPort: 'https', protocol: 'TCP' }]);
  });

  it('exposes a service with its selector and ports, named after it by default', async () => {
    const h = harness();
    await h.meshctl('apply', '-f', '002-namespace.yaml', '-f', '002-service-clusterip.yaml');
    expect((await h.meshctl('expose', 'service', 'service-clusterip', '-n', 'study', '--port=443', '--target-port=8443', '--name=nginx-https')).stdout).toBe(
      'service/nginx-https exposed\n',
    );
    const svc = h.client.peek('Service', 'study', 'nginx-https') as Service;
    expect(svc.spec).toMatchObject({ selector: { app: 'nginx-pod' }, ports: [{ port: 443, targetPort: 8443, protocol: 'TCP' }] });
    const again = await h.meshctl('expose', 'svc', 'service-clusterip', '-n', 'study');
    expect(again).toEqual({ code: 1, stdout: '', stderr: 'Error from server (AlreadyExists): services "service-clusterip" already exists\n' });
  });

  it('names several introspected ports port-1, port-2', async () => {
    const h = harness();
    h.client.seed({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p', namespace: 'default', labels: { app: 'p' } },
      spec: { containers: [{ name: 'c', ports: [{ containerPort: 80, protocol: 'TCP' }, { containerPort: 53, protocol: 'UDP' }] }] },
    });
    await h.meshctl('expose', 'pod', 'p');
    expect((h.client.peek('Service', 'default', 'p') as Service).spec!.ports).toEqual([
      { name: 'port-1', port: 80, protocol: 'TCP', targetPort: 80 },
      { name: 'port-2', port: 53, protocol: 'UDP', targetPort: 53 },
    ]);
  });

  it('fails like kubectl when there is nothing to select or no port', async () => {
    expect((await withPod({}).meshctl('expose', 'pod', 'nginx-6bb9d9f778-5k2x6')).stderr).toBe(
      "error: couldn't retrieve selectors via --selector flag or introspection: the pod has no labels and cannot be exposed\n",
    );
    const h = harness();
    h.client.seed({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default', labels: { a: 'b' } }, spec: { containers: [{ name: 'c' }] } });
    expect((await h.meshctl('expose', 'pod', 'p')).stderr).toBe("error: couldn't find port via --port flag or introspection\n");
    expect((await h.meshctl('expose', 'pod', 'missing', '--port=80')).stderr).toBe('Error from server (NotFound): pods "missing" not found\n');
    expect((await h.meshctl('expose', 'namespace', 'default')).stderr).toBe('error: cannot expose a Namespace\n');
  });
});
