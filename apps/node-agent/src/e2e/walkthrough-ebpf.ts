/**
 * The walkthrough's tests of ebpf mode alone: a ClusterIP connection without conntrack NAT, a
 * connected UDP socket aborted when its endpoint turns unready, NodePorts from outside through the
 * tc programs, the maps as a table. Run by walkthrough-suite.ts after the common tests, on the
 * same cluster (they rely on what those left: service-clusterip, service-nodeport with pod-1 and
 * pod-2 on node1, the udp-echo Service).
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { expect, it } from 'vitest';
import type { ApiClient } from '@minimesh/client';
import { tally, type ClusterDriver } from '@minimesh/cluster/testing';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface EbpfWalkthroughContext {
  cluster: ClusterDriver;
  clusterName: string;
  /** The suite's API client (made in its beforeAll). */
  client: () => ApiClient;
  /** `n` requests from inside `target`, in one exec: the answers' lines. */
  curlMany: (target: string, ns: string | undefined, url: string, n: number) => Promise<string[]>;
}

export function ebpfWalkthroughTests({ cluster, clusterName, client, curlMany }: EbpfWalkthroughContext): void {
  it('ebpf: a ClusterIP connection goes straight to the pod, with no conntrack NAT entry for the ClusterIP', async () => {
    for (const node of ['node1', 'node2']) await cluster.exec(node, undefined, 'conntrack', '-F');
    const seen = tally(await curlMany('client', 'study', 'http://10.97.97.97/', 6));
    expect(seen.size).toBeGreaterThan(0);
    for (const node of ['node1', 'node2']) {
      const entries = (await cluster.exec(node, undefined, 'conntrack', '-L', '-p', 'tcp', '--dport', '80')).stdout;
      expect(entries).not.toContain('10.97.97.97');
      expect(entries).not.toMatch(/\[UNREPLIED\].*dst=10\.97/);
    }
    // The client's node carried the connections, to the pods' own addresses.
    const node2 = (await cluster.exec('node2', undefined, 'conntrack', '-L', '-p', 'tcp', '--dport', '80', '-s', '10.244.0.0/16')).stdout;
    expect(node2).toMatch(/dst=10\.244\.\d+\.\d+ sport=\d+ dport=80 .*src=10\.244\./);
    // The application still sees the ClusterIP as its peer (getpeername).
    const peer = await cluster.exec('client', 'study', 'curl', '-s', '-o', '/dev/null', '-w', '%{remote_ip}:%{remote_port}', 'http://10.97.97.97/');
    expect(peer.stdout).toBe('10.97.97.97:80');
  }, 30_000);

  it('ebpf: a connected UDP socket whose endpoint turns unready is destroyed, and the client reconnects to a ready one', async () => {
    // The UDP Service of the test above has udp-b; a second endpoint, then a client whose one
    // connected socket is pinned (connect() chose) to one of them; that one turns unready.
    await cluster.must('pod', 'add', 'udp-c', '--node', 'node1', '-n', 'study', '--labels', 'app=udp', '--port', '9000/udp:echo');
    const ip = (await client().get('Service', 'study', 'udp-echo')).spec!.clusterIP!;
    // Both endpoints in the client node's maps.
    const both = new RegExp(`^${ip.replace(/\./g, '\\.')}:9000\\s+UDP\\s+socket\\s+\\S+\\s+\\S+\\s+\\S+ \\S+$`, 'm');
    for (let i = 0; i < 100 && !both.test((await cluster.exec('node2', undefined, 'curl', '-s', 'http://127.0.0.1:10249/sock-lb')).stdout); i++) await sleep(100);
    // Pods share the host's files: the client names the pod it is pinned to in this file.
    const pinnedFile = `/tmp/mm-udp-pinned-${clusterName}`;
    rmSync(pinnedFile, { force: true });
    const script =
      `const d=require('dgram'),fs=require('fs');let s,first;const pod=m=>String(m).split(' ')[2];` +
      `function open(){s=d.createSocket('udp4');s.on('error',e=>{console.log('error '+e.code);s.close();open()});` +
      `s.on('message',m=>{const p=pod(m);if(!first){first=p;fs.writeFileSync('${pinnedFile}',p);console.log('pinned '+p)}else if(p!==first){console.log('moved '+p);process.exit()}});s.connect(9000,'${ip}')}` +
      `open();let n=0;setInterval(()=>{try{s.send('x')}catch(e){}if(++n>100){console.log('stuck');process.exit()}},200)`;
    const run = cluster.exec('client', 'study', process.execPath, '-e', script);
    let pinned = '';
    try {
      for (let i = 0; i < 100 && !pinned; i++) {
        await sleep(100);
        pinned = existsSync(pinnedFile) ? readFileSync(pinnedFile, 'utf8') : '';
      }
      expect(['udp-b', 'udp-c']).toContain(pinned);
      await cluster.must('pod', 'ready', pinned, '-n', 'study', '--ready=false');
      const out = (await run).stdout;
      // The socket was aborted (the unready pod still answers: without the abort the client stays with it, "stuck").
      expect(out).toMatch(/^error E[A-Z]+$/m);
      expect(out).toMatch(new RegExp(`^moved ${pinned === 'udp-b' ? 'udp-c' : 'udp-b'}$`, 'm'));
      // Counted once the sweep (which the client may outrun) has finished.
      const destroyed = /^minimesh_sock_lb_udp_sockets_destroyed_total [1-9]/m;
      let metrics = '';
      for (let i = 0; i < 50 && !destroyed.test(metrics); i++) {
        if (i > 0) await sleep(100);
        metrics = (await cluster.exec('node2', undefined, 'curl', '-s', 'http://127.0.0.1:10249/metrics')).stdout;
      }
      expect(metrics).toMatch(destroyed);
    } finally {
      await run;
      rmSync(pinnedFile, { force: true });
      if (pinned) await cluster.run('pod', 'ready', pinned, '-n', 'study', '--ready=true');
      await cluster.run('pod', 'delete', 'udp-c', '-n', 'study');
    }
  }, 90_000);

  it('ebpf: the agent shows its maps as a table, service to backends', async () => {
    const page = await cluster.exec('node2', undefined, 'curl', '-s', 'http://127.0.0.1:10249/sock-lb');
    expect(page.stdout).toMatch(/^FRONTEND\s+PROTO\s+SCOPE\s+SERVICE\s+AFFINITY\s+BACKENDS$/m);
    // Affinity as the tests above left it (a timeout, or "-"), then the ready pods' addresses.
    expect(page.stdout).toMatch(/^10\.97\.97\.97:80\s+TCP\s+socket\s+study\/service-clusterip\s+(-|\d+s)\s+10\.244\.\d+\.\d+:80( 10\.244\.\d+\.\d+:80)*$/m);
    const metrics = (await cluster.exec('node2', undefined, 'curl', '-s', 'http://127.0.0.1:10249/metrics')).stdout;
    expect(metrics).toMatch(/^minimesh_sock_lb_entries\{map="frontends"\} [1-9]/m);
    expect(metrics).not.toMatch(/^minimesh_sock_lb_sync_failures_total\{[^}]*\} [1-9]/m);
    expect(page.stdout).toMatch(/^10\.96\.0\.10:53\s+UDP\s+socket\s+kube-system\/kube-dns:dns\s+-\s+10\.244\.\d+\.\d+:53$/m);
  }, 30_000);

  it('ebpf: NodePorts from outside are balanced by the tc programs before conntrack; a pod on the node sees the client, one on another node sees the node', async () => {
    // service-nodeport (30002) has pod-1 and pod-2, both on node1 (pod-3 was deleted above).
    const node1 = await cluster.exec('node1', undefined, 'curl', '-s', 'http://127.0.0.1:10249/sock-lb');
    expect(node1.stdout).toMatch(/^192\.168\.100\.11:30002\s+TCP\s+north-south\s+study\/service-nodeport\s+-\s+10\.244\.1\.\d+:80 10\.244\.1\.\d+:80$/m);
    for (const node of ['node1', 'node2']) await cluster.exec(node, undefined, 'conntrack', '-F');
    const answers = async (ip: string) => (await curlMany('outside', undefined, `http://${ip}:30002/`, 8)).filter((l) => l.startsWith('from '));
    // On node1 the pods are local: only the destination is rewritten, the pod sees the client.
    const local = await answers('192.168.100.11');
    expect(local).toHaveLength(8);
    for (const l of local) expect(l).toMatch(/^from 192\.168\.100\.100:\d+$/);
    // On node2 they are on node1: node2 sends them on from its own address.
    const remote = await answers('192.168.100.12');
    expect(remote).toHaveLength(8);
    for (const l of remote) expect(l).toMatch(/^from 192\.168\.100\.12:\d+$/);
    // No conntrack entry ever had the NodePort: the tc programs rewrote the packets before netfilter.
    for (const node of ['node1', 'node2']) expect((await cluster.exec(node, undefined, 'conntrack', '-L')).stdout).not.toMatch(/dport=30002\b/);
  }, 60_000);
}
