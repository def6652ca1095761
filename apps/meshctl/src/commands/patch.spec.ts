import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Service } from '@minimesh/api';
import { harness } from '../testing/harness.js';

async function withService() {
  const h = harness();
  await h.meshctl('apply', '-f', '001-my-nodeport-service.yaml');
  return h;
}

describe('meshctl patch', () => {
  it('strategic by default; merge and json on request; "(no change)" when nothing changes', async () => {
    const h = await withService();
    expect(await h.meshctl('patch', 'svc', 'my-nodeport-service', '-p', '{"metadata":{"labels":{"tier":"fe"}}}')).toEqual({
      code: 0,
      stdout: 'service/my-nodeport-service patched\n',
      stderr: '',
    });
    expect((await h.meshctl('patch', 'svc/my-nodeport-service', '-p', '{"metadata":{"labels":{"tier":"fe"}}}')).stdout).toBe('service/my-nodeport-service patched (no change)\n');
    await h.meshctl('patch', 'svc', 'my-nodeport-service', '--type=json', '-p', '[{"op":"replace","path":"/spec/sessionAffinity","value":"ClientIP"}]');
    const svc = h.client.peek('Service', 'default', 'my-nodeport-service') as Service;
    expect(svc.metadata.labels?.tier).toBe('fe');
    expect(svc.spec?.sessionAffinity).toBe('ClientIP');
  });

  it('takes a YAML patch, with -p or from --patch-file', async () => {
    const h = await withService();
    expect(await h.meshctl('patch', 'svc', 'my-nodeport-service', '-p', 'spec: {sessionAffinity: ClientIP}')).toEqual({
      code: 0,
      stdout: 'service/my-nodeport-service patched\n',
      stderr: '',
    });
    expect((h.client.peek('Service', 'default', 'my-nodeport-service') as Service).spec?.sessionAffinity).toBe('ClientIP');
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'meshctl-patch-')), 'patch.yaml');
    writeFileSync(file, 'metadata:\n  labels:\n    from: file\n');
    expect((await h.meshctl('patch', 'svc', 'my-nodeport-service', '--patch-file', file)).stdout).toBe('service/my-nodeport-service patched\n');
    expect(h.client.peek('Service', 'default', 'my-nodeport-service')?.metadata.labels).toMatchObject({ from: 'file' });
    writeFileSync(file, '- op: replace\n  path: /spec/sessionAffinity\n  value: None\n');
    expect((await h.meshctl('patch', 'svc', 'my-nodeport-service', '--type=json', '--patch-file', file)).code).toBe(0);
    expect((h.client.peek('Service', 'default', 'my-nodeport-service') as Service).spec?.sessionAffinity).toBe('None');
    expect((await h.meshctl('patch', 'svc', 'my-nodeport-service', '-p', 'a: [b')).stderr).toMatch(/^error: unable to parse "a: \[b": yaml: /);
  });

  it('refuses what kubectl refuses', async () => {
    const h = await withService();
    expect(await h.meshctl('patch', 'svc', 'my-nodeport-service')).toMatchObject({
      code: 1,
      stderr: 'error: must specify --patch or --patch-file containing the contents of the patch\n',
    });
    expect((await h.meshctl('patch', 'svc', 'my-nodeport-service', '-p', '{}', '--patch-file', 'x.yaml')).stderr).toBe('error: cannot specify --patch and --patch-file together\n');
    expect((await h.meshctl('patch', 'svc', 'my-nodeport-service', '--patch-file', 'nope.yaml')).stderr).toBe(
      'error: unable to read patch file: open nope.yaml: no such file or directory\n',
    );
    expect((await h.meshctl('patch', 'svc', 'my-nodeport-service', '--type=yaml', '-p', '{}')).stderr).toBe('error: --type must be one of [json merge strategic], not "yaml"\n');
    expect((await h.meshctl('patch', 'svc', 'nope', '-p', '{}')).stderr).toBe('Error from server (NotFound): services "nope" not found\n');
    const bad = await h.meshctl('patch', 'svc', 'my-nodeport-service', '-p', '{"spec":{"ports":[{"port":80,"protocol":"HTTP"}]}}');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('Unsupported value: "HTTP": supported values: "SCTP", "TCP", "UDP"');
  });
});

describe('meshctl label and annotate', () => {
  it('sets, overwrites only with --overwrite, and removes', async () => {
    const h = await withService();
    expect((await h.meshctl('label', 'svc', 'my-nodeport-service', 'tier=fe', 'env=dev')).stdout).toBe('service/my-nodeport-service labeled\n');
    expect(await h.meshctl('label', 'svc', 'my-nodeport-service', 'tier=be')).toMatchObject({
      code: 1,
      stderr: "error: 'tier' already has a value (fe), and --overwrite is false\n",
    });
    expect((await h.meshctl('label', 'svc', 'my-nodeport-service', 'tier=be', '--overwrite')).stdout).toBe('service/my-nodeport-service labeled\n');
    expect((await h.meshctl('label', 'svc', 'my-nodeport-service', 'env-')).stdout).toBe('service/my-nodeport-service unlabeled\n');
    expect((await h.meshctl('label', 'svc', 'my-nodeport-service', 'tier=be')).stdout).toBe('service/my-nodeport-service not labeled\n');
    expect(h.client.peek('Service', 'default', 'my-nodeport-service')?.metadata.labels).toEqual({ tier: 'be' });
    expect((await h.meshctl('annotate', 'svc', 'my-nodeport-service', 'note=hello world')).stdout).toBe('service/my-nodeport-service annotated\n');
    expect(h.client.peek('Service', 'default', 'my-nodeport-service')?.metadata.annotations?.note).toBe('hello world');
  });

  it('labels every object a selector picks', async () => {
    const h = await withService();
    await h.meshctl('apply', '-f', '001-my-service.yaml');
    const out = await h.meshctl('label', 'svc', '-l', 'app!=nothing', 'swept=yes');
    expect(out.stdout.split('\n').filter(Boolean).sort()).toEqual(['service/my-nodeport-service labeled', 'service/my-service labeled']);
  });
});
