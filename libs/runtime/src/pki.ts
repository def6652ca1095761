/**
 * A small certificate authority on disk, through the `openssl` command (Node can verify
 * certificates but not make them): the cluster CA, serving certificates with their DNS names
 * and IPs, and client certificates whose subject says who the holder is — CN the user name, O
 * its groups — as Kubernetes' x509 authenticator reads them. Keys are ECDSA P-256, written 0600.
 *
 * Everything is idempotent: an existing file is kept unless it expires within `renewWithinDays`
 * (so re-running a set-up rotates what is about to expire and nothing else).
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface KeyPair {
  certFile: string;
  keyFile: string;
}

export interface CertificateRequest {
  /** File name stem in `dir`: `<name>.crt`, `<name>.key`. */
  name: string;
  commonName: string;
  organizations?: string[];
  dnsNames?: string[];
  ips?: string[];
  usage: 'server' | 'client' | 'both';
  days?: number;
}

const DEFAULT_DAYS = 365;
const CA_DAYS = 3650;
const RENEW_WITHIN_DAYS = 30;

function openssl(args: string[], input?: string): string {
  try {
    return execFileSync('openssl', args, { input, stdio: ['pipe', 'pipe', 'pipe'], encoding: 'utf8' });
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new Error(`openssl ${args[0]} failed: ${(err.stderr ?? err.message).trim()}`);
  }
}

/** Whether `certFile` exists and stays valid for at least `days` more days. */
export function certificateValidFor(certFile: string, days: number): boolean {
  if (!existsSync(certFile)) return false;
  try {
    openssl(['x509', '-in', certFile, '-noout', '-checkend', String(days * 86400)]);
    return true;
  } catch {
    return false;
  }
}

/** A subject with characters openssl's -subj syntax treats specially escaped. */
function subject(cn: string, orgs: string[]): string {
  const esc = (v: string) => v.replace(/[\\/,+=<>#;"]/g, (c) => `\\${c}`);
  return `${orgs.map((o) => `/O=${esc(o)}`).join('')}/CN=${esc(cn)}`;
}

function newKey(keyFile: string): void {
  openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', keyFile]);
  chmodSync(keyFile, 0o600);
}

/** The CA in `dir` (ca.crt, ca.key), made when missing or about to expire. */
export function ensureCertificateAuthority(dir: string, commonName = 'minimesh-ca'): KeyPair {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const pair = { certFile: join(dir, 'ca.crt'), keyFile: join(dir, 'ca.key') };
  if (existsSync(pair.keyFile) && certificateValidFor(pair.certFile, RENEW_WITHIN_DAYS)) return pair;
  newKey(pair.keyFile);
  openssl(['req', '-x509', '-new', '-key', pair.keyFile, '-out', pair.certFile, '-days', String(CA_DAYS), '-subj', subject(commonName, []),
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign,digitalSignature']);
  return pair;
}

/** A certificate signed by `ca`, written to `dir`; kept when it exists and is not about to expire. */
export function issueCertificate(ca: KeyPair, dir: string, req: CertificateRequest): KeyPair {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const pair = { certFile: join(dir, `${req.name}.crt`), keyFile: join(dir, `${req.name}.key`) };
  if (existsSync(pair.keyFile) && certificateValidFor(pair.certFile, RENEW_WITHIN_DAYS)) return pair;
  newKey(pair.keyFile);
  const csr = openssl(['req', '-new', '-key', pair.keyFile, '-subj', subject(req.commonName, req.organizations ?? [])]);
  const san = [...(req.dnsNames ?? []).map((d) => `DNS:${d}`), ...(req.ips ?? []).map((ip) => `IP:${ip}`)];
  const eku = req.usage === 'server' ? 'serverAuth' : req.usage === 'client' ? 'clientAuth' : 'serverAuth,clientAuth';
  const ext = [
    'basicConstraints=critical,CA:FALSE',
    'keyUsage=critical,digitalSignature,keyEncipherment',
    `extendedKeyUsage=${eku}`,
    ...(san.length ? [`subjectAltName=${san.join(',')}`] : []),
  ].join('\n');
  const extFile = `${pair.certFile}.ext`;
  writeFileSync(extFile, `${ext}\n`);
  try {
    const cert = openssl(['x509', '-req', '-CA', ca.certFile, '-CAkey', ca.keyFile, '-CAcreateserial', '-days', String(req.days ?? DEFAULT_DAYS), '-extfile', extFile], csr);
    writeFileSync(pair.certFile, cert);
  } finally {
    rmSync(extFile, { force: true });
    rmSync(join(dir, 'ca.srl'), { force: true });
    rmSync(ca.certFile.replace(/\.crt$/, '.srl'), { force: true });
  }
  return pair;
}

/** The subject and validity of a certificate, as `openssl x509 -noout -subject -enddate` prints them. */
export function describeCertificate(certFile: string): string {
  return openssl(['x509', '-in', certFile, '-noout', '-subject', '-enddate']).trim();
}

/**
 * One line of kube-apiserver's static token file (`--token-auth-file`): `token,user,uid[,"g1,g2"]`.
 * Tokens are random and meant for files readable only by their holder.
 */
export function tokenFileLine(token: string, user: string, groups: string[] = [], uid = ''): string {
  return `${token},${user},${uid}${groups.length ? `,"${groups.join(',')}"` : ''}`;
}
