/** The apiserver over real gRPC: CRUD, conflicts, validation text, allocation, namespaces, restart. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AlreadyExistsError,
  ConflictError,
  ForbiddenError,
  InvalidError,
  NotFoundError,
  type Endpoints,
  type Namespace,
  type Pod,
  type Service,
} from '@minimesh/api';
import { eventually, tempDir } from '@minimesh/runtime/testing';
import { startTestApiServer, type TestApiServer } from './testing/index.js';

const ns = (name: string): Namespace => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });

function svc(name: string, spec: Service['spec'], namespace = 'study'): Service {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace }, spec };
}

describe('apiserver', () => {
  let t: TestApiServer;
  beforeAll(async () => {
    t = await startTestApiServer({ listen: '127.0.0.1:0' });
    await t.client.create(ns('study'));
  });
  afterAll(async () => t?.stop());

  it('bootstrap - system namespaces and the kubernetes Service on the first ClusterIP', async () => {
    const names = (await t.client.list('Namespace')).items.map((n) => n.metadata.name);
    expect(names).toEqual(expect.arrayContaining(['default', 'kube-system', 'study']));
    const k = await t.client.get('Service', 'default', 'kubernetes');
    expect(k.spec?.clusterIP).toBe('10.96.0.1');
    expect(k.spec?.ports?.[0]).toMatchObject({ name: 'https', port: 443, protocol: 'TCP', targetPort: Number(t.server.address.split(':').pop()) });
    const defaultNs = await t.client.get('Namespace', '', 'default');
    expect(defaultNs.metadata.labels).toEqual({ 'kubernetes.io/metadata.name': 'default' });
    expect(defaultNs.status?.phase).toBe('Active');
  });

  it('create - the walkthrough ClusterIP Service with a fixed IP, defaulted like Kubernetes', async () => {
    const created = await t.client.create(
      svc('service-clusterip', { selector: { app: 'nginx-pod' }, clusterIP: '10.97.97.97', type: 'ClusterIP', ports: [{ port: 80, protocol: 'TCP', targetPort: 80 }] }),
    );
    expect(created.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(created.metadata.creationTimestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(created.metadata.resourceVersion).toMatch(/^\d+$/);
    expect(created.spec).toMatchObject({
      clusterIP: '10.97.97.97',
      clusterIPs: ['10.97.97.97'],
      sessionAffinity: 'None',
      internalTrafficPolicy: 'Cluster',
      ipFamilies: ['IPv4'],
      ipFamilyPolicy: 'SingleStack',
    });
    expect(await t.client.get('Service', 'study', 'service-clusterip')).toEqual(created);
  });

  it('create - a taken ClusterIP is refused with the Kubernetes text', async () => {
    const err = await t.client
      .create(svc('dup-ip', { clusterIP: '10.97.97.97', ports: [{ port: 80 }] }))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidError);
    expect((err as Error).message).toBe(
      'Service "dup-ip" is invalid: spec.clusterIPs: Invalid value: []string{"10.97.97.97"}: failed to allocate IP 10.97.97.97: provided IP is already allocated',
    );
  });

  it('create - a NodePort outside the range, and a taken one', async () => {
    await expect(t.client.create(svc('np-bad', { type: 'NodePort', ports: [{ port: 80, nodePort: 80 }] }))).rejects.toThrow(
      'Service "np-bad" is invalid: spec.ports[0].nodePort: Invalid value: 80: provided port is not in the valid range. The range of valid ports is 30000-32767',
    );
    const np = await t.client.create(svc('service-nodeport', { type: 'NodePort', selector: { app: 'nginx-pod' }, ports: [{ port: 80, nodePort: 30002 }] }));
    expect(np.spec?.ports?.[0]?.nodePort).toBe(30002);
    expect(np.spec?.externalTrafficPolicy).toBe('Cluster');
    await expect(t.client.create(svc('np-dup', { type: 'NodePort', ports: [{ port: 80, nodePort: 30002 }] }))).rejects.toThrow(
      'spec.ports[0].nodePort: Invalid value: 30002: provided port is already allocated',
    );
  });

  it('create - dynamic NodePorts come from the upper band; same port number shares one', async () => {
    const s = await t.client.create(
      svc('dns-like', { type: 'NodePort', ports: [{ name: 'dns', port: 53, protocol: 'UDP' }, { name: 'dns-tcp', port: 53, protocol: 'TCP' }] }),
    );
    const [udp, tcp] = s.spec!.ports!;
    expect(udp!.nodePort).toBeGreaterThanOrEqual(30086);
    expect(tcp!.nodePort).toBe(udp!.nodePort);
  });

  it('create - every error of an object at once', async () => {
    const err = (await t.client
      .create(svc('bad', { type: 'Bogus', ports: [{ port: 0 }, { port: 70000, name: 'x' }] }))
      .catch((e: unknown) => e)) as InvalidError;
    expect(err).toBeInstanceOf(InvalidError);
    expect(err.status.details?.causes?.length).toBeGreaterThanOrEqual(3);
    expect(err.message).toMatch(/^Service "bad" is invalid: \[/);
    expect(err.message).toContain('spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive');
    expect(err.message).toContain('spec.type: Unsupported value: "Bogus": supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"');
  });

  it('create - in a namespace that does not exist, twice, and without a name', async () => {
    await expect(t.client.create(svc('x', { ports: [{ port: 80 }] }, 'nope'))).rejects.toThrow('namespaces "nope" not found');
    await expect(t.client.create(svc('service-clusterip', { ports: [{ port: 80 }] }))).rejects.toBeInstanceOf(AlreadyExistsError);
    await expect(t.client.create(svc('service-clusterip', { ports: [{ port: 80 }] }))).rejects.toThrow('services "service-clusterip" already exists');
    const gen = await t.client.create({ ...svc('', { ports: [{ port: 80 }] }), metadata: { generateName: 'web-', namespace: 'study' } as Service['metadata'] });
    expect(gen.metadata.name).toMatch(/^web-[a-z0-9]{5}$/);
  });

  it('update - optimistic concurrency: a stale resourceVersion is a Conflict', async () => {
    const cur = await t.client.get('Service', 'study', 'service-clusterip');
    const next = await t.client.update({ ...cur, spec: { ...cur.spec, sessionAffinity: 'ClientIP' } });
    expect(next.spec?.sessionAffinityConfig?.clientIP?.timeoutSeconds).toBe(10800);
    expect(Number(next.metadata.resourceVersion)).toBeGreaterThan(Number(cur.metadata.resourceVersion));
    const err = await t.client.update({ ...cur, metadata: { ...cur.metadata, labels: { a: 'b' } } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConflictError);
    expect((err as Error).message).toBe(
      'Operation cannot be fulfilled on services "service-clusterip": the object has been modified; please apply your changes to the latest version and try again',
    );
  });

  it('update - re-applying the original manifest keeps allocated values; no change, no new revision', async () => {
    const cur = await t.client.get('Service', 'study', 'service-nodeport');
    const again = await t.client.update(svc('service-nodeport', { type: 'NodePort', selector: { app: 'nginx-pod' }, ports: [{ port: 80, nodePort: 30002 }] }));
    expect(again.spec?.clusterIP).toBe(cur.spec?.clusterIP);
    expect(again.metadata.resourceVersion).toBe(cur.metadata.resourceVersion);
  });

  it('update - the ClusterIP is immutable', async () => {
    const cur = await t.client.get('Service', 'study', 'service-clusterip');
    await expect(t.client.update({ ...cur, spec: { ...cur.spec, clusterIP: '10.97.97.98', clusterIPs: ['10.97.97.98'] } })).rejects.toThrow(
      'may not change once set',
    );
  });

  it('update - type change to ExternalName releases the ClusterIP and NodePorts; back allocates afresh', async () => {
    const cur = await t.client.get('Service', 'study', 'service-nodeport');
    const ext = await t.client.update({ ...cur, spec: { ...cur.spec, type: 'ExternalName', externalName: 'www.example.com' } });
    expect(ext.spec?.clusterIP).toBeUndefined();
    expect(ext.spec?.ports?.[0]?.nodePort).toBeUndefined();
    // The port is free again.
    const other = await t.client.create(svc('takes-30002', { type: 'NodePort', ports: [{ port: 81, nodePort: 30002 }] }));
    expect(other.spec?.ports?.[0]?.nodePort).toBe(30002);
    // And so is the IP.
    const ip = cur.spec!.clusterIP!;
    const reuse = await t.client.create(svc('takes-ip', { clusterIP: ip, ports: [{ port: 80 }] }));
    expect(reuse.spec?.clusterIP).toBe(ip);
    const back = await t.client.update({ ...ext, spec: { type: 'ClusterIP', ports: [{ port: 80 }], selector: { app: 'nginx-pod' } } as Service['spec'] });
    expect(back.spec?.clusterIP).toMatch(/^10\.(9[6-9]|10[0-9]|11[01])\./);
    expect(back.spec?.clusterIP).not.toBe(ip);
  });

  it('status - updateStatus changes status only; update keeps status', async () => {
    const lb = await t.client.create(svc('lb', { type: 'LoadBalancer', ports: [{ port: 80 }] }));
    expect(lb.spec?.allocateLoadBalancerNodePorts).toBe(true);
    expect(lb.spec?.ports?.[0]?.nodePort).toBeGreaterThan(0);
    const withStatus = await t.client.updateStatus({
      ...lb,
      spec: { ...lb.spec, ports: [] },
      status: { loadBalancer: { ingress: [{ ip: '192.168.200.1' }] } },
    });
    expect(withStatus.status?.loadBalancer?.ingress).toEqual([{ ip: '192.168.200.1', ipMode: 'VIP' }]);
    expect(withStatus.spec?.ports?.length).toBe(1);
    const relabeled = await t.client.update({ ...withStatus, metadata: { ...withStatus.metadata, labels: { x: 'y' } }, status: {} as Service['status'] });
    expect(relabeled.status?.loadBalancer?.ingress?.[0]?.ip).toBe('192.168.200.1');
  });

  it('endpoints - the selector-less example with hand-written Endpoints', async () => {
    await t.client.create(svc('my-service', { ports: [{ protocol: 'TCP', port: 80, targetPort: 9376 }] }));
    const ep: Endpoints = {
      apiVersion: 'v1',
      kind: 'Endpoints',
      metadata: { name: 'my-service', namespace: 'study' },
      subsets: [{ addresses: [{ ip: '1.2.3.4' }], ports: [{ port: 9376 }] }],
    };
    const created = await t.client.create(ep);
    expect(created.subsets?.[0]?.ports?.[0]).toEqual({ port: 9376, protocol: 'TCP' });
    await expect(
      t.client.create({ ...ep, metadata: { name: 'loop', namespace: 'study' }, subsets: [{ addresses: [{ ip: '127.0.0.1' }], ports: [{ port: 1 }] }] }),
    ).rejects.toThrow('may not be in the loopback range (127.0.0.0/8, ::1/128)');
  });

  it('list - label selectors, all namespaces, and a bad selector', async () => {
    const pod = (name: string, labels: Record<string, string>): Pod => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace: 'study', labels },
      spec: { containers: [{ name: 'nginx', ports: [{ containerPort: 80 }] }] },
    });
    await t.client.create(pod('p1', { app: 'nginx-pod', tier: 'web' }));
    await t.client.create(pod('p2', { app: 'nginx-pod' }));
    await t.client.create(pod('p3', { app: 'other' }));
    const sel = await t.client.list('Pod', { namespace: 'study', labelSelector: 'app=nginx-pod' });
    expect(sel.items.map((p) => p.metadata.name)).toEqual(['p1', 'p2']);
    expect((await t.client.list('Pod', { labelSelector: 'app in (other),!tier' })).items.map((p) => p.metadata.name)).toEqual(['p3']);
    expect((await t.client.list('Pod', { labelSelector: 'tier' })).items.map((p) => p.metadata.name)).toEqual(['p1']);
    await expect(t.client.list('Pod', { labelSelector: 'a in b' })).rejects.toThrow(/unable to parse/);
  });

  it('delete - returns the object; namespaces cascade; system namespaces stay', async () => {
    await t.client.create(ns('doomed'));
    const s = await t.client.create(svc('web', { clusterIP: '10.96.5.5', ports: [{ port: 80 }] }, 'doomed'));
    const gone = await t.client.delete('Namespace', '', 'doomed');
    expect(gone.metadata.name).toBe('doomed');
    await expect(t.client.get('Service', 'doomed', 'web')).rejects.toBeInstanceOf(NotFoundError);
    // The cascade released the IP.
    const again = await t.client.create(svc('web2', { clusterIP: s.spec!.clusterIP!, ports: [{ port: 80 }] }));
    expect(again.spec?.clusterIP).toBe('10.96.5.5');
    const err = await t.client.delete('Namespace', '', 'default').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ForbiddenError);
    expect((err as Error).message).toBe('namespaces "default" is forbidden: this namespace may not be deleted');
    await expect(t.client.delete('Service', 'study', 'nope')).rejects.toThrow('services "nope" not found');
  });

  it('restart - objects, revisions and allocations survive a restart on the same data dir', async () => {
    const dyn = await t.client.create(svc('dynamic', { ports: [{ port: 80 }], type: 'NodePort' }));
    const before = await t.client.list('Service');
    await t.restart();
    const after = await t.client.list('Service');
    expect(after.resourceVersion).toBe(before.resourceVersion);
    expect(after.items).toEqual(before.items);
    await expect(t.client.create(svc('steal-ip', { clusterIP: dyn.spec!.clusterIP!, ports: [{ port: 80 }] }))).rejects.toThrow(
      'provided IP is already allocated',
    );
    await expect(
      t.client.create(svc('steal-port', { type: 'NodePort', ports: [{ port: 80, nodePort: dyn.spec!.ports![0]!.nodePort! }] })),
    ).rejects.toThrow('provided port is already allocated');
  });
});

describe('apiserver store metrics', () => {
  it('name the store and the watch history\'s oldest revision: compaction moves it, a new data directory is a new store', async () => {
    const t = await startTestApiServer({ 'watch-history': 2, 'compaction-interval': 0.2 });
    const fresh = tempDir('minimesh-apiserver-fresh-');
    try {
      const metric = async (name: string) => {
        const text = await (await fetch(`http://${t.server.httpAddress}/metrics`)).text();
        return text.split('\n').find((l) => l.startsWith(name))?.slice(name.length);
      };
      expect(await metric('minimesh_apiserver_store_info')).toBe(`{store_id="${t.server.store.id}"} 1`);
      for (const name of ['a', 'b', 'c', 'd', 'e']) await t.client.create(ns(`metrics-${name}`));
      const revision = await t.server.store.revision();
      expect(await metric('minimesh_apiserver_revision ')).toBe(String(revision));
      // Compaction keeps the last 2 events: the oldest kept is the revision before the newest.
      await eventually(async () => (await metric('minimesh_apiserver_watch_history_oldest_revision ')) === String(revision - 1), 10_000, 100);
      expect(await t.server.store.oldestRevision()).toBe(revision - 1);

      const old = t.server.store.id;
      await t.restart({ 'data-dir': fresh.path });
      expect(t.server.store.id).not.toBe(old);
      expect(await metric('minimesh_apiserver_store_info')).toBe(`{store_id="${t.server.store.id}"} 1`);
    } finally {
      await t.stop();
      fresh.remove();
    }
  });
});

describe('apiserver start-up', () => {
  it('bootstrap - starts even when another Service took the first ClusterIP', async () => {
    const t = await startTestApiServer();
    try {
      // The kubernetes Service is recreated at once when deleted, so the squatter takes its IP in
      // the same store transaction, as if it had won that race.
      const squatter: Service = {
        ...svc('squatter', { type: 'ClusterIP', clusterIP: '10.96.0.1', clusterIPs: ['10.96.0.1'], ports: [{ port: 80, protocol: 'TCP', targetPort: 80 }] }, 'default'),
      };
      squatter.metadata.uid = 'squatter-uid';
      await t.server.store.commit({
        ops: [
          { type: 'delete', kind: 'Service', namespace: 'default', name: 'kubernetes' },
          { type: 'create', object: squatter },
        ],
        release: [{ pool: 'clusterip', value: '10.96.0.1' }],
        allocate: [{ pool: 'clusterip', value: '10.96.0.1', owner: 'default/squatter' }],
      });
      await t.restart();
      expect((await t.client.get('Service', 'default', 'squatter')).spec?.clusterIP).toBe('10.96.0.1');
      await expect(t.client.get('Service', 'default', 'kubernetes')).rejects.toBeInstanceOf(NotFoundError);
    } finally {
      await t.stop();
    }
  });
});
