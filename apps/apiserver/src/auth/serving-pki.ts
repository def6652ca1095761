/**
 * The apiserver's TLS files: the ones it is given (`--tls-cert-file`, `--tls-private-key-file`,
 * `--client-ca-file`), else a CA and a serving certificate it makes in `<data-dir>/pki` on first
 * start (kubeadm's layout: ca.crt, ca.key, apiserver.crt, apiserver.key), valid for localhost,
 * the loopback addresses, the listen and advertise addresses and the `kubernetes` Service's names
 * and ClusterIP. Re-made when about to expire; the listener re-reads them without a restart.
 */
import { join } from 'node:path';
import type { TlsFiles } from '@minimesh/grpc-kit';
import { ensureCertificateAuthority, issueCertificate } from '@minimesh/runtime';

export interface ServingPkiOptions {
  dataDir: string;
  certFile: string;
  keyFile: string;
  caFile: string;
  /** Extra IPs and names the serving certificate must be valid for. */
  hosts: string[];
}

const KUBERNETES_NAMES = ['kubernetes', 'kubernetes.default', 'kubernetes.default.svc', 'kubernetes.default.svc.cluster.local'];
const isIP = (h: string) => /^[\d.]+$/.test(h) || h.includes(':');

export function servingPki(o: ServingPkiOptions): TlsFiles & { caKeyFile?: string } {
  if (o.certFile || o.keyFile) {
    if (!o.certFile || !o.keyFile) throw new Error('--tls-cert-file and --tls-private-key-file go together');
    if (!o.caFile) throw new Error('--client-ca-file is required with --tls-cert-file');
    return { certFile: o.certFile, keyFile: o.keyFile, caFile: o.caFile };
  }
  const dir = join(o.dataDir, 'pki');
  const ca = ensureCertificateAuthority(dir);
  const hosts = [...new Set(['localhost', '127.0.0.1', '::1', ...KUBERNETES_NAMES, ...o.hosts.filter(Boolean)])];
  const serving = issueCertificate(ca, dir, {
    name: 'apiserver',
    commonName: 'kube-apiserver',
    dnsNames: hosts.filter((h) => !isIP(h)),
    ips: hosts.filter(isIP),
    usage: 'server',
  });
  return { ...serving, caFile: o.caFile || ca.certFile, caKeyFile: ca.keyFile };
}
