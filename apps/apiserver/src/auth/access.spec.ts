/**
 * Access control against a real apiserver over TLS: who gets in (client certificates from the
 * cluster CA, tokens from the token file) and what each identity may do (the default roles, the
 * node restriction, bindings made at run time), with Kubernetes' 401 and 403 texts.
 */
import { readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMPONENT_USERS, ForbiddenError, UnauthorizedError, nodeUser, type EndpointSlice, type KubeObject, type Node, type Pod, type RoleBinding, type Service } from '@minimesh/api';
import type { ApiClient } from '@minimesh/client';
import { ensureCertificateAuthority, issueCertificate, tokenFileLine } from '@minimesh/runtime';
import { eventually, tempDir } from '@minimesh/runtime/testing';
import { startTestApiServer, type TestApiServer } from '../testing/index.js';

const node = (name: string): Node => ({ apiVersion: 'v1', kind: 'Node', metadata: { name } });
const svc = (name: string): Service => ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default' }, spec: { ports: [{ port: 80 }] } });

describe('access control (TLS, client certificates, tokens, RBAC, node restriction)', () => {
  const dir = tempDir('minimesh-access-');
  let t: TestApiServer;
  let admin: ApiClient;
  const clients: ApiClient[] = [];
  const connect = (o: Parameters<TestApiServer['connect']>[0]) => {
    const c = t.connect(o);
    clients.push(c);
    return c;
  };
  const certFor = (name: string, user: { name: string; groups: string[] }) => {
    const ca = { certFile: join(t.dataDir, 'pki', 'ca.crt'), keyFile: join(t.dataDir, 'pki', 'ca.key') };
    const pair = issueCertificate(ca, dir.path, { name, commonName: user.name, organizations: user.groups, usage: 'client' });
    return { certFile: pair.certFile, keyFile: pair.keyFile };
  };

  beforeAll(async () => {
    const tokens = join(dir.path, 'tokens.csv');
    writeFileSync(
      tokens,
      [
        '# token,user,uid,"groups"',
        tokenFileLine('dns-token', COMPONENT_USERS.dns.name),
        tokenFileLine('ec-token', COMPONENT_USERS.endpointsController.name),
        tokenFileLine('pods-token', COMPONENT_USERS.podRegistrar.name),
        tokenFileLine('bob-token', 'bob', ['developers'], 'uid-bob'),
      ].join('\n'),
    );
    t = await startTestApiServer({ listen: '127.0.0.1:0', 'authorization-mode': 'Node,RBAC', 'anonymous-auth': false, 'token-auth-file': tokens });
    admin = connect(certFor('admin', COMPONENT_USERS.admin));
    await admin.create(node('node1'));
    await admin.create(node('node2'));
  });
  afterAll(async () => {
    for (const c of clients) c.close();
    await t?.stop();
    dir.remove();
  });

  it('refuses a client without credentials, with a wrong token, or with a certificate of another CA: 401 Unauthorized', async () => {
    const other = ensureCertificateAuthority(join(dir.path, 'other-ca'));
    const foreign = issueCertificate(other, join(dir.path, 'other-ca'), { name: 'mallory', commonName: 'kubernetes-admin', organizations: ['system:masters'], usage: 'client' });
    for (const c of [connect({}), connect({ token: 'guess' }), connect({ certFile: foreign.certFile, keyFile: foreign.keyFile })]) {
      const err = await c.list('Service').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(UnauthorizedError);
      expect((err as Error).message).toBe('Unauthorized');
    }
  });

  it('an admin (group system:masters) may do anything', async () => {
    await admin.create(svc('by-admin'));
    expect((await admin.list('ClusterRole')).items.map((r) => r.metadata.name)).toEqual(expect.arrayContaining(['cluster-admin', 'system:node', 'system:coredns']));
  });

  it('a node agent reads what kube-proxy reads, updates its own Node and is denied any other', async () => {
    const agent = connect(certFor('node1', nodeUser('node1')));
    expect((await agent.list('Service')).items.length).toBeGreaterThan(0);
    await agent.list('EndpointSlice');
    const own = await agent.get('Node', '', 'node1');
    await agent.update({ ...own, metadata: { ...own.metadata, labels: { mine: 'yes' } } });
    const other = await agent.get('Node', '', 'node2');
    const err = await agent.update({ ...other, metadata: { ...other.metadata, labels: { hijacked: 'yes' } } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ForbiddenError);
    expect((err as Error).message).toBe('nodes "node2" is forbidden: node "node1" is not allowed to modify node "node2"');
    await expect(agent.patch('Node', '', 'node2', 'merge', { metadata: { labels: { x: 'y' } } })).rejects.toThrow('node "node1" is not allowed to modify node "node2"');
    await expect(agent.delete('Node', '', 'node2')).rejects.toThrow('node "node1" is not allowed to modify node "node2"');
    await expect(agent.create({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'node9' } })).rejects.toThrow(
      'nodes "node9" is forbidden: node "node1" is not allowed to modify node "node9"',
    );
    await expect(agent.create(svc('from-a-node'))).rejects.toThrow(
      'services is forbidden: User "system:node:node1" cannot create resource "services" in API group "" in the namespace "default"',
    );
    expect((await admin.get('Node', '', 'node2')).metadata.labels?.hijacked).toBeUndefined();
  });

  it('a node registers its own Node (NodeRestriction reads the created object\'s name), and only its own', async () => {
    const kubelet = connect(certFor('node3', nodeUser('node3')));
    await expect(kubelet.create(node('node4'))).rejects.toThrow('nodes "node4" is forbidden: node "node3" is not allowed to modify node "node4"');
    expect((await kubelet.create(node('node3'))).metadata.name).toBe('node3');
    const lease = (name: string) => ({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name, namespace: 'kube-node-lease' }, spec: { holderIdentity: name } }) as KubeObject;
    await expect(kubelet.create(lease('node4'))).rejects.toThrow('leases.coordination.k8s.io "node4" is forbidden: node "node3" is not allowed to modify lease "node4"');
    expect((await kubelet.create(lease('node3'))).metadata.name).toBe('node3');
    await expect(admin.get('Node', '', 'node4')).rejects.toThrow('not found');
  });

  it('dns only reads (and keeps kube-dns in kube-system); the endpoints controller writes only endpoints', async () => {
    const dns = connect({ token: 'dns-token' });
    await dns.list('Service');
    await dns.list('EndpointSlice');
    await expect(dns.create(svc('from-dns'))).rejects.toThrow(
      'services is forbidden: User "system:minimesh:dns" cannot create resource "services" in API group "" in the namespace "default"',
    );
    await expect(dns.delete('Service', 'default', 'by-admin')).rejects.toThrow(
      'services "by-admin" is forbidden: User "system:minimesh:dns" cannot delete resource "services" in API group "" in the namespace "default"',
    );
    const ec = connect({ token: 'ec-token' });
    const slice: EndpointSlice = {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: 'by-admin-abc', namespace: 'default', labels: { 'kubernetes.io/service-name': 'by-admin' } },
      addressType: 'IPv4',
      endpoints: [],
    };
    await ec.create(slice);
    await expect(ec.patch('Service', 'default', 'by-admin', 'merge', { spec: { selector: { app: 'evil' } } })).rejects.toThrow(
      'services "by-admin" is forbidden: User "system:minimesh:endpoints-controller" cannot patch resource "services" in API group "" in the namespace "default"',
    );
    await expect(ec.list('Role')).rejects.toThrow(
      'roles.rbac.authorization.k8s.io is forbidden: User "system:minimesh:endpoints-controller" cannot list resource "roles" in API group "rbac.authorization.k8s.io" at the cluster scope',
    );
  });

  it('the pod registrar makes its namespace and registers, replaces and deletes Pods; nothing else', async () => {
    const reg = connect({ token: 'pods-token' });
    await reg.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'registered' } });
    await reg.get('Namespace', '', 'registered');
    const pod: Pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'echo-1', namespace: 'registered', labels: { app: 'echo' } }, spec: { nodeName: 'node1', containers: [{ name: 'echo', image: 'echo' }] } };
    await reg.create(pod);
    await reg.delete('Pod', 'registered', 'echo-1', { gracePeriodSeconds: 0 });
    await reg.create(pod);
    await expect(reg.list('Pod', { namespace: 'registered' })).rejects.toThrow(
      'pods is forbidden: User "system:minimesh:pod-registrar" cannot list resource "pods" in API group "" in the namespace "registered"',
    );
    await expect(reg.create(svc('from-pods'))).rejects.toThrow(
      'services is forbidden: User "system:minimesh:pod-registrar" cannot create resource "services" in API group "" in the namespace "default"',
    );
    await expect(reg.delete('Namespace', '', 'registered')).rejects.toThrow(
      'namespaces "registered" is forbidden: User "system:minimesh:pod-registrar" cannot delete resource "namespaces" in API group "" at the cluster scope',
    );
  });

  it('a RoleBinding made at run time grants at once, in its namespace only, and its removal takes it back', async () => {
    const bob = connect({ token: 'bob-token' });
    await expect(bob.list('Service', { namespace: 'default' })).rejects.toBeInstanceOf(ForbiddenError);
    const binding: RoleBinding = {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'developers-read', namespace: 'default' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'system:coredns' },
      subjects: [{ kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name: 'developers' }],
    };
    await admin.create(binding);
    expect((await bob.list('Service', { namespace: 'default' })).items.length).toBeGreaterThan(0);
    await expect(bob.list('Service', { namespace: 'kube-system' })).rejects.toThrow('in the namespace "kube-system"');
    await expect(bob.list('Service')).rejects.toThrow('at the cluster scope');
    const watch = bob.watch('Service', { namespace: 'default' })[Symbol.asyncIterator]();
    expect((await watch.next()).done).toBe(false);
    await watch.return?.();
    await admin.delete('RoleBinding', 'default', 'developers-read');
    await expect(bob.list('Service', { namespace: 'default' })).rejects.toBeInstanceOf(ForbiddenError);
  });

  it('follows the token file: a token added later works, a removed one stops working', async () => {
    const tokens = join(dir.path, 'tokens.csv');
    const before = readFileSync(tokens, 'utf8');
    writeFileSync(tokens, `${before}\n${tokenFileLine('new-token', COMPONENT_USERS.dns.name)}\n`.replace(/^dns-token.*$/m, ''));
    utimesSync(tokens, new Date(), new Date(Date.now() + 5000));
    await eventually(async () => (await connect({ token: 'new-token' }).list('Service')).items.length > 0, 5000, 200);
    await expect(connect({ token: 'dns-token' }).list('Service')).rejects.toBeInstanceOf(UnauthorizedError);
    writeFileSync(tokens, before);
    utimesSync(tokens, new Date(), new Date(Date.now() + 10_000));
    await eventually(async () => (await connect({ token: 'dns-token' }).list('Service')).items.length > 0, 5000, 200);
  });

  it('a watch is authorized before it starts', async () => {
    const dns = connect({ token: 'dns-token' });
    const watch = dns.watch('Role')[Symbol.asyncIterator]();
    await expect(watch.next()).rejects.toThrow('User "system:minimesh:dns" cannot watch resource "roles"');
  });

  it('puts a changed default role back on restart (autoupdate), keeps one marked autoupdate "false"', async () => {
    const role = await admin.get('ClusterRole', '', 'system:coredns');
    await admin.update({ ...role, rules: [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }] });
    const proxier = await admin.get('ClusterRole', '', 'system:node-proxier');
    await admin.update({ ...proxier, metadata: { ...proxier.metadata, annotations: { 'rbac.authorization.kubernetes.io/autoupdate': 'false' } }, rules: [] });
    await t.restart();
    admin = connect(certFor('admin', COMPONENT_USERS.admin));
    expect((await admin.get('ClusterRole', '', 'system:coredns')).rules?.[0]?.verbs).toEqual(['get', 'list', 'watch']);
    expect((await admin.get('ClusterRole', '', 'system:node-proxier')).rules ?? []).toEqual([]);
  });
});
