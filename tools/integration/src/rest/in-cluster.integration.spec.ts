/**
 * An app in a pod: `--kubeconfig in-cluster` reads what Kubernetes mounts into every pod (the
 * service account's token, the cluster CA and namespace under
 * /var/run/secrets/kubernetes.io/serviceaccount, and KUBERNETES_SERVICE_HOST/PORT). The
 * endpoints controller runs as a process in a mount namespace of its own, with those files
 * mounted there as in a pod, against minimesh's REST API with RBAC on: its service account bound
 * to Kubernetes' system:controller:endpoint-controller role, as kube-controller-manager's is.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterRoleBinding, Pod, Service } from '@minimesh/api';
import { startTestApiServer, type TestApiServer } from '@minimesh/apiserver/testing';
import { RestApiClient, restConnectionFromFiles } from '@minimesh/client';
import { freePort, tokenFileLine } from '@minimesh/runtime';
import { eventually, tempDir } from '@minimesh/runtime/testing';

const ROOT = resolve(__dirname, '../../../..');
const SA_USER = 'system:serviceaccount:kube-system:endpoint-controller';
/** A private mount namespace (needs root) can hide /run behind a tmpfs. */
const canUnshare = spawnSync('unshare', ['--mount', '--propagation', 'private', 'true']).status === 0;

describe.skipIf(!canUnshare)('an app with --kubeconfig in-cluster', () => {
  const dir = tempDir('minimesh-in-cluster-');
  let t: TestApiServer;
  let admin: RestApiClient;
  let controller: ChildProcess | undefined;
  const output: string[] = [];

  beforeAll(async () => {
    const tokens = join(dir.path, 'tokens.csv');
    writeFileSync(tokens, [tokenFileLine('admin-token', 'admin', ['system:masters']), tokenFileLine('sa-token', SA_USER, ['system:serviceaccounts', 'system:serviceaccounts:kube-system'])].join('\n'));
    t = await startTestApiServer({ 'rest-listen': '127.0.0.1:0', 'token-auth-file': tokens, 'authorization-mode': 'Node,RBAC', 'anonymous-auth': false });
    writeFileSync(join(dir.path, 'admin-token'), 'admin-token');
    admin = new RestApiClient(restConnectionFromFiles({ server: t.server.restAddress, caFile: t.server.caFile, tokenFile: join(dir.path, 'admin-token') }));
  });
  afterAll(async () => {
    controller?.kill('SIGTERM');
    admin?.close();
    await t?.stop();
    dir.remove();
  });

  it('the endpoints controller authenticates with the mounted token and CA, and writes Endpoints', async () => {
    const binding: ClusterRoleBinding = {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: 'system:controller:endpoint-controller-sa' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'system:controller:endpoint-controller' },
      subjects: [{ kind: 'ServiceAccount', name: 'endpoint-controller', namespace: 'kube-system' }],
    };
    await admin.create(binding);
    const svc: Service = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'default' }, spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }] } };
    const pod: Pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'web-1', namespace: 'default', labels: { app: 'web' } },
      spec: { nodeName: 'node1', containers: [{ name: 'web', ports: [{ containerPort: 8080 }] }] },
      status: { phase: 'Running', podIP: '10.244.1.7', podIPs: [{ ip: '10.244.1.7' }], conditions: [{ type: 'Ready', status: 'True' }] },
    };
    await admin.create(svc);
    await admin.create(pod);

    // What the kubelet mounts into a pod.
    const sa = join(dir.path, 'serviceaccount');
    mkdirSync(sa);
    writeFileSync(join(sa, 'token'), 'sa-token');
    copyFileSync(t.server.caFile, join(sa, 'ca.crt'));
    writeFileSync(join(sa, 'namespace'), 'kube-system');
    const port = t.server.restAddress.split(':').pop()!;
    const httpPort = await freePort();
    const main = join(ROOT, 'apps/endpoints-controller/src/main.ts');
    const script = [
      'mount -t tmpfs tmpfs /run',
      'mkdir -p /run/secrets/kubernetes.io/serviceaccount',
      `mount --bind ${sa} /run/secrets/kubernetes.io/serviceaccount`,
      `exec node --import tsx ${main} --kubeconfig in-cluster --http-listen 127.0.0.1:${httpPort}`,
    ].join('\n');
    controller = spawn('unshare', ['--mount', '--propagation', 'private', 'sh', '-ec', script], {
      cwd: ROOT,
      env: { ...process.env, KUBERNETES_SERVICE_HOST: '127.0.0.1', KUBERNETES_SERVICE_PORT: port },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    controller.stdout!.on('data', (d: Buffer) => output.push(d.toString()));
    controller.stderr!.on('data', (d: Buffer) => output.push(d.toString()));

    const addresses = async () => {
      try {
        const ep = await admin.get('Endpoints', 'default', 'web');
        return (ep.subsets ?? []).flatMap((s) => (s.addresses ?? []).map((a) => `${a.ip}:${s.ports?.[0]?.port}`));
      } catch {
        return [];
      }
    };
    await eventually(async () => (await addresses()).length > 0, 30_000, 200).catch(() => undefined);
    expect(await addresses(), output.join('')).toEqual(['10.244.1.7:8080']);
    // It wrote as its service account (the Lease it holds says who it is).
    const lease = await admin.get('Lease', 'kube-system', 'minimesh-endpoints-controller');
    expect(lease.spec?.holderIdentity).toBeTruthy();
  }, 60_000);
});
