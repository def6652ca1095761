#!/usr/bin/env node
// UDP probe for the end-to-end tests: sends `count` datagrams to host:port from a FIXED source
// port (so conntrack keeps the flow) and prints each reply, or "timeout".
//   node udp-probe.mjs HOST PORT SOURCE_PORT [COUNT] [TIMEOUT_MS]
import dgram from 'node:dgram';

const [host, port, sport, count = '1', timeoutMs = '500'] = process.argv.slice(2);
const sock = dgram.createSocket('udp4');
await new Promise((resolve) => sock.bind(Number(sport), resolve));
for (let i = 0; i < Number(count); i++) {
  const reply = await new Promise((resolve) => {
    const timer = setTimeout(() => {
      sock.off('message', onMessage);
      resolve('timeout');
    }, Number(timeoutMs));
    const onMessage = (msg) => {
      clearTimeout(timer);
      resolve(msg.toString().trim());
    };
    sock.once('message', onMessage);
    sock.send(`probe ${i}`, Number(port), host);
  });
  console.log(reply);
}
sock.close();
