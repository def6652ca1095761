import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeComposeCredentials } from './compose-credentials.js';

describe('makeComposeCredentials', () => {
  let dir = '';
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('gives every holder its own folder (ca.crt + token), the apiserver its serving pair and the token file', () => {
    dir = mkdtempSync(join(tmpdir(), 'mm-creds-'));
    const made = makeComposeCredentials({ dir, nodes: ['node1', 'node2'] });
    expect(made.holders).toEqual(['admin', 'endpoints-controller', 'dns', 'lb-controller', 'lb-proxy', 'node-node1', 'lb-speaker-node1', 'node-node2', 'lb-speaker-node2', 'pod-registrar']);
    expect(readdirSync(dir).sort()).toEqual([...made.holders, 'apiserver', 'ca'].sort());
    const tokens = readFileSync(join(dir, 'apiserver', 'tokens.csv'), 'utf8');
    for (const holder of made.holders) {
      expect(readdirSync(join(dir, holder)).sort()).toEqual(['ca.crt', 'token']);
      expect(statSync(join(dir, holder, 'token')).mode & 0o777).toBe(0o600);
      expect(tokens).toContain(`${readFileSync(join(dir, holder, 'token'), 'utf8').trim()},`);
    }
    expect(tokens).toContain(',system:node:node1,,"system:nodes"');
    expect(statSync(join(dir, 'apiserver', 'apiserver.key')).mode & 0o777).toBe(0o600);
    // The serving certificate is valid for the names the apiserver answers under in compose.
    const text = execFileSync('openssl', ['x509', '-noout', '-ext', 'subjectAltName', '-in', join(dir, 'apiserver', 'apiserver.crt')], { encoding: 'utf8' });
    for (const name of ['DNS:kubernetes', 'DNS:apiserver', 'DNS:kubernetes.default.svc.cluster.local', 'IP Address:127.0.0.1']) expect(text).toContain(name);
    execFileSync('openssl', ['verify', '-CAfile', join(dir, 'admin', 'ca.crt'), join(dir, 'apiserver', 'apiserver.crt')]);
  });

  it('keeps what exists on a second run, and replaces a token that is not one', () => {
    dir = mkdtempSync(join(tmpdir(), 'mm-creds-'));
    makeComposeCredentials({ dir, nodes: ['node1'] });
    const token = readFileSync(join(dir, 'dns', 'token'), 'utf8');
    const ca = readFileSync(join(dir, 'ca', 'ca.crt'), 'utf8');
    execFileSync('sh', ['-c', `printf 'x,y' > ${join(dir, 'admin', 'token')}`]);
    const again = makeComposeCredentials({ dir, nodes: ['node1'] });
    expect(again.issued).toEqual(['admin']);
    expect(readFileSync(join(dir, 'dns', 'token'), 'utf8')).toBe(token);
    expect(readFileSync(join(dir, 'ca', 'ca.crt'), 'utf8')).toBe(ca);
    expect(readFileSync(join(dir, 'apiserver', 'tokens.csv'), 'utf8')).not.toContain('x,y');
  });
});
