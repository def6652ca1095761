/**
 * The docker compose mesh's identities, made once by its `credentials` service (kubeadm's
 * `init phase certs` and a token file in one): a CA, the apiserver's serving certificate (valid
 * for the `kubernetes` names the apiserver answers under in compose, and loopback for the port
 * published to the host), and a bearer token per component and node. Each holder gets a folder of
 * its own (`ca.crt` and `token`, as a ServiceAccount's mount), so compose can give every container
 * only its own; the CA key stays in `ca/`, which only this service mounts. Idempotent: what exists
 * is kept (the CA and certificates until they near expiry, tokens as long as the token file lists them).
 */
import { randomBytes } from 'node:crypto';
import { chownSync, copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { COMPONENT_USERS } from '@minimesh/api';
import { ensureCertificateAuthority, issueCertificate, tokenFileLine } from '@minimesh/runtime';
import { tokenHolders, writePrivate } from './identities.js';

export interface ComposeCredentialsOptions {
  /** The folder holding `ca/`, `apiserver/` and one folder per holder. */
  dir: string;
  nodes: string[];
  /** Owner of the holders' folders (the images' `node` user is 1000); undefined: unchanged. */
  uid?: number;
}

export interface ComposeCredentials {
  holders: string[];
  /** Holders whose token was made now (the others were kept). */
  issued: string[];
}

export function makeComposeCredentials(o: ComposeCredentialsOptions): ComposeCredentials {
  const caDir = join(o.dir, 'ca');
  const apiDir = join(o.dir, 'apiserver');
  mkdirSync(caDir, { recursive: true, mode: 0o700 });
  mkdirSync(apiDir, { recursive: true, mode: 0o700 });
  const ca = ensureCertificateAuthority(caDir);
  const serving = issueCertificate(ca, caDir, {
    name: 'apiserver',
    commonName: 'kube-apiserver',
    dnsNames: ['localhost', 'apiserver', 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc', 'kubernetes.default.svc.cluster.local'],
    ips: ['127.0.0.1', '::1'],
    usage: 'server',
  });
  const lines = ['# token,user,uid,"groups" (written by minimesh-credentials)'];
  // The compose pods register themselves, with an identity of their own (not the admin's).
  const holders = new Map([...tokenHolders(o.nodes), ['pod-registrar', COMPONENT_USERS.podRegistrar]]);
  const issued: string[] = [];
  for (const [holder, id] of holders) {
    const dir = join(o.dir, holder);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const tokenFile = join(dir, 'token');
    let token = existsSync(tokenFile) ? readFileSync(tokenFile, 'utf8').trim() : '';
    if (!/^[A-Za-z0-9_-]{16,}$/.test(token)) {
      token = randomBytes(24).toString('base64url');
      writePrivate(tokenFile, `${token}\n`);
      issued.push(holder);
    }
    copyFileSync(ca.certFile, join(dir, 'ca.crt'));
    lines.push(tokenFileLine(token, id.name, id.groups));
    if (o.uid !== undefined) for (const p of [dir, tokenFile, join(dir, 'ca.crt')]) chownSync(p, o.uid, o.uid);
  }
  // The apiserver's own folder: its serving pair, the CA that verifies client certificates, the tokens.
  copyFileSync(ca.certFile, join(apiDir, 'ca.crt'));
  copyFileSync(serving.certFile, join(apiDir, 'apiserver.crt'));
  writePrivate(join(apiDir, 'apiserver.key'), readFileSync(serving.keyFile, 'utf8'));
  writePrivate(join(apiDir, 'tokens.csv'), `${lines.join('\n')}\n`);
  if (o.uid !== undefined) for (const f of ['', 'ca.crt', 'apiserver.crt', 'apiserver.key', 'tokens.csv']) chownSync(join(apiDir, f), o.uid, o.uid);
  return { holders: [...holders.keys()], issued };
}
