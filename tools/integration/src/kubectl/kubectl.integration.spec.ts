/**
 * The real kubectl against minimesh's Kubernetes REST API: the documents' manifests applied,
 * read back in every output kubectl has, changed with label, patch, edit and expose, watched,
 * and deleted, with kubectl's own messages. Skipped, with one line, where kubectl is not installed.
 */
import { spawn } from 'node:child_process';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventRecorder } from '@minimesh/controller-kit';
import type { TestApiServer } from '@minimesh/apiserver/testing';
import { HAS_KUBECTL, startKubectlTarget, type KubectlTarget } from '../testing/kubectl-target.js';

if (!HAS_KUBECTL) console.log('kubectl suite skipped: kubectl is not installed on this machine');
const TESTDATA = new URL('../../../../apps/meshctl/testdata/', import.meta.url).pathname;

describe.skipIf(!HAS_KUBECTL)('kubectl against the REST API', () => {
  let target: KubectlTarget;
  let t: TestApiServer;
  let kubeconfig: string;
  /** The suite's own directory (files for kubectl to read). */
  const dir = {
    get path() {
      return target.dir;
    },
  };
  const kubectl = (args: string[], env: NodeJS.ProcessEnv = {}) => target.kubectl(args, env);
  const ok = async (...args: string[]) => {
    const r = await kubectl(args);
    expect(r.err, `kubectl ${args.join(' ')}`).toBe('');
    return r.out;
  };

  beforeAll(async () => {
    target = await startKubectlTarget('minimesh-kubectl-');
    ({ t, kubeconfig } = target);
  });
  afterAll(async () => {
    await target?.stop();
  });

  it('api-resources and version come from discovery', async () => {
    const resources = await ok('api-resources');
    expect(resources).toMatch(/^services\s+svc\s+v1\s+true\s+Service$/m);
    expect(resources).toMatch(/^endpointslices\s+discovery\.k8s\.io\/v1\s+true\s+EndpointSlice$/m);
    expect(await ok('version')).toMatch(/Server Version: v1\.32\.0\+minimesh-/);
  });

  it('applies the documents\' manifests, and again without a change', async () => {
    expect(await ok('apply', '-f', join(TESTDATA, '002-namespace.yaml'))).toBe('namespace/study created\n');
    expect(await ok('apply', '-f', join(TESTDATA, '002-service-clusterip.yaml'))).toBe('service/service-clusterip created\n');
    expect(await ok('apply', '-f', join(TESTDATA, '002-service-nodeport.yaml'))).toMatch(/^service\/\S+ created\n$/);
    expect(await ok('apply', '-f', join(TESTDATA, '002-service-clusterip.yaml'))).toBe('service/service-clusterip unchanged\n');
  });

  it('gets in every output: table, wide, -A, -l, yaml, json, jsonpath, name', async () => {
    const table = await ok('get', 'svc', '-n', 'study');
    expect(table).toMatch(/^NAME\s+TYPE\s+CLUSTER-IP\s+EXTERNAL-IP\s+PORT\(S\)\s+AGE\n/);
    expect(table).toMatch(/^service-clusterip\s+ClusterIP\s+10\.97\.97\.97\s+<none>\s+80\/TCP\s+\d+s$/m);
    expect(await ok('get', 'svc', '-n', 'study', 'service-clusterip', '-o', 'wide')).toMatch(/\s+SELECTOR\n.*app=nginx-pod\n$/);
    expect(await ok('get', 'svc', '-A')).toMatch(/^NAMESPACE\s+NAME\s+TYPE/);
    const yaml = await ok('get', 'svc', '-n', 'study', 'service-clusterip', '-o', 'yaml');
    expect(yaml).toMatch(/^apiVersion: v1\nkind: Service\nmetadata:\n/);
    expect(yaml).toContain('  clusterIP: 10.97.97.97\n');
    expect(JSON.parse(await ok('get', 'svc', '-n', 'study', '-o', 'json')).kind).toBe('List');
    expect(await ok('get', 'svc', '-n', 'study', 'service-clusterip', '-o', 'jsonpath={.spec.ports[0].targetPort}')).toBe('80');
    expect((await ok('get', 'ns', '-o', 'name')).split('\n')).toEqual(expect.arrayContaining(['namespace/default', 'namespace/kube-system', 'namespace/study']));
  });

  it('gets every kind, with the columns kubectl prints against Kubernetes', async () => {
    await t.client.create({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'node9' }, status: { conditions: [{ type: 'Ready', status: 'True' }] } });
    await t.client.create({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p9', namespace: 'study' }, spec: { nodeName: 'node9', containers: [{ name: 'c', image: 'nginx' }] } });
    await t.client.create({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'l9', namespace: 'study' }, spec: { holderIdentity: 'me' } });
    await t.client.create({ apiVersion: 'metallb.io/v1beta1', kind: 'IPAddressPool', metadata: { name: 'pool9', namespace: 'study' }, spec: { addresses: ['192.168.9.0/24'] } });
    await t.client.create({ apiVersion: 'metallb.io/v1beta1', kind: 'L2Advertisement', metadata: { name: 'l2', namespace: 'study' }, spec: { ipAddressPools: ['pool9'] } });
    await t.client.create({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'r9', namespace: 'study' }, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }] });
    await t.client.create({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'rb9', namespace: 'study' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'r9' }, subjects: [{ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'jane' }] });
    await t.client.create({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'cr9' }, rules: [{ apiGroups: [''], resources: ['nodes'], verbs: ['get'] }] });
    await t.client.create({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'crb9' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cr9' }, subjects: [{ kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name: 'ops' }] });
    await t.client.create({ apiVersion: 'v1', kind: 'Event', metadata: { name: 'p9.1', namespace: 'study' }, involvedObject: { kind: 'Pod', namespace: 'study', name: 'p9' }, reason: 'Scheduled', message: 'placed', type: 'Normal', count: 1 });
    const headers: Record<string, string> = {
      namespaces: 'NAME STATUS AGE',
      nodes: 'NAME STATUS ROLES AGE VERSION',
      pods: 'NAMESPACE NAME READY STATUS RESTARTS AGE',
      services: 'NAMESPACE NAME TYPE CLUSTER-IP EXTERNAL-IP PORT(S) AGE',
      endpoints: 'NAMESPACE NAME ENDPOINTS AGE',
      endpointslices: 'NAMESPACE NAME ADDRESSTYPE PORTS ENDPOINTS AGE',
      leases: 'NAMESPACE NAME HOLDER AGE',
      events: 'NAMESPACE LAST SEEN TYPE REASON OBJECT MESSAGE',
      ipaddresspools: 'NAMESPACE NAME AUTO ASSIGN AVOID BUGGY IPS ADDRESSES',
      l2advertisements: 'NAMESPACE NAME IPADDRESSPOOLS IPADDRESSPOOL SELECTORS INTERFACES',
      roles: 'NAMESPACE NAME CREATED AT',
      clusterroles: 'NAME CREATED AT',
      rolebindings: 'NAMESPACE NAME ROLE AGE',
      clusterrolebindings: 'NAME ROLE AGE',
    };
    for (const [resource, header] of Object.entries(headers)) {
      const out = await ok('get', resource, '-A');
      expect(out.split('\n')[0]!.split(/\s+/).join(' ').trim(), resource).toBe(header);
      expect(out.split('\n').filter(Boolean).length, resource).toBeGreaterThan(1);
    }
  });

  it('labels, patches (strategic, merge, json), edits through KUBE_EDITOR, and selects by label', async () => {
    expect(await ok('label', 'svc', '-n', 'study', 'service-clusterip', 'tier=front')).toBe('service/service-clusterip labeled\n');
    expect(await ok('get', 'svc', '-n', 'study', '-l', 'tier=front', '-o', 'name')).toBe('service/service-clusterip\n');
    expect(await ok('patch', 'svc', '-n', 'study', 'service-clusterip', '-p', '{"spec":{"sessionAffinity":"ClientIP"}}')).toBe('service/service-clusterip patched\n');
    expect(await ok('patch', 'svc', '-n', 'study', 'service-clusterip', '--type=merge', '-p', '{"metadata":{"annotations":{"a":"b"}}}')).toBe('service/service-clusterip patched\n');
    expect(await ok('patch', 'svc', '-n', 'study', 'service-clusterip', '--type=json', '-p', '[{"op":"replace","path":"/spec/ports/0/port","value":81}]')).toBe('service/service-clusterip patched\n');
    const editor = join(dir.path, 'editor.sh');
    writeFileSync(editor, '#!/bin/sh\nsed -i "s/port: 81$/port: 82/" "$1"\n');
    chmodSync(editor, 0o755);
    const edited = await kubectl(['edit', 'svc', '-n', 'study', 'service-clusterip'], { KUBE_EDITOR: editor });
    expect(edited.out).toBe('service/service-clusterip edited\n');
    expect(await ok('get', 'svc', '-n', 'study', 'service-clusterip', '-o', 'jsonpath={.spec.ports[0].port} {.spec.sessionAffinity} {.metadata.annotations.a}')).toBe('82 ClientIP b');
  });

  it('creates namespaces, services, roles and bindings with kubectl create (protobuf bodies)', async () => {
    expect(await ok('create', 'namespace', 'team-x')).toBe('namespace/team-x created\n');
    expect(await ok('create', 'service', 'nodeport', 'np', '-n', 'team-x', '--tcp', '8080:80', '--node-port', '30080')).toBe('service/np created\n');
    expect(await ok('get', 'svc', '-n', 'team-x', 'np', '-o', 'jsonpath={.spec.type} {.spec.ports[0].port} {.spec.ports[0].targetPort} {.spec.ports[0].nodePort} {.spec.selector.app}')).toBe('NodePort 8080 80 30080 np');
    expect(await ok('create', 'role', 'pod-reader', '-n', 'team-x', '--verb=get,list,watch', '--resource=pods')).toBe('role.rbac.authorization.k8s.io/pod-reader created\n');
    expect(await ok('create', 'rolebinding', 'read-pods', '-n', 'team-x', '--role=pod-reader', '--user=jane', '--serviceaccount=team-x:robot')).toBe('rolebinding.rbac.authorization.k8s.io/read-pods created\n');
    expect(await ok('create', 'clusterrole', 'svc-viewer', '--verb=get,list', '--resource=services,endpoints')).toBe('clusterrole.rbac.authorization.k8s.io/svc-viewer created\n');
    expect(await ok('create', 'clusterrolebinding', 'svc-viewers', '--clusterrole=svc-viewer', '--group=viewers')).toBe('clusterrolebinding.rbac.authorization.k8s.io/svc-viewers created\n');
    expect(JSON.parse(await ok('get', 'role', 'pod-reader', '-n', 'team-x', '-o', 'json')).rules).toEqual([{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] }]);
    expect(await ok('get', 'rolebinding', 'read-pods', '-n', 'team-x', '-o', 'wide')).toMatch(/^read-pods\s+Role\/pod-reader\s+\S+\s+jane\s+team-x\/robot$/m);
    expect(await ok('get', 'clusterrolebinding', 'svc-viewers', '-o', 'jsonpath={.roleRef.name} {.subjects[0].kind}:{.subjects[0].name}')).toBe('svc-viewer Group:viewers');
    await ok('delete', 'clusterrolebinding', 'svc-viewers');
    await ok('delete', 'clusterrole', 'svc-viewer');
    await ok('delete', 'namespace', 'team-x', '--wait=false');
  });

  it('explains the kinds from the OpenAPI v3 schemas', async () => {
    const spec = await ok('explain', 'service.spec');
    expect(spec).toMatch(/^KIND:\s+Service\nVERSION:\s+v1\n/);
    expect(spec).toMatch(/^\s+clusterIP\s+<string>$/m);
    expect(spec).toMatch(/^\s+ports\s+<\[\]ServicePort>$/m);
    const targetPort = await ok('explain', 'service.spec.ports.targetPort');
    expect(targetPort).toMatch(/^FIELD: targetPort <IntOrString>$/m);
    expect(targetPort).toContain('IntOrString is a type that can hold an int32 or a string.');
    expect(await ok('explain', 'endpointslices.endpoints')).toMatch(/^\s+addresses\s+<\[\]string>$/m);
  });

  it('explains from the OpenAPI v2 document too (client-go reads it as protobuf), as kubectl prints it against Kubernetes', async () => {
    const spec = await ok('explain', 'service.spec', '--output=plaintext-openapiv2');
    expect(spec).toMatch(/^KIND:\s+Service\nVERSION:\s+v1\n\nRESOURCE: spec <Object>\n/);
    expect(spec).toMatch(/^\s+ports\t<\[\]Object>$/m);
    expect(spec).toMatch(/^\s+selector\t<map\[string\]string>$/m);
    expect(await ok('explain', 'service.spec.ports.targetPort', '--output=plaintext-openapiv2')).toMatch(/^FIELD:\s+targetPort <string>\n\nDESCRIPTION:\n\s+IntOrString is a type that can hold an int32 or a string\./m);
  });

  it('client-side apply merges Service ports by their key (the v2 schema\'s patch merge key): a port added or removed, the others\' node ports kept', async () => {
    const manifest = (ports: string) => `apiVersion: v1\nkind: Service\nmetadata:\n  name: merged-ports\n  namespace: study\nspec:\n  type: NodePort\n  selector:\n    app: web\n  ports:\n${ports}`;
    const http = '    - name: http\n      port: 80\n      targetPort: 8080\n';
    const https = '    - name: https\n      port: 443\n      targetPort: 8443\n';
    const file = join(dir.path, 'merged-ports.yaml');
    const ports = () => ok('get', 'svc', '-n', 'study', 'merged-ports', '-o', 'jsonpath={range .spec.ports[*]}{.name}:{.port}:{.nodePort} {end}');
    writeFileSync(file, manifest(http));
    expect(await ok('apply', '-f', file)).toBe('service/merged-ports created\n');
    const [httpNodePort] = (await ports()).trim().split(' ').map((p) => p.split(':')[2]);
    writeFileSync(file, manifest(http + https));
    expect(await ok('apply', '-f', file)).toBe('service/merged-ports configured\n');
    const both = (await ports()).trim().split(' ');
    expect(both.map((p) => p.split(':').slice(0, 2).join(':'))).toEqual(['http:80', 'https:443']);
    expect(both[0]!.split(':')[2]).toBe(httpNodePort);
    writeFileSync(file, manifest(https));
    expect(await ok('apply', '-f', file)).toBe('service/merged-ports configured\n');
    expect((await ports()).trim().split(':').slice(0, 2)).toEqual(['https', '443']);
    await ok('delete', 'svc', '-n', 'study', 'merged-ports');
  });

  it('applies on the server (--server-side): creates, owns its fields, and meets the client-side apply\'s fields as a conflict that --force-conflicts takes over', async () => {
    const manifest = (name: string, targetPort: number) => {
      const file = join(dir.path, `${name}-${targetPort}.yaml`);
      writeFileSync(file, `apiVersion: v1\nkind: Service\nmetadata: {name: ${name}, namespace: study, labels: {app: ${name}}}\nspec: {selector: {app: ${name}}, ports: [{port: 80, targetPort: ${targetPort}}]}\n`);
      return file;
    };
    expect(await ok('apply', '--server-side', '-f', manifest('ssa', 8080))).toBe('service/ssa serverside-applied\n');
    expect(await ok('apply', '--server-side', '-f', manifest('ssa', 9090))).toBe('service/ssa serverside-applied\n');
    expect(await ok('get', 'svc', '-n', 'study', 'ssa', '-o', 'jsonpath={.spec.ports[0].targetPort} {.metadata.managedFields[*].manager} {.metadata.managedFields[*].operation}')).toBe('9090 kubectl Apply');

    expect(await ok('apply', '-f', manifest('csa', 8080))).toBe('service/csa created\n');
    const conflict = await kubectl(['apply', '--server-side', '-f', manifest('csa', 9090)]);
    expect(conflict.code).toBe(1);
    expect(conflict.err).toContain('Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using v1: .spec.ports[port=80,protocol="TCP"].targetPort');
    expect(await ok('apply', '--server-side', '--force-conflicts', '-f', manifest('csa', 9090))).toBe('service/csa serverside-applied\n');
    expect(await ok('get', 'svc', '-n', 'study', 'csa', '-o', 'jsonpath={.spec.ports[0].targetPort}')).toBe('9090');
    await ok('delete', 'svc', '-n', 'study', 'ssa', 'csa');
  });

  it('describes a Service with its endpoints and its events; gets events as a table', async () => {
    const svc = await t.client.get('Service', 'study', 'service-clusterip');
    const recorder = new EventRecorder({ client: t.client, component: 'metallb-controller', log: { debug: () => undefined, warn: () => undefined } });
    recorder.event(svc, 'Normal', 'IPAllocated', 'Assigned IP "192.168.1.240"');
    recorder.event(svc, 'Normal', 'IPAllocated', 'Assigned IP "192.168.1.240"');
    recorder.event(svc, 'Warning', 'AllocationFailed', 'Failed to allocate IP for "study/service-clusterip": no available IPs');
    await recorder.flush();
    const out = await ok('describe', 'svc', '-n', 'study', 'service-clusterip');
    expect(out).toMatch(/^Name:\s+service-clusterip\nNamespace:\s+study\n/);
    expect(out).toMatch(/^IP:\s+10\.97\.97\.97$/m);
    expect(out).toMatch(/^Session Affinity:\s+ClientIP$/m);
    expect(out).toMatch(/^Events:\n\s+Type\s+Reason\s+Age\s+From\s+Message\n/m);
    expect(out).toMatch(/^\s+Normal\s+IPAllocated\s+\S+ \(x2 over \S+\)\s+metallb-controller\s+Assigned IP "192\.168\.1\.240"$/m);
    expect(out).toMatch(/^\s+Warning\s+AllocationFailed\s+\S+\s+metallb-controller\s+Failed to allocate IP for "study\/service-clusterip": no available IPs$/m);
    const table = await ok('get', 'events', '-n', 'study');
    expect(table).toMatch(/^LAST SEEN\s+TYPE\s+REASON\s+OBJECT\s+MESSAGE\n/);
    expect(table).toMatch(/^\S+\s+Normal\s+IPAllocated\s+service\/service-clusterip\s+Assigned IP "192\.168\.1\.240"$/m);
    const wide = await ok('get', 'events', '-n', 'study', '-o', 'wide', '--field-selector', 'type=Warning');
    expect(wide).toMatch(/^LAST SEEN\s+TYPE\s+REASON\s+OBJECT\s+SUBOBJECT\s+SOURCE\s+MESSAGE\s+FIRST SEEN\s+COUNT\s+NAME\n/);
    expect(wide.trim().split('\n').length).toBe(2);
    expect(wide).toMatch(/\s+metallb-controller\s+Failed to allocate IP for "study\/service-clusterip": no available IPs\s+\S+\s+1\s+service-clusterip\.[0-9a-f]+$/m);
  });

  it('exposes a Service as another Service', async () => {
    expect(await ok('expose', 'svc', '-n', 'study', 'service-clusterip', '--name', 'service-clusterip-copy', '--port', '8080')).toBe('service/service-clusterip-copy exposed\n');
    expect(await ok('get', 'svc', '-n', 'study', 'service-clusterip-copy', '-o', 'jsonpath={.spec.ports[0].port} {.spec.selector.app}')).toBe('8080 nginx-pod');
  });

  it('says what kube-apiserver says about what is missing or invalid', async () => {
    const missing = await kubectl(['get', 'svc', 'nope']);
    expect([missing.code, missing.err]).toEqual([1, 'Error from server (NotFound): services "nope" not found\n']);
    const manifest = join(dir.path, 'bad.yaml');
    writeFileSync(manifest, 'apiVersion: v1\nkind: Service\nmetadata: {name: bad}\nspec: {ports: [{port: 70000}]}\n');
    const invalid = await kubectl(['apply', '-f', manifest]);
    expect(invalid.code).toBe(1);
    expect(invalid.err).toContain('The Service "bad" is invalid: \n* spec.ports[0].port: Invalid value: 70000: must be between 1 and 65535, inclusive\n');
    // kubectl leaves field validation to the server (the OpenAPI v3 document says it can).
    const typo = join(dir.path, 'typo.yaml');
    writeFileSync(typo, 'apiVersion: v1\nkind: Service\nmetadata: {name: typo}\nspec: {ports: [{port: 80}], selectr: {app: x}}\n');
    const strict = await kubectl(['apply', '-f', typo]);
    expect([strict.code, strict.err]).toEqual([1, `Error from server (BadRequest): error when creating "${typo}": Service in version "v1" cannot be handled as a Service: strict decoding error: unknown field "spec.selectr"\n`]);
    const warned = await kubectl(['apply', '-f', typo, '--validate=warn']);
    expect([warned.code, warned.out, warned.err]).toEqual([0, 'service/typo created\n', 'Warning: unknown field "spec.selectr"\n']);
  });

  it('watches: the table, then a row per change', async () => {
    const watch = spawn('kubectl', ['--kubeconfig', kubeconfig, 'get', 'svc', '-n', 'study', '-w', '--request-timeout=5s'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    watch.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const until = async (re: RegExp) => {
      for (let i = 0; i < 100 && !re.test(out); i++) await new Promise((r) => setTimeout(r, 50));
      return out;
    };
    await until(/service-clusterip\s/);
    // kubectl's typed `create service` sends the Service as Kubernetes protobuf.
    expect(await ok('create', 'service', 'clusterip', 'watched', '-n', 'study', '--tcp', '80:8080')).toBe('service/watched created\n');
    expect(await until(/^watched\s+ClusterIP/m)).toMatch(/^watched\s+ClusterIP\s+10\.\S+\s+<none>\s+80\/TCP/m);
    watch.kill();
  });

  it('deletes by name (with a grace period) and by label', async () => {
    expect(await ok('delete', 'svc', '-n', 'study', 'watched', '--grace-period', '0')).toBe('service "watched" deleted\n');
    await ok('label', 'svc', '-n', 'study', 'service-clusterip-copy', 'tier=front');
    expect((await ok('delete', 'svc', '-n', 'study', '-l', 'tier=front')).split('\n').filter(Boolean).sort()).toEqual(['service "service-clusterip" deleted', 'service "service-clusterip-copy" deleted']);
    expect(await kubectl(['get', 'svc', '-n', 'study', '-l', 'tier=front'])).toMatchObject({ err: 'No resources found in study namespace.\n' });
  });
});
