#!/usr/bin/env node
// Opens COUNT HTTP keep-alive connections to HOST:PORT one after another and holds them open for
// SECONDS, asking again every 400 ms so the server never closes them as idle. Prints, per
// connection, the first line its first answer started with (the echo server's `IP: ... <pod> ...`),
// then `held` once all are open. Used by the e2e suites to load endpoints with long connections.
//
//   node hold-connections.mjs 10.96.0.20 80 3 20
import net from 'node:net';

const [host, port, count = '1', seconds = '10'] = process.argv.slice(2);
const request = `GET / HTTP/1.1\r\nHost: ${host}\r\nConnection: keep-alive\r\n\r\n`;

function open() {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host, port: Number(port) });
    let first = true;
    let buf = '';
    s.on('data', (d) => {
      buf += d;
      const body = /\r\n\r\n(IP: [^\n]*)\n/.exec(buf);
      if (first && body) {
        first = false;
        resolve(s);
        process.stdout.write(`${body[1]}\n`);
      }
      if (body) buf = '';
    });
    s.on('error', reject);
    s.on('connect', () => {
      s.write(request);
      setInterval(() => s.write(request), 400).unref();
    });
  });
}

const held = [];
for (let i = 0; i < Number(count); i++) held.push(await open());
process.stdout.write('held\n');
setTimeout(() => {
  for (const s of held) s.destroy();
  process.exit(0);
}, Number(seconds) * 1000);
