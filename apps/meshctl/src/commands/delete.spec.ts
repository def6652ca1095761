import { describe, expect, it } from 'vitest';
import { harness, type Harness } from '../testing/harness.js';

async function cluster(): Promise<Harness> {
  const h = harness();
  await h.meshctl('apply', '-f', '001-my-service-without-selector.yaml', '-f', '001-my-nodeport-service.yaml');
  return h;
}

describe('meshctl delete', () => {
  it('deletes by kind and names, printing kubectl\'s lines', async () => {
    const h = await cluster();
    expect(await h.meshctl('delete', 'svc', 'my-service', 'my-nodeport-service')).toEqual({
      code: 0,
      stdout: 'service "my-service" deleted\nservice "my-nodeport-service" deleted\n',
      stderr: '',
    });
    expect(await h.meshctl('delete', 'endpoints/my-service')).toEqual({ code: 0, stdout: 'endpoints "my-service" deleted\n', stderr: '' });
  });

  it('reports missing objects as NotFound, unless --ignore-not-found', async () => {
    const h = await cluster();
    expect(await h.meshctl('delete', 'service', 'x', 'my-service')).toEqual({
      code: 1,
      stdout: 'service "my-service" deleted\n',
      stderr: 'Error from server (NotFound): services "x" not found\n',
    });
    expect(await h.meshctl('delete', 'svc', 'x', '--ignore-not-found')).toEqual({ code: 0, stdout: '', stderr: '' });
  });

  it('deletes what a manifest describes, naming the file in errors', async () => {
    const h = await cluster();
    expect(await h.meshctl('delete', '-f', '001-my-service-without-selector.yaml')).toEqual({
      code: 0,
      stdout: 'service "my-service" deleted\nendpoints "my-service" deleted\n',
      stderr: '',
    });
    expect(await h.meshctl('delete', '-f', '001-my-service-without-selector.yaml')).toEqual({
      code: 1,
      stdout: '',
      stderr:
        'Error from server (NotFound): error when deleting "001-my-service-without-selector.yaml": services "my-service" not found\n' +
        'Error from server (NotFound): error when deleting "001-my-service-without-selector.yaml": endpoints "my-service" not found\n',
    });
  });

  it('deletes several kinds by name, and everything matching --all or -l', async () => {
    const h = await cluster();
    expect((await h.meshctl('delete', 'svc,ep', 'my-service')).stdout).toBe('service "my-service" deleted\nendpoints "my-service" deleted\n');
    expect((await h.meshctl('delete', 'svc', '--all')).stdout).toBe('service "my-nodeport-service" deleted\n');
    expect(await h.meshctl('delete', 'svc', '--all')).toEqual({ code: 0, stdout: 'No resources found\n', stderr: '' });
    await h.meshctl('apply', '-f', '002-namespace.yaml');
    expect((await h.meshctl('delete', 'ns', '-l', 'nope=1')).stdout).toBe('No resources found\n');
    expect((await h.meshctl('delete', 'namespace', 'study')).stdout).toBe('namespace "study" deleted\n');
  });

  it('refuses ambiguous requests like kubectl', async () => {
    const h = harness();
    expect((await h.meshctl('delete')).stderr).toBe(
      "error: You must provide one or more resources by argument or filename.\nExample resource specifications include:\n   '-f rsrc.yaml'\n   '--filename=rsrc.json'\n   '<resource> <name>'\n   '<resource>'\n",
    );
    expect((await h.meshctl('delete', 'svc')).stderr).toBe('error: resource(s) were provided, but no name was specified\n');
    expect((await h.meshctl('delete', 'widgets', 'x')).stderr).toBe('error: the server doesn\'t have a resource type "widgets"\n');
  });

  it('supports --dry-run=client', async () => {
    const h = await cluster();
    expect((await h.meshctl('delete', 'svc', 'my-service', '--dry-run=client')).stdout).toBe('service "my-service" deleted (dry run)\n');
    expect(h.client.peek('Service', 'default', 'my-service')).toBeDefined();
  });
});

