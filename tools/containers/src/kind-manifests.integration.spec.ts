/**
 * tools/kind, checked without kind: the cluster config and the manifests parse; they name only
 * images build.sh makes, at the version; every service account, role and ConfigMap a workload uses
 * is there; every flag given to a program is one it knows; and, with an engine, every container
 * starts from its image with exactly the manifest's command line (an unreachable apiserver behind
 * a service account of the shape Kubernetes mounts), and is still running seconds later.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { eventually } from '@minimesh/runtime/testing';
import { HAS_ENGINE, IMAGES, REPO_ROOT, VERSION, docker } from './engine.js';

const KIND = join(REPO_ROOT, 'tools/kind');
type Obj = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string }; [k: string]: unknown };
interface Container { name: string; image: string; command?: string[]; args?: string[]; env?: { name: string; value?: string; valueFrom?: { fieldRef?: { fieldPath: string } } }[]; envFrom?: { configMapRef?: { name: string } }[]; securityContext?: { privileged?: boolean } }
interface Workload { obj: Obj; namespace: string; serviceAccount: string; containers: Container[] }

function load(file: string): Obj[] {
  return parseAllDocuments(readFileSync(file, 'utf8')).map((d) => {
    if (d.errors.length) throw new Error(`${file}: ${d.errors[0]!.message}`);
    return d.toJS() as Obj;
  });
}
const files = [...readdirSync(join(KIND, 'manifests')).sort().map((f) => join(KIND, 'manifests', f)), join(KIND, 'walkthrough/echo-pods.yaml')];
const objects = files.flatMap(load);
const workloads: Workload[] = objects
  .filter((o) => o.kind === 'Deployment' || o.kind === 'DaemonSet')
  .map((o) => {
    const spec = (o as unknown as { spec: { template: { spec: { serviceAccountName?: string; containers: Container[] } } } }).spec.template.spec;
    return { obj: o, namespace: o.metadata.namespace ?? 'default', serviceAccount: spec.serviceAccountName ?? 'default', containers: spec.containers };
  });
const all = workloads.flatMap((w) => w.containers.map((c) => ({ w, c })));
/** The program an image runs (its ENTRYPOINT's script). */
const BINS: Record<string, string> = {
  'node-agent': 'apps/node-agent/bin/minimesh-node-agent.mjs',
  'endpoints-controller': 'apps/endpoints-controller/bin/minimesh-endpoints-controller.mjs',
  dns: 'apps/dns/bin/minimesh-dns.mjs',
  lb: 'apps/lb/bin/minimesh-lb.mjs',
  pod: 'tools/cluster/bin/minimesh-pod.mjs',
};
const imageName = (c: Container) => /^minimesh\/([a-z-]+):/.exec(c.image)?.[1] ?? '';
const flagsOf = (args: string[]) => args.filter((a) => a.startsWith('--')).map((a) => a.split('=')[0]!);

describe('kind manifests', () => {
  it('the cluster runs without kube-proxy and without kube-controller-manager\'s endpoint controllers', () => {
    const [cluster] = load(join(KIND, 'cluster.yaml')) as unknown as [{ kind: string; networking: { kubeProxyMode: string }; nodes: { role: string; kubeadmConfigPatches?: string[] }[] }];
    expect([cluster.kind, cluster.networking.kubeProxyMode]).toEqual(['Cluster', 'none']);
    expect(cluster.nodes.map((n) => n.role)).toEqual(['control-plane', 'worker', 'worker']);
    expect(cluster.nodes[0]!.kubeadmConfigPatches?.join('\n')).toContain('controllers: "*,-endpoint,-endpointslice,-endpointslicemirroring"');
  });

  it('parse into named objects, and deploy the node agent, the endpoints controller, DNS in CoreDNS\'s place and the lb', () => {
    for (const o of objects) expect([typeof o.apiVersion, typeof o.kind, typeof o.metadata?.name], JSON.stringify(o).slice(0, 80)).toEqual(['string', 'string', 'string']);
    expect(workloads.map((w) => `${w.obj.kind}/${w.namespace}/${w.obj.metadata.name}`).sort()).toEqual([
      'DaemonSet/minimesh-system/lb-speaker',
      'DaemonSet/minimesh-system/node-agent',
      'Deployment/kube-system/minimesh-dns',
      'Deployment/minimesh-system/endpoints-controller',
      'Deployment/minimesh-system/lb-controller',
      'Deployment/study/nginx-pod',
    ]);
    const dns = workloads.find((w) => w.obj.metadata.name === 'minimesh-dns')!;
    expect((dns.obj as unknown as { spec: { template: { metadata: { labels: Record<string, string> } } } }).spec.template.metadata.labels['k8s-app']).toBe('kube-dns');
  });

  it('name only images build.sh makes, at the version', () => {
    for (const { c } of all) {
      expect(IMAGES as readonly string[], c.image).toContain(imageName(c));
      expect(c.image).toBe(`minimesh/${imageName(c)}:${VERSION}`);
    }
  });

  it('give every workload a service account, roles and the apiserver-endpoint ConfigMap that the manifests define', () => {
    const has = (kind: string, name: string, namespace?: string) => objects.some((o) => o.kind === kind && o.metadata.name === name && (namespace === undefined || o.metadata.namespace === namespace));
    for (const w of workloads) {
      if (w.namespace === 'study') continue;
      expect(has('ServiceAccount', w.serviceAccount, w.namespace), `${w.obj.metadata.name}'s ServiceAccount`).toBe(true);
      const binding = objects.find((o) => o.kind === 'ClusterRoleBinding' && (o as unknown as { subjects: { name: string; namespace: string }[] }).subjects.some((s) => s.name === w.serviceAccount && s.namespace === w.namespace)) as { roleRef: { name: string } } | undefined;
      expect(binding, `${w.obj.metadata.name}'s ClusterRoleBinding`).toBeDefined();
      expect(has('ClusterRole', binding!.roleRef.name), binding!.roleRef.name).toBe(true);
      for (const c of w.containers) for (const e of c.envFrom ?? []) if (e.configMapRef) expect(has('ConfigMap', e.configMapRef.name), e.configMapRef.name).toBe(true);
    }
  });

  it('give each program only flags it knows', () => {
    for (const { c } of all) {
      const program = c.command ? c.command.slice(1).join(' ') : BINS[imageName(c)]!;
      const text = c.command ? readFileSync(join(REPO_ROOT, program.replace('/opt/minimesh/', '')), 'utf8') : execFileSync(process.execPath, [join(REPO_ROOT, program), '--help'], { encoding: 'utf8' });
      for (const f of flagsOf(c.args ?? [])) expect(text, `${c.image} ${f}`).toContain(c.command ? `'${f}'` : `${f} `);
    }
  });
});

