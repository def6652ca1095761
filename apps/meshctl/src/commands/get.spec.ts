import type { Endpoints, Pod } from '@minimesh/api';
import { describe, expect, it } from 'vitest';
import { harness, type Harness } from '../testing/harness.js';

async function cluster(): Promise<Harness> {
  const h = harness();
  await h.meshctl('apply', '-f', '002-namespace.yaml', '-f', '002-service-clusterip.yaml', '-f', '002-service-nodeport.yaml', '-f', '002-service-externalname.yaml');
  await h.meshctl('apply', '-f', '001-my-service.yaml');
  const ep: Endpoints = {
    apiVersion: 'v1',
    kind: 'Endpoints',
    metadata: { name: 'service-clusterip', namespace: 'study' },
    subsets: [{ addresses: [{ ip: '10.244.1.39' }, { ip: '10.244.1.40' }], ports: [{ port: 80, protocol: 'TCP' }] }],
  };
  h.client.seed(ep);
  h.clock.now += 5 * 60_000 + 47_000;
  return h;
}

describe('meshctl get', () => {
  it('prints the service table of a namespace', async () => {
    const h = await cluster();
    expect(await h.meshctl('get', 'svc', '-n', 'study')).toEqual({
      code: 0,
      stdout:
        'NAME                   TYPE           CLUSTER-IP    EXTERNAL-IP     PORT(S)        AGE\n' +
        'service-clusterip      ClusterIP      10.97.97.97   <none>          80/TCP         5m47s\n' +
        'service-externalname   ExternalName   <none>        www.baidu.com   <none>         5m47s\n' +
        'service-nodeport       NodePort       10.96.0.1     <none>          80:30002/TCP   5m47s\n',
      stderr: '',
    });
  });

  it('accepts every name of the kind', async () => {
    const h = await cluster();
    const expected = (await h.meshctl('get', 'svc', '-n', 'study')).stdout;
    for (const name of ['service', 'services', 'Service', 'SVC']) expect((await h.meshctl('get', name, '-n', 'study')).stdout).toBe(expected);
    expect((await h.meshctl('get', 'ep', '-n', 'study')).stdout).toBe(
      'NAME                ENDPOINTS                       AGE\nservice-clusterip   10.244.1.39:80,10.244.1.40:80   5m47s\n',
    );
    for (const name of ['endpoints', 'Endpoints']) expect((await h.meshctl('get', name, '-n', 'study')).code).toBe(0);
    for (const name of ['ns', 'namespace', 'namespaces', 'no', 'nodes', 'po', 'pods', 'endpointslices', 'endpointslice.discovery.k8s.io']) {
      expect((await h.meshctl('get', name)).code).toBe(0);
    }
  });

  it('adds NAMESPACE with -A and SELECTOR with -o wide', async () => {
    const h = await cluster();
    expect((await h.meshctl('get', 'services', '-A', '-o', 'wide')).stdout).toBe(
      'NAMESPACE   NAME                   TYPE           CLUSTER-IP    EXTERNAL-IP     PORT(S)        AGE     SELECTOR\n' +
        'default     my-service             ClusterIP      10.96.0.2     <none>          80/TCP         5m47s   app=MyApp\n' +
        'study       service-clusterip      ClusterIP      10.97.97.97   <none>          80/TCP         5m47s   app=nginx-pod\n' +
        'study       service-externalname   ExternalName   <none>        www.baidu.com   <none>         5m47s   <none>\n' +
        'study       service-nodeport       NodePort       10.96.0.1     <none>          80:30002/TCP   5m47s   app=nginx-pod\n',
    );
  });

  it('gets objects by name, reporting the missing ones after the found ones', async () => {
    const h = await cluster();
    expect(await h.meshctl('get', 'svc', 'service-nodeport', 'nope', '-n', 'study')).toEqual({
      code: 1,
      stdout: 'NAME               TYPE       CLUSTER-IP   EXTERNAL-IP   PORT(S)        AGE\nservice-nodeport   NodePort   10.96.0.1    <none>        80:30002/TCP   5m47s\n',
      stderr: 'Error from server (NotFound): services "nope" not found\n',
    });
    expect(await h.meshctl('get', 'svc', 'nope', '--ignore-not-found')).toEqual({ code: 0, stdout: '', stderr: '' });
    expect((await h.meshctl('get', 'service/service-nodeport', '-n', 'study', '-o', 'name')).stdout).toBe('service/service-nodeport\n');
    expect((await h.meshctl('get', 'svc', 'x', '-A')).stderr).toBe('error: a resource cannot be retrieved by name across all namespaces\n');
  });

  it('lists several kinds with their kind in the name, separated by a blank line', async () => {
    const h = await cluster();
    expect((await h.meshctl('get', 'svc,ep', '-n', 'study')).stdout).toBe(
      'NAME                           TYPE           CLUSTER-IP    EXTERNAL-IP     PORT(S)        AGE\n' +
        'service/service-clusterip      ClusterIP      10.97.97.97   <none>          80/TCP         5m47s\n' +
        'service/service-externalname   ExternalName   <none>        www.baidu.com   <none>         5m47s\n' +
        'service/service-nodeport       NodePort       10.96.0.1     <none>          80:30002/TCP   5m47s\n' +
        '\n' +
        'NAME                          ENDPOINTS                       AGE\n' +
        'endpoints/service-clusterip   10.244.1.39:80,10.244.1.40:80   5m47s\n',
    );
    expect((await h.meshctl('get', 'all', '-n', 'study')).stdout).toContain('service/service-clusterip ');
  });

  it('says so on stderr when nothing is found', async () => {
    const h = harness();
    expect(await h.meshctl('get', 'pods')).toEqual({ code: 0, stdout: '', stderr: 'No resources found in default namespace.\n' });
    expect(await h.meshctl('get', 'pods', '-n', 'study')).toEqual({ code: 0, stdout: '', stderr: 'No resources found in study namespace.\n' });
    expect(await h.meshctl('get', 'pods', '-A')).toEqual({ code: 0, stdout: '', stderr: 'No resources found\n' });
    expect(await h.meshctl('get', 'nodes')).toEqual({ code: 0, stdout: '', stderr: 'No resources found\n' });
  });

  it('filters with -l', async () => {
    const h = harness();
    const pod = (name: string, app: string): Pod => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace: 'default', labels: { app } },
      spec: { containers: [{ name: 'c' }] },
      status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] },
    });
    h.client.seed(pod('a', 'web'), pod('b', 'db'));
    expect((await h.meshctl('get', 'po', '-l', 'app=web', '--no-headers')).stdout).toBe('a     1/1   Running   0     0s\n');
    expect((await h.meshctl('get', 'po', '-l', 'app in (web,db)', '-o', 'name')).stdout).toBe('pod/a\npod/b\n');
    expect((await h.meshctl('get', 'po', '--show-labels')).stdout).toBe(
      'NAME   READY   STATUS    RESTARTS   AGE   LABELS\na      1/1     Running   0          0s    app=web\nb      1/1     Running   0          0s    app=db\n',
    );
  });

  it('prints objects as yaml or json, one alone and several in a List', async () => {
    const h = await cluster();
    const one = await h.meshctl('get', 'svc', 'service-clusterip', '-n', 'study', '-o', 'json');
    expect(JSON.parse(one.stdout)).toMatchObject({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'service-clusterip' }, spec: { clusterIP: '10.97.97.97' } });
    const list = await h.meshctl('get', 'svc', '-n', 'study', '-o', 'yaml');
    expect(list.stdout.startsWith('apiVersion: v1\nitems:\n- apiVersion: v1\n  kind: Service\n')).toBe(true);
    expect(list.stdout.endsWith('kind: List\nmetadata:\n  resourceVersion: ""\n')).toBe(true);
    const empty = await h.meshctl('get', 'pods', '-o', 'json');
    expect(JSON.parse(empty.stdout)).toEqual({ apiVersion: 'v1', items: [], kind: 'List', metadata: { resourceVersion: '' } });
  });

  it('fails like kubectl on unknown types and missing arguments', async () => {
    const h = harness();
    expect(await h.meshctl('get', 'deployments')).toEqual({ code: 1, stdout: '', stderr: 'error: the server doesn\'t have a resource type "deployments"\n' });
    const none = await h.meshctl('get');
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('error: Required resource not specified.\n');
    expect((await h.meshctl('get', 'svc', '-o', 'jsonpath')).stderr).toBe(
      'error: unable to match a printer suitable for the output format "jsonpath", allowed formats are: wide,json,yaml,name\n',
    );
  });
});

