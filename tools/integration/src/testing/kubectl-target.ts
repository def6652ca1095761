/**
 * What the kubectl suites share: a real apiserver in this process, a kubeconfig with an admin's
 * client certificate for its REST address, and kubectl run against it (asynchronously: the
 * apiserver answers from this process). Where kubectl is not installed the suites skip.
 */
import { execFile, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startTestApiServer, type TestApiServer } from '@minimesh/apiserver/testing';
import { ensureCertificateAuthority, issueCertificate } from '@minimesh/runtime';
import { tempDir } from '@minimesh/runtime/testing';

const run = promisify(execFile);

export const HAS_KUBECTL = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' }).status === 0;

export interface KubectlResult {
  out: string;
  err: string;
  code: number;
}

export interface KubectlTarget {
  t: TestApiServer;
  kubeconfig: string;
  /** A directory of the suite's own (removed by stop()). */
  dir: string;
  /** kubectl's stdout, stderr and exit code. */
  kubectl(args: string[], env?: NodeJS.ProcessEnv): Promise<KubectlResult>;
  stop(): Promise<void>;
}

export async function startKubectlTarget(prefix: string): Promise<KubectlTarget> {
  const dir = tempDir(prefix);
  const t = await startTestApiServer();
  const ca = ensureCertificateAuthority(join(t.dataDir, 'pki'));
  const admin = issueCertificate(ca, dir.path, { name: 'admin', commonName: 'kubernetes-admin', organizations: ['system:masters'], usage: 'client' });
  const kubeconfig = join(dir.path, 'kubeconfig');
  writeFileSync(
    kubeconfig,
    `apiVersion: v1\nkind: Config\nclusters: [{name: mm, cluster: {server: "https://${t.server.restAddress}", certificate-authority: "${t.server.caFile}"}}]\n` +
      `users: [{name: admin, user: {client-certificate: "${admin.certFile}", client-key: "${admin.keyFile}"}}]\n` +
      'contexts: [{name: mm, context: {cluster: mm, user: admin}}]\ncurrent-context: mm\n',
  );
  return {
    t,
    kubeconfig,
    dir: dir.path,
    async kubectl(args, env = {}) {
      const r = await run('kubectl', ['--kubeconfig', kubeconfig, ...args], { encoding: 'utf8', env: { ...process.env, ...env } }).catch((e: { stdout: string; stderr: string; code: number }) => e);
      return { out: r.stdout, err: r.stderr, code: 'code' in r ? r.code : 0 };
    },
    async stop() {
      await t.stop();
      dir.remove();
    },
  };
}