describe('meshctl delete, gracefully', () => {
  const pod = (name: string, labels: Record<string, string>) => ({
    apiVersion: 'v1' as const,
    kind: 'Pod' as const,
    metadata: { name, namespace: 'default', labels },
    spec: { nodeName: 'node1', containers: [{ name: 'c' }] },
  });

  it('marks a pod for graceful deletion; --wait=false returns at once, --grace-period=0 --force removes it', async () => {
    const h = harness();
    h.client.seed(pod('web', { app: 'web' }));
    expect(await h.meshctl('delete', 'pod', 'web', '--wait=false')).toEqual({ code: 0, stdout: 'pod "web" deleted\n', stderr: '' });
    expect(h.client.peek('Pod', 'default', 'web')?.metadata.deletionGracePeriodSeconds).toBe(30);
    const forced = await h.meshctl('delete', 'pod', 'web', '--grace-period=0', '--force');
    expect(forced.stdout).toBe('pod "web" force deleted\n');
    expect(forced.stderr).toContain('Warning: Immediate deletion does not wait for confirmation');
    expect(h.client.peek('Pod', 'default', 'web')).toBeUndefined();
  });

  it('--now is a one-second grace period; --wait gives up after --timeout', async () => {
    const h = harness();
    h.client.seed(pod('web', { app: 'web' }));
    const r = await h.meshctl('delete', 'pod', 'web', '--now', '--timeout=300ms');
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('error: timed out waiting for the condition on pods/web\n');
    expect(h.client.peek('Pod', 'default', 'web')?.metadata.deletionGracePeriodSeconds).toBe(1);
    expect((await h.meshctl('delete', 'pod', 'web', '--now', '--grace-period=5')).stderr).toBe('error: --now and --grace-period cannot be specified together\n');
  });

  it('checks --timeout and --grace-period before deleting anything, and takes any Go duration', async () => {
    const h = await cluster();
    expect(await h.meshctl('delete', 'svc', 'my-service', '--timeout=abc')).toEqual({
      code: 1,
      stdout: '',
      stderr: 'error: invalid argument "abc" for "--timeout" flag: time: invalid duration "abc"\nSee \'meshctl delete --help\' for usage.\n',
    });
    expect((await h.meshctl('delete', 'svc', 'my-service', '--timeout=5')).stderr).toBe(
      'error: invalid argument "5" for "--timeout" flag: time: missing unit in duration "5"\nSee \'meshctl delete --help\' for usage.\n',
    );
    expect((await h.meshctl('delete', 'svc', 'my-service', '--grace-period=x')).stderr).toBe(
      'error: invalid argument "x" for "--grace-period" flag: strconv.ParseInt: parsing "x": invalid syntax\nSee \'meshctl delete --help\' for usage.\n',
    );
    expect(h.client.peek('Service', 'default', 'my-service')).toBeDefined();
    expect(await h.meshctl('delete', 'svc', 'my-service', '--timeout=1m30s')).toEqual({ code: 0, stdout: 'service "my-service" deleted\n', stderr: '' });
    expect((await h.meshctl('delete', 'svc', 'my-nodeport-service', '--timeout=1h2m')).stdout).toBe('service "my-nodeport-service" deleted\n');
  });

  it('--force alone deletes at once (grace period 0) with kubectl\'s warning; a positive grace period is refused with it', async () => {
    const h = harness();
    h.client.seed(pod('web', { app: 'web' }), pod('db', { app: 'db' }));
    expect(await h.meshctl('delete', 'pod', 'web', '--force')).toEqual({
      code: 0,
      stdout: 'pod "web" force deleted\n',
      stderr:
        'Warning: Immediate deletion does not wait for confirmation that the running resource has been terminated. The resource may continue to run on the cluster indefinitely.\n',
    });
    expect(h.client.peek('Pod', 'default', 'web')).toBeUndefined();
    for (const extra of [['--grace-period=5'], ['--now']]) {
      expect(await h.meshctl('delete', 'pod', 'db', '--force', ...extra)).toEqual({
        code: 1,
        stdout: '',
        stderr: 'error: --force and --grace-period greater than 0 cannot be specified together\n',
      });
    }
    // --grace-period=0 without --force is a one-second grace period, as in kubectl.
    expect(await h.meshctl('delete', 'pod', 'db', '--grace-period=0', '--wait=false')).toEqual({ code: 0, stdout: 'pod "db" deleted\n', stderr: '' });
    expect(h.client.peek('Pod', 'default', 'db')?.metadata.deletionGracePeriodSeconds).toBe(1);
  });

  it('-l deletes the matching objects in one collection delete per kind', async () => {
    const h = harness();
    h.client.seed(pod('a', { app: 'x' }), pod('b', { app: 'x' }), pod('c', { app: 'y' }));
    const r = await h.meshctl('delete', 'pods', '-l', 'app=x', '--grace-period=0', '--force');
    expect(r.stdout).toBe('pod "a" force deleted\npod "b" force deleted\n');
    expect(h.client.peek('Pod', 'default', 'c')).toBeDefined();
    expect((await h.meshctl('delete', 'pods', '--field-selector', 'metadata.name=c', '--all', '--grace-period=0', '--force')).stdout).toBe('pod "c" force deleted\n');
  });
});
