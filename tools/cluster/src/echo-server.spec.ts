/**
 * The pods' echo server (echo/echo-server.mjs) on loopback: the first line names the pod, the
 * second the peer the server saw (the TCP connection's remote address, the UDP datagram's source).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import http from 'node:http';
import { freePort } from '@minimesh/runtime';
import { afterEach, describe, expect, it } from 'vitest';
import { ECHO_SERVER } from './apps.js';

function startEcho(...args: string[]): Promise<ChildProcess> {
  const child = spawn(process.execPath, [ECHO_SERVER, '--ip', '10.244.1.10', '--pod', 'web-1', '--node', 'node1', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('echo-server ready')) resolve(child);
    });
    child.once('exit', (code) => reject(new Error(`echo server exited (${code})`)));
  });
}

/** GET over a fresh connection: the body and the client's own port. */
function get(port: number, method = 'GET'): Promise<{ body: string; localPort: number; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, agent: false }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ body, localPort: req.socket!.localPort!, headers: res.headers }));
    });
    req.once('error', reject);
    req.end();
  });
}

describe('echo server', () => {
  let child: ChildProcess | undefined;
  afterEach(() => {
    child?.kill('SIGKILL');
    child = undefined;
  });

  it('answers HTTP with the pod line, then the peer it saw', async () => {
    const port = await freePort();
    child = await startEcho('--port', `${port}/tcp`);
    const r = await get(port);
    expect(r.body).toBe(`IP: 10.244.1.10 web-1 node1\nfrom 127.0.0.1:${r.localPort}\n`);
    expect(r.body.split('\n')[0]).toBe('IP: 10.244.1.10 web-1 node1');
    expect(r.headers['content-length']).toBe(String(Buffer.byteLength(r.body)));
    expect((await get(port, 'HEAD')).body).toBe('');
  });

  it('replies to a UDP datagram with the same two lines, naming its source', async () => {
    const port = await freePort();
    child = await startEcho('--port', `${port}/udp`);
    const socket = dgram.createSocket('udp4');
    try {
      await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
      const reply = new Promise<string>((resolve) => socket.once('message', (m) => resolve(m.toString())));
      socket.send('ping', port, '127.0.0.1');
      expect(await reply).toBe(`IP: 10.244.1.10 web-1 node1\nfrom 127.0.0.1:${socket.address().port}\n`);
    } finally {
      socket.close();
    }
  });

  it('exits on SIGTERM at once, or after --shutdown-delay while still serving', async () => {
    const port = await freePort();
    child = await startEcho('--port', `${port}/tcp`);
    const t0 = Date.now();
    const exited = new Promise<number | null>((resolve) => child!.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(Date.now() - t0).toBeLessThan(1000);

    child = await startEcho('--port', `${port}/tcp`, '--shutdown-delay', '0.5');
    const draining = new Promise<number | null>((resolve) => child!.once('exit', (code) => resolve(code)));
    const t1 = Date.now();
    child.kill('SIGTERM');
    expect((await get(port)).body).toMatch(/^IP: 10\.244\.1\.10 web-1 node1\n/);
    expect(await draining).toBe(0);
    expect(Date.now() - t1).toBeGreaterThanOrEqual(450);
  });
});
