/**
 * meshctl against a real apiserver and endpoints-controller, on the manifests of the documents
 * (testdata/): what a kubectl user types, and what they read back.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Pod } from '@minimesh/api';
import { connectApiClient, type ApiClient } from '@minimesh/client';
import { startTestApiServer, type TestApiServer } from '@minimesh/apiserver/testing';
import { startController } from '@minimesh/endpoints-controller/testing';
import { MESHCTL_BIN as BIN, meshctlAgainst } from '@minimesh/meshctl/testing';
import { eventually } from '@minimesh/runtime/testing';

function pod(name: string, ip: string, node: string): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'study', labels: { app: 'nginx-pod' } },
    spec: { nodeName: node, containers: [{ name: 'nginx', ports: [{ containerPort: 80 }] }] },
    status: { phase: 'Running', podIP: ip, podIPs: [{ ip }], conditions: [{ type: 'Ready', status: 'True' }] },
  };
}

describe('meshctl with a real apiserver', () => {
  let t: TestApiServer;
  let ctl: ReturnType<typeof startController>;
  let client: ApiClient;

  async function meshctl(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
    const r = await meshctlAgainst(t.server.address)(...argv);
    return { code: r.code, out: r.stdout, err: r.stderr };
  }

  beforeAll(async () => {
    t = await startTestApiServer();
    ctl = startController(t.server.address);
    await ctl.started;
    client = connectApiClient(t.server.address);
  });
  afterAll(async () => {
    client?.close();
    await ctl?.stop();
    await t?.stop();
  });

  it('apply - the tutorial controller.yaml: the Namespace under apps/v1 and the Deployment fail, as with kubectl', async () => {
    const r = await meshctl('apply', '-f', '002-controller.yaml');
    expect(r.code).toBe(1);
    expect(r.err).toContain('no matches for kind "Namespace" in version "apps/v1"');
    expect(r.err).toContain('no matches for kind "Deployment" in version "apps/v1"');
  });

  it('apply - namespace and the walkthrough ClusterIP Service; again is unchanged', async () => {
    expect(await meshctl('apply', '-f', '002-namespace.yaml')).toMatchObject({ code: 0, out: 'namespace/study created\n' });
    expect(await meshctl('apply', '-f', '002-service-clusterip.yaml')).toMatchObject({ code: 0, out: 'service/service-clusterip created\n' });
    expect(await meshctl('apply', '-f', '002-service-clusterip.yaml')).toMatchObject({ code: 0, out: 'service/service-clusterip unchanged\n' });
    const get = await meshctl('get', 'svc', '-n', 'study');
    const lines = get.out.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^NAME\s+TYPE\s+CLUSTER-IP\s+EXTERNAL-IP\s+PORT\(S\)\s+AGE$/);
    expect(lines[1]).toMatch(/^service-clusterip\s+ClusterIP\s+10\.97\.97\.97\s+<none>\s+80\/TCP\s+\d+s$/);
  });

  it('apply - NodePort 30002, and a NodePort outside the range fails with the Kubernetes text', async () => {
    expect((await meshctl('apply', '-f', '002-service-nodeport.yaml')).out).toBe('service/service-nodeport created\n');
    expect((await meshctl('get', 'svc', 'service-nodeport', '-n', 'study')).out).toMatch(/NodePort\s+10\.\d+\.\d+\.\d+\s+<none>\s+80:30002\/TCP/);
    const bad = await meshctl('create', 'service', 'nodeport', 'bad-np', '--tcp=80:80', '--node-port=80', '-n', 'study');
    expect(bad.code).toBe(1);
    expect(bad.err.trim()).toBe(
      'The Service "bad-np" is invalid: spec.ports[0].nodePort: Invalid value: 80: provided port is not in the valid range. The range of valid ports is 30000-32767',
    );
  });

  it('get endpoints - as kubectl shows them, once pods exist', async () => {
    await client.create(pod('pod-1', '10.244.1.39', 'node1'));
    await client.create(pod('pod-2', '10.244.1.40', 'node1'));
    await client.create(pod('pod-3', '10.244.2.33', 'node2'));
    const out = await eventually(async () => {
      const r = await meshctl('get', 'ep', 'service-clusterip', '-n', 'study');
      return r.out.includes('10.244.1.39:80,10.244.1.40:80,10.244.2.33:80') ? r.out : '';
    });
    expect(out.split('\n')[0]).toMatch(/^NAME\s+ENDPOINTS\s+AGE$/);
    const d = await meshctl('describe', 'svc', 'service-clusterip', '-n', 'study');
    expect(d.out).toMatch(/^Name:\s+service-clusterip$/m);
    expect(d.out).toMatch(/^IP:\s+10\.97\.97\.97$/m);
    expect(d.out).toMatch(/^Endpoints:\s+10\.244\.1\.39:80,10\.244\.1\.40:80,10\.244\.2\.33:80$/m);
    expect(d.out).toMatch(/^Session Affinity:\s+None$/m);
  });

  it('apply - session affinity: the same Service reconfigured to ClientIP', async () => {
    expect((await meshctl('apply', '-f', '002-service-session-affinity.yaml')).out).toBe('service/service-clusterip configured\n');
    const d = await meshctl('describe', 'svc', 'service-clusterip', '-n', 'study');
    expect(d.out).toMatch(/^Session Affinity:\s+ClientIP$/m);
  });

  it('apply - the selector-less Service with its hand-written Endpoints; the mirrored slice shows up', async () => {
    const r = await meshctl('apply', '-f', '001-my-service-without-selector.yaml');
    expect(r.out).toBe('service/my-service created\nendpoints/my-service created\n');
    expect((await meshctl('get', 'ep', 'my-service')).out).toMatch(/my-service\s+1\.2\.3\.4:9376\s+\d+s/);
    const slices = await eventually(async () => {
      const s = await meshctl('get', 'endpointslices');
      return s.out.includes('1.2.3.4') ? s.out : '';
    });
    expect(slices.split('\n')[0]).toMatch(/^NAME\s+ADDRESSTYPE\s+PORTS\s+ENDPOINTS\s+AGE$/);
    expect(slices).toMatch(/my-service-\w+\s+IPv4\s+9376\s+1\.2\.3\.4\s+\d+s/);
  });

  it('expose, delete, and errors from the server read like kubectl', async () => {
    expect((await meshctl('expose', 'pod', 'pod-1', '-n', 'study', '--port=8080', '--target-port=80', '--name=web')).out).toBe('service/web exposed\n');
    expect((await meshctl('get', 'svc', 'web', '-n', 'study', '-o', 'wide')).out).toMatch(/web\s+ClusterIP\s+\S+\s+<none>\s+8080\/TCP\s+\d+s\s+app=nginx-pod/);
    expect((await meshctl('delete', 'svc', 'web', '-n', 'study')).out).toBe('service "web" deleted\n');
    const missing = await meshctl('get', 'svc', 'web', '-n', 'study');
    expect(missing.code).toBe(1);
    expect(missing.err.trim()).toBe('Error from server (NotFound): services "web" not found');
  });

  it('the meshctl binary runs from the repository and talks to the server', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [BIN, 'get', 'ns', '--server', t.server.address]);
    expect(stdout).toMatch(/^NAME\s+STATUS\s+AGE/);
    expect(stdout).toMatch(/^study\s+Active\s+\d+s$/m);
  });
});
