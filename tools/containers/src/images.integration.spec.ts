/**
 * The images build.sh made: present under the version and the commit, with production dependencies
 * only, the user and tools each needs, and every app starting with the flags the compose file and
 * the kind manifests give it.
 */
import { describe, expect, it } from 'vitest';
import { APP_IMAGES, HAS_ENGINE, IMAGES, docker, image } from './engine.js';

describe.skipIf(!HAS_ENGINE)('images', () => {
  it('were built (run.sh builds them before the suites)', () => {
    expect(process.env.MINIMESH_IMAGES_BUILT).toBe('1');
  });

  it('are tagged with the version and the commit, and labelled with both', async () => {
    for (const name of IMAGES) {
      const labels = JSON.parse(await docker('image', 'inspect', '-f', '{{json .Config.Labels}}', image(name)));
      const revision = labels['org.opencontainers.image.revision'];
      expect(revision, name).toMatch(/^[0-9a-f]{7,}(-dirty)?$/);
      expect(await docker('image', 'inspect', '-f', '{{.Id}}', `minimesh/${name}:${revision}`)).toBe(await docker('image', 'inspect', '-f', '{{.Id}}', image(name)));
    }
  });

  it('run as the unprivileged node user, but for the node agent and the lb (NET_ADMIN on the node)', async () => {
    const users = Object.fromEntries(await Promise.all(IMAGES.map(async (n) => [n, (await docker('image', 'inspect', '-f', '{{.Config.User}}', image(n))).trim()])));
    expect(users).toEqual({ apiserver: 'node', 'endpoints-controller': 'node', 'node-agent': '', dns: 'node', lb: '', meshctl: 'node', pod: 'node', nats: 'node' });
  });

  it('hold production dependencies only: no test runner, compiler or test files', async () => {
    for (const name of APP_IMAGES) {
      const out = await docker('run', '--rm', '--entrypoint', 'sh', image(name), '-c',
        'cd /opt/minimesh && ls -d node_modules/vitest node_modules/typescript node_modules/nx node_modules/testcontainers node_modules/@bufbuild/buf node_modules/ts-proto 2>/dev/null; ls -d node_modules/tsx; echo ---; find . -name "*.spec.ts" -not -path "./node_modules/*" | head -3');
      const [modules, specs] = out.split('---');
      // tsx runs the TypeScript when the bundle does not match it (a dependency of every app); the development tools are not there.
      expect(modules.trim(), name).toBe('node_modules/tsx');
      expect(specs.trim(), name).toBe('');
    }
  });

  it('run their app from its bundle, made from the sources in the image', async () => {
    for (const name of APP_IMAGES) {
      const main = name === 'pod' ? 'tools/cluster/src/pod-main.ts' : `apps/${name}/src/main.ts`;
      const out = await docker('run', '--rm', '--entrypoint', 'node', image(name), '-e',
        `import('/opt/minimesh/libs/runtime/src/launch.mjs').then((m) => console.log(m.freshBundle('/opt/minimesh/${main}') ?? 'sources'))`);
      expect(out.trim(), name).toMatch(/\/dist\/build-[a-z0-9-]+\/[\w-]+\.js$/);
    }
  });

  it('give the node agent its kernel tools', async () => {
    const out = await docker('run', '--rm', '--entrypoint', 'sh', image('node-agent'), '-c', 'for t in iptables-restore nft ipset conntrack ipvsadm ip; do command -v $t >/dev/null && echo $t; done');
    expect(out.trim().split('\n')).toEqual(['iptables-restore', 'nft', 'ipset', 'conntrack', 'ipvsadm', 'ip']);
  });

  it('start every app, which knows the flags the compose file and the kind manifests give it', async () => {
    const flags: Record<(typeof APP_IMAGES)[number], string[]> = {
      apiserver: ['--rest-listen', '--tls-cert-file', '--token-auth-file', '--nats-url', '--service-cluster-ip-range'],
      'endpoints-controller': ['--http-listen', '--kubeconfig', '--server'],
      'node-agent': ['--node-name', '--proxy-mode', '--metrics-bind-address', '--healthz-bind-address', '--kubeconfig'],
      dns: ['--listen', '--service-ip', '--kubeconfig'],
      lb: ['--role', '--node-name', '--http-listen', '--kubeconfig'],
      meshctl: ['--server', '--token-file'],
      pod: ['--register-node', '--pod', '--node', '--labels', '--port'],
    };
    for (const name of APP_IMAGES) {
      const help = await docker('run', '--rm', image(name), '--help');
      for (const f of flags[name]) expect(help, `${name} --help`).toContain(f);
    }
  });
});