describe('meshctl get, MetalLB kinds', () => {
  it('applies MetalLB’s example unchanged and prints its printer columns', async () => {
    const h = harness();
    expect((await h.meshctl('apply', '-f', 'metallb-l2.yaml')).stdout).toBe(
      'namespace/metallb-system created\nipaddresspool.metallb.io/first-pool created\nl2advertisement.metallb.io/example created\n',
    );
    expect((await h.meshctl('get', 'ipaddresspools', '-n', 'metallb-system')).stdout).toBe(
      'NAME         AUTO ASSIGN   AVOID BUGGY IPS   ADDRESSES\n' + 'first-pool   true          false             ["192.168.10.0/24","192.168.9.1-192.168.9.5","fc00:f853:0ccd:e799::/124"]\n',
    );
    expect((await h.meshctl('get', 'l2advertisements.metallb.io', '-A')).stdout).toBe(
      'NAMESPACE        NAME      IPADDRESSPOOLS   IPADDRESSPOOL SELECTORS   INTERFACES\nmetallb-system   example                                              \n',
    );
    expect((await h.meshctl('apply', '-f', 'metallb-l2.yaml')).stdout).toBe(
      'namespace/metallb-system unchanged\nipaddresspool.metallb.io/first-pool unchanged\nl2advertisement.metallb.io/example unchanged\n',
    );
  });
});