describe.skipIf(!HAS_ENGINE)('kind manifests: the images start with their command lines', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mm-kind-sa-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('every container runs from its image with the manifest\'s arguments, and is still running 6 s later', { timeout: 180_000 }, async () => {
    // A service account mount as the kubelet makes it; the apiserver behind it does not answer.
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', join(dir, 'ca.key'), '-out', join(dir, 'ca.crt'), '-subj', '/CN=kind-test-ca', '-days', '1'], { stdio: 'ignore' });
    writeFileSync(join(dir, 'token'), 'not-a-real-token\n');
    writeFileSync(join(dir, 'namespace'), 'minimesh-system');
    execFileSync('chmod', ['-R', 'a+rX', dir]);
    const fieldValues: Record<string, string> = { 'spec.nodeName': 'minimesh-worker', 'metadata.name': 'pod-x', 'status.podIP': '10.244.1.5' };
    const started: string[] = [];
    try {
      for (const { w, c } of all) {
        const env: Record<string, string> = { KUBERNETES_SERVICE_HOST: '127.0.0.1', KUBERNETES_SERVICE_PORT: '1' };
        for (const e of c.env ?? []) env[e.name] = e.value ?? fieldValues[e.valueFrom?.fieldRef?.fieldPath ?? ''] ?? '';
        // Kubernetes expands $(VAR) in command and args from the container's environment.
        const expand = (s: string) => s.replace(/\$\(([A-Z_]+)\)/g, (_, v: string) => env[v] ?? `$(${v})`);
        const name = `mm-kind-${w.obj.metadata.name}-${c.name}-${process.pid}`;
        const sysctls = ((w.obj as unknown as { spec: { template: { spec: { securityContext?: { sysctls?: { name: string; value: string }[] } } } } }).spec.template.spec.securityContext?.sysctls ?? []).flatMap((s) => ['--sysctl', `${s.name}=${s.value}`]);
        await docker('run', '-d', '--name', name, // privileged (the node agent, as kube-proxy) cannot be granted in this sandbox: the capabilities it uses stand in.
          '--cap-add', 'NET_ADMIN', '--cap-add', 'NET_RAW', ...sysctls,
          '-v', `${dir}:/var/run/secrets/kubernetes.io/serviceaccount:ro`, ...Object.entries(env).flatMap(([k, v]) => ['-e', `${k}=${v}`]),
          ...(c.command ? ['--entrypoint', c.command[0]!] : []), c.image, ...(c.command ?? []).slice(1).map(expand), ...(c.args ?? []).map(expand));
        started.push(name);
      }
      await new Promise((r) => setTimeout(r, 6000));
      for (const name of started) {
        const state = JSON.parse(await docker('inspect', '-f', '{{json .State}}', name)) as { Running: boolean; ExitCode: number };
        const logs = await docker('logs', '--tail', '5', name).catch(() => '');
        expect({ name, running: state.Running, exit: state.ExitCode }, logs).toEqual({ name, running: true, exit: 0 });
      }
      // The echo pod answers as the walkthrough expects.
      const echo = started.find((n) => n.includes('nginx-pod'))!;
      const out = await eventually(async () => {
        const r = await docker('exec', echo, 'node', '-e', "fetch('http://127.0.0.1/').then(r => r.text()).then(t => console.log(t.split('\\n')[0]))");
        return r.trim() || undefined;
      }, 20_000, 500);
      expect(out).toBe('IP: 10.244.1.5 pod-x minimesh-worker');
    } finally {
      for (const name of started) await docker('rm', '-f', name).catch(() => undefined);
    }
  });
});
