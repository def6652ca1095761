import { ConflictError, field, InvalidError, type Service } from '@minimesh/api';
import { describe, expect, it } from 'vitest';
import { LAST_APPLIED_ANNOTATION } from '../manifest/last-applied.js';
import { harness } from '../testing/harness.js';

describe('meshctl apply', () => {
  it('creates, then reports unchanged, then configured (seed 002)', async () => {
    const h = harness();
    expect(await h.meshctl('apply', '-f', '002-namespace.yaml')).toEqual({ code: 0, stdout: 'namespace/study created\n', stderr: '' });
    expect(await h.meshctl('apply', '-f', '002-service-clusterip.yaml')).toEqual({ code: 0, stdout: 'service/service-clusterip created\n', stderr: '' });
    const writes = h.client.calls.filter((c) => !c.startsWith('get')).length;
    expect(await h.meshctl('apply', '-f', '002-service-clusterip.yaml')).toEqual({ code: 0, stdout: 'service/service-clusterip unchanged\n', stderr: '' });
    expect(h.client.calls.filter((c) => !c.startsWith('get')).length).toBe(writes);
    expect(await h.meshctl('apply', '-f', '002-service-session-affinity.yaml')).toEqual({ code: 0, stdout: 'service/service-clusterip configured\n', stderr: '' });
    const live = h.client.peek('Service', 'study', 'service-clusterip') as Service;
    expect(live.spec).toMatchObject({ sessionAffinity: 'ClientIP', clusterIP: '10.97.97.97' });
  });

  it('records the manifest as the last-applied annotation on create', async () => {
    const h = harness();
    await h.meshctl('apply', '-f', '001-my-service.yaml');
    const live = h.client.peek('Service', 'default', 'my-service')!;
    expect(live.metadata.annotations![LAST_APPLIED_ANNOTATION]).toBe(
      '{"apiVersion":"v1","kind":"Service","metadata":{"annotations":{},"name":"my-service","namespace":"default"},' +
        '"spec":{"ports":[{"port":80,"protocol":"TCP","targetPort":9376}],"selector":{"app":"MyApp"},"type":"ClusterIP"}}\n',
    );
  });

  it('keeps allocated node ports and cluster IPs when the manifest omits them, and removes deleted fields', async () => {
    const h = harness();
    const v1 =
      'apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n  labels: {app: web, tier: front}\nspec:\n  type: NodePort\n  selector: {app: web}\n  ports:\n  - port: 80\n';
    expect((await h.meshctlWithStdin(v1, 'apply', '-f', '-')).stdout).toBe('service/web created\n');
    const allocated = h.client.peek('Service', 'default', 'web') as Service;
    const nodePort = allocated.spec!.ports![0]!.nodePort;
    expect(nodePort).toBeGreaterThanOrEqual(30000);
    expect((await h.meshctlWithStdin(v1, 'apply', '-f', '-')).stdout).toBe('service/web unchanged\n');
    const v2 = v1.replace('{app: web, tier: front}', '{app: web}').replace('  - port: 80\n', '  - port: 80\n    targetPort: 8080\n');
    expect((await h.meshctlWithStdin(v2, 'apply', '-f', '-')).stdout).toBe('service/web configured\n');
    const after = h.client.peek('Service', 'default', 'web') as Service;
    expect(after.metadata.labels).toEqual({ app: 'web' });
    expect(after.spec!.clusterIP).toBe(allocated.spec!.clusterIP);
    expect(after.spec!.ports).toEqual([{ port: 80, targetPort: 8080, protocol: 'TCP', nodePort }]);
  });

  it('keeps list items other writers added: Service ports by merge key, finalizers as a set (kubectl\'s three-way strategic merge)', async () => {
    const h = harness();
    const v1 =
      'apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n  finalizers: [example.com/a]\nspec:\n  selector: {app: web}\n  ports:\n  - name: http\n    port: 80\n';
    expect((await h.meshctlWithStdin(v1, 'apply', '-f', '-')).stdout).toBe('service/web created\n');
    const other = '{"metadata":{"finalizers":["example.com/ctrl"]},"spec":{"ports":[{"name":"metrics","port":9100}]}}';
    expect((await h.meshctl('patch', 'svc', 'web', '-p', other)).code).toBe(0);
    expect((await h.meshctlWithStdin(v1, 'apply', '-f', '-')).stdout).toBe('service/web configured\n');
    let live = h.client.peek('Service', 'default', 'web') as Service;
    expect(live.metadata.finalizers).toEqual(['example.com/a', 'example.com/ctrl']);
    expect(live.spec!.ports!.map((p) => [p.name, p.port])).toEqual([['http', 80], ['metrics', 9100]]);
    expect((await h.meshctlWithStdin(v1, 'apply', '-f', '-')).stdout).toBe('service/web unchanged\n');
    // What the manifest drops since the last apply does go; the other writer's items stay.
    const v2 = v1.replace('[example.com/a]', '[]').replace('  - name: http\n    port: 80\n', '  - name: https\n    port: 443\n');
    expect((await h.meshctlWithStdin(v2, 'apply', '-f', '-')).stdout).toBe('service/web configured\n');
    live = h.client.peek('Service', 'default', 'web') as Service;
    expect(live.metadata.finalizers).toEqual(['example.com/ctrl']);
    expect(live.spec!.ports!.map((p) => [p.name, p.port])).toEqual([['https', 443], ['metrics', 9100]]);
  });

  it('applies the documents before a YAML syntax error, then reports it (apply and delete -f)', async () => {
    const h = harness();
    const svc = (name: string) => `apiVersion: v1\nkind: Service\nmetadata:\n  name: ${name}\nspec:\n  ports:\n  - port: 80\n`;
    const text = `${svc('mb-one')}---\n${svc('mb-two').replace('  name: mb-two\n', '  name: mb-two\n  bad: [unclosed\n')}---\n${svc('mb-three')}`;
    const applied = await h.meshctlWithStdin(text, 'apply', '-f', '-');
    expect(applied.code).toBe(1);
    expect(applied.stdout).toBe('service/mb-one created\n');
    expect(applied.stderr).toMatch(/^error: error parsing STDIN: error converting YAML to JSON: yaml: line 6: .*\n$/);
    expect(h.client.peek('Service', 'default', 'mb-two')).toBeUndefined();
    expect(h.client.peek('Service', 'default', 'mb-three')).toBeUndefined();
    const deleted = await h.meshctlWithStdin(text, 'delete', '-f', '-');
    expect(deleted.code).toBe(1);
    expect(deleted.stdout).toBe('service "mb-one" deleted\n');
    expect(deleted.stderr).toBe(applied.stderr);
    expect(h.client.peek('Service', 'default', 'mb-one')).toBeUndefined();
  });

  it('refuses generateName without a name, like kubectl, and applies the other objects', async () => {
    const h = harness();
    const gen = 'apiVersion: v1\nkind: Service\nmetadata:\n  generateName: g-\nspec:\n  ports:\n  - port: 80\n---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: ok\n';
    expect(await h.meshctlWithStdin(gen, 'apply', '-f', '-')).toEqual({
      code: 1,
      stdout: 'namespace/ok created\n',
      stderr: 'error: from g-: cannot use generate name with apply\n',
    });
  });

  it('applies every document of a file and of several files', async () => {
    const h = harness();
    const r = await h.meshctl('apply', '-f', '001-my-service-without-selector.yaml', '-f', '001-my-nodeport-service.yaml');
    expect(r).toEqual({ code: 0, stdout: 'service/my-service created\nendpoints/my-service created\nservice/my-nodeport-service created\n', stderr: '' });
  });

  it('reports unsupported kinds per document while the others still apply (seed 002 controller.yaml)', async () => {
    const h = harness();
    const manifest =
      'apiVersion: apps/v1\nkind: Namespace\nmetadata:\n  name: study\n---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: study\n';
    expect(await h.meshctlWithStdin(manifest, 'apply', '-f', '-')).toEqual({
      code: 1,
      stdout: 'namespace/study created\n',
      stderr:
        'error: resource mapping not found for name: "study" namespace: "" from "STDIN": no matches for kind "Namespace" in version "apps/v1"\nensure CRDs are installed first\n',
    });
    const both = await h.meshctl('apply', '-f', '002-controller.yaml');
    expect(both.code).toBe(1);
    expect(both.stderr).toBe(
      'resource mapping not found for name: "study" namespace: "" from "002-controller.yaml": no matches for kind "Namespace" in version "apps/v1"\nensure CRDs are installed first\n' +
        'resource mapping not found for name: "service-environment-deployment" namespace: "study" from "002-controller.yaml": no matches for kind "Deployment" in version "apps/v1"\nensure CRDs are installed first\n',
    );
  });

  it('fails strict decoding like the apiserver, naming the file', async () => {
    const h = harness();
    const bad = 'apiVersion: v1\nkind: Service\nmetadata:\n  name: x\nspec:\n  foo: 1\n  ports:\n  - port: 80\n';
    expect(await h.meshctlWithStdin(bad, 'apply', '-f', '-')).toEqual({
      code: 1,
      stdout: '',
      stderr:
        'Error from server (BadRequest): error when creating "STDIN": Service in version "v1" cannot be handled as a Service: strict decoding error: unknown field "spec.foo"\n',
    });
    const wrongType = 'apiVersion: v1\nkind: Service\nmetadata:\n  name: x\nspec:\n  ports:\n  - port: "80"\n';
    expect((await h.meshctlWithStdin(wrongType, 'apply', '-f', '-')).stderr).toBe(
      'Error from server (BadRequest): error when creating "STDIN": Service in version "v1" cannot be handled as a Service: json: cannot unmarshal string into Go struct field ServicePort.spec.ports.port of type int32\n',
    );
    expect(h.client.calls.some((c) => c.startsWith('create'))).toBe(false);
  });

  it('prints the apiserver\'s validation errors like kubectl', async () => {
    const h = harness();
    h.client.hook = (op) => {
      if (op === 'create') {
        throw new InvalidError('Service', 'my-nodeport-service', [
          field.invalid('spec.ports[0].nodePort', 80, 'provided port is not in the valid range. The range of valid ports is 30000-32767'),
        ]);
      }
    };
    expect(await h.meshctl('apply', '-f', '001-my-nodeport-service.yaml')).toEqual({
      code: 1,
      stdout: '',
      stderr:
        'The Service "my-nodeport-service" is invalid: spec.ports[0].nodePort: Invalid value: 80: provided port is not in the valid range. The range of valid ports is 30000-32767\n',
    });
  });

  it('enforces an explicit -n against the document namespace, and uses -n otherwise', async () => {
    const h = harness();
    const r = await h.meshctl('apply', '-f', '002-service-nodeport.yaml', '-n', 'other');
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      'error: the namespace from the provided object "study" does not match the namespace "other". You must pass \'--namespace=study\' to perform this operation.\n',
    );
    expect((await h.meshctl('apply', '-n', 'prod', '-f', '001-my-service.yaml')).stdout).toBe('service/my-service created\n');
    expect(h.client.peek('Service', 'prod', 'my-service')).toBeDefined();
  });

  it('warns when the live object has no last-applied configuration, and adds it', async () => {
    const h = harness();
    expect((await h.meshctl('create', '-f', '001-my-service.yaml')).stdout).toBe('service/my-service created\n');
    const r = await h.meshctl('apply', '-f', '001-my-service.yaml');
    expect(r.stdout).toBe('service/my-service configured\n');
    expect(r.stderr).toBe(
      'Warning: resource services/my-service is missing the kubectl.kubernetes.io/last-applied-configuration annotation which is required by meshctl apply. ' +
        'meshctl apply should only be used on resources created declaratively by either meshctl create --save-config or meshctl apply. The missing annotation will be patched automatically.\n',
    );
    expect(h.client.peek('Service', 'default', 'my-service')!.metadata.annotations).toHaveProperty([LAST_APPLIED_ANNOTATION]);
    expect((await h.meshctl('apply', '-f', '001-my-service.yaml')).stdout).toBe('service/my-service unchanged\n');
  });

  it('retries on conflict with a fresh copy, and reports a conflict that persists', async () => {
    const h = harness();
    await h.meshctl('apply', '-f', '002-namespace.yaml', '-f', '002-service-clusterip.yaml');
    let conflicts = 1;
    h.client.hook = (op, o) => {
      if (op === 'update' && conflicts-- > 0) throw new ConflictError('Service', o.name);
    };
    expect((await h.meshctl('apply', '-f', '002-service-session-affinity.yaml')).stdout).toBe('service/service-clusterip configured\n');
    h.client.hook = (op, o) => {
      if (op === 'update') throw new ConflictError('Service', o.name);
    };
    const r = await h.meshctl('apply', '-f', '002-service-clusterip.yaml');
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      'Error from server (Conflict): error when applying "002-service-clusterip.yaml": Operation cannot be fulfilled on services "service-clusterip": the object has been modified; please apply your changes to the latest version and try again\n',
    );
    expect(h.client.calls.filter((c) => c.startsWith('update')).length).toBe(2 + 5);
  });

  it('supports --dry-run=client and -o name', async () => {
    const h = harness();
    expect((await h.meshctl('apply', '-f', '001-my-service.yaml', '--dry-run=client')).stdout).toBe('service/my-service created (dry run)\n');
    expect(h.client.peek('Service', 'default', 'my-service')).toBeUndefined();
    expect((await h.meshctl('apply', '-f', '001-my-service.yaml', '-o', 'name')).stdout).toBe('service/my-service\n');
  });

  it('fails without -f, on a missing file, and with no objects', async () => {
    const h = harness();
    expect((await h.meshctl('apply')).stderr).toBe("error: must specify one of -f and -k\nSee 'meshctl apply --help' for usage.\n");
    expect((await h.meshctl('apply', '-f', 'missing.yaml')).stderr).toBe('error: the path "missing.yaml" does not exist\n');
    expect(await h.meshctlWithStdin('---\n', 'apply', '-f', '-')).toEqual({ code: 1, stdout: '', stderr: 'error: no objects passed to apply\n' });
  });

  it('applies a whole directory, including a kind: List', async () => {
    const h = harness();
    const list = 'apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Namespace\n  metadata:\n    name: a\n- apiVersion: v1\n  kind: Namespace\n  metadata:\n    name: b\n';
    expect((await h.meshctlWithStdin(list, 'apply', '-f', '-')).stdout).toBe('namespace/a created\nnamespace/b created\n');
  });
});

