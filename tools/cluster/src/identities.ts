/**
 * The cluster's identities, issued by `up` before anything starts (in `<state>/pki`, 0700):
 *
 * - a CA, and the apiserver's serving certificate signed by it (the apiserver is given both);
 * - a client certificate for the admin (`kubernetes-admin`, group system:masters), which
 *   `minimesh-cluster env` hands to meshctl, and which the tool itself uses;
 * - one bearer token per component and per node, in kube-apiserver's token file, each also in a
 *   file of its own that only its holder is given (`--token-file`): the components reach the
 *   apiserver over its Unix socket, where certificates do not travel.
 *
 * Certificates are re-issued when they come within 30 days of expiry; `rotateTokens` writes new
 * tokens (the apiserver re-reads its token file, the components their token files, on the fly).
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { COMPONENT_USERS, lbSpeakerUser, nodeUser, type Identity } from '@minimesh/api';
import { ensureCertificateAuthority, issueCertificate, tokenFileLine, type KeyPair } from '@minimesh/runtime';
import type { StateLayout } from './state.js';

export interface ClusterPki {
  dir: string;
  ca: KeyPair;
  caFile: string;
  serving: KeyPair;
  admin: KeyPair;
  /** The apiserver's --token-auth-file. */
  tokenAuthFile: string;
}

/** The token holders: components by name, and per node the agent and the lb speaker. */
export function tokenHolders(nodes: string[]): Map<string, Identity> {
  const holders = new Map<string, Identity>([
    ['admin', COMPONENT_USERS.admin],
    ['endpoints-controller', COMPONENT_USERS.endpointsController],
    ['dns', COMPONENT_USERS.dns],
    ['lb-controller', COMPONENT_USERS.lbController],
    ['lb-proxy', COMPONENT_USERS.lbProxy],
  ]);
  for (const n of nodes) {
    holders.set(`node-${n}`, nodeUser(n));
    holders.set(`lb-speaker-${n}`, lbSpeakerUser(n));
  }
  return holders;
}

export function pkiDir(layout: StateLayout): string {
  return join(layout.dir, 'pki');
}

/** The file holding `holder`'s token (what its process gets as --token-file). */
export function tokenFileOf(layout: StateLayout, holder: string): string {
  return join(pkiDir(layout), 'tokens', `${holder}.token`);
}

/** Writes `text` to `path` readable by its owner only (0600), replacing it whole. */
export function writePrivate(path: string, text: string): void {
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, text, { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, path);
}

/** Writes a fresh token for every holder (and the apiserver's token file listing them all). */
export function rotateTokens(layout: StateLayout, nodes: string[]): void {
  const dir = join(pkiDir(layout), 'tokens');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const lines = ['# token,user,uid,"groups" (written by minimesh-cluster)'];
  for (const [holder, id] of tokenHolders(nodes)) {
    const token = randomBytes(24).toString('base64url');
    lines.push(tokenFileLine(token, id.name, id.groups));
    writePrivate(tokenFileOf(layout, holder), `${token}\n`);
  }
  writePrivate(join(pkiDir(layout), 'tokens.csv'), `${lines.join('\n')}\n`);
}

/** Makes (or keeps, when still valid) the CA, the certificates and the tokens. */
export function issueIdentities(layout: StateLayout, nodes: string[]): ClusterPki {
  const dir = pkiDir(layout);
  const ca = ensureCertificateAuthority(dir);
  const serving = issueCertificate(ca, dir, {
    name: 'apiserver',
    commonName: 'kube-apiserver',
    dnsNames: ['localhost', 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc', 'kubernetes.default.svc.cluster.local'],
    ips: ['127.0.0.1', '::1'],
    usage: 'server',
  });
  const admin = issueCertificate(ca, dir, { name: 'admin', commonName: COMPONENT_USERS.admin.name, organizations: COMPONENT_USERS.admin.groups, usage: 'client' });
  const tokenAuthFile = join(dir, 'tokens.csv');
  if (!existsSync(tokenAuthFile) || !nodes.every((n) => readFileSync(tokenAuthFile, 'utf8').includes(`system:node:${n},`))) rotateTokens(layout, nodes);
  return { dir, ca, caFile: ca.certFile, serving, admin, tokenAuthFile };
}

/** The paths of an issued PKI (without issuing anything). */
export function clusterPki(layout: StateLayout): ClusterPki {
  const dir = pkiDir(layout);
  return {
    dir,
    ca: { certFile: join(dir, 'ca.crt'), keyFile: join(dir, 'ca.key') },
    caFile: join(dir, 'ca.crt'),
    serving: { certFile: join(dir, 'apiserver.crt'), keyFile: join(dir, 'apiserver.key') },
    admin: { certFile: join(dir, 'admin.crt'), keyFile: join(dir, 'admin.key') },
    tokenAuthFile: join(dir, 'tokens.csv'),
  };
}