describe('meshctl apply of every seed manifest', () => {
  it('applies the testdata directory: seed objects created, the tutorial\'s mistakes reported', async () => {
    const h = harness();
    const r = await h.meshctl('apply', '-f', '.');
    expect(r.code).toBe(1);
    expect(r.stdout).toBe(
      [
        'service/my-service created',
        'service/my-service created',
        'service/my-nodeport-service created',
        'service/my-service configured',
        'endpoints/my-service created',
        'service/my-service configured',
        'namespace/study created',
        'service/service-clusterip created',
        'service/service-externalname created',
        'service/service-headliness created',
        'service/service-nodeport created',
        'service/service-clusterip configured',
        'namespace/metallb-system created',
        'ipaddresspool.metallb.io/first-pool created',
        'l2advertisement.metallb.io/example created',
        '',
      ].join('\n'),
    );
    expect(r.stderr.match(/^resource mapping not found/gm)).toHaveLength(2);
    const again = await h.meshctl('apply', '-f', '002-namespace.yaml', '-f', '002-service-headless.yaml', '-f', '002-service-nodeport.yaml', '-f', '002-service-externalname.yaml');
    expect(again.stdout).toBe(
      'namespace/study unchanged\nservice/service-headliness unchanged\nservice/service-nodeport unchanged\nservice/service-externalname unchanged\n',
    );
    expect((await h.meshctl('get', 'svc', '-n', 'study', '-o', 'wide', '--no-headers')).stdout).toContain('service-headliness     ClusterIP      None ');
  });
});
