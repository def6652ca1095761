#!/usr/bin/env node
// The pods' workload: answers on every given port with two lines,
//
//   IP: <podIP> <pod> <node>
//   from <client ip>:<client port>
//
// The first is what tests parse to tell which pod answered; the second names the peer the server
// saw (the TCP connection's remote address, the UDP datagram's source), so tests can tell whether
// a source address was kept or masqueraded. TCP ports speak HTTP (any method, any path, like the
// walkthrough's nginx pages), UDP ports reply both lines to every datagram. SCTP ports are declared
// on the pod (so Services and proxy rules see them) but not served: Node has no SCTP sockets.
// Plain JavaScript, no dependencies, to keep each pod small.
//
// With --shutdown-delay S it keeps serving S seconds after SIGTERM before it exits, as an app that
// drains on shutdown does (its pod is then terminating but still serving).
//
//   node echo-server.mjs --ip 10.244.1.10 --pod web-1 --node node1 --port 80/tcp --port 53/udp
import dgram from 'node:dgram';
import http from 'node:http';

function parse(argv) {
  const opts = { ip: '', pod: '', node: '', ports: [], shutdownDelay: 0 };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = argv[++i];
    if (value === undefined) throw new Error(`flag needs a value: ${flag}`);
    if (flag === '--ip') opts.ip = value;
    else if (flag === '--pod') opts.pod = value;
    else if (flag === '--node') opts.node = value;
    else if (flag === '--shutdown-delay') opts.shutdownDelay = Number(value);
    else if (flag === '--port') {
      const [port, proto = 'tcp'] = value.split('/');
      opts.ports.push({ port: Number(port), proto: proto.toLowerCase() });
    } else throw new Error(`unknown flag: ${flag}`);
  }
  if (opts.ports.length === 0) opts.ports.push({ port: 80, proto: 'tcp' });
  return opts;
}

const opts = parse(process.argv.slice(2));
const reply = (address, port) => `IP: ${opts.ip} ${opts.pod} ${opts.node}\nfrom ${address.replace(/^::ffff:/, '')}:${port}\n`;
const servers = [];

function listenTcp(port) {
  const server = http.createServer((req, res) => {
    req.resume();
    const body = reply(req.socket.remoteAddress ?? '', req.socket.remotePort ?? 0);
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(body) });
    res.end(req.method === 'HEAD' ? undefined : body);
  });
  server.keepAliveTimeout = 1000;
  servers.push(server);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '0.0.0.0', resolve);
  });
}

function listenUdp(port) {
  const socket = dgram.createSocket('udp4');
  socket.on('message', (_msg, rinfo) => socket.send(reply(rinfo.address, rinfo.port), rinfo.port, rinfo.address));
  servers.push(socket);
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(port, '0.0.0.0', resolve);
  });
}

try {
  const served = opts.ports.filter((p) => p.proto !== 'sctp');
  await Promise.all(served.map(({ port, proto }) => (proto === 'udp' ? listenUdp(port) : listenTcp(port))));
} catch (e) {
  process.stderr.write(`echo-server: ${e.message}\n`);
  process.exit(1);
}
// Handlers first, then "ready": a SIGTERM sent as soon as the server is up must find them.
for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => setTimeout(() => process.exit(0), opts.shutdownDelay * 1000).unref());
if (opts.shutdownDelay > 0) setInterval(() => undefined, 1 << 30); // keep the loop alive through the delay
const list = opts.ports.map((p) => `${p.port}/${p.proto}`).join(' ');
process.stdout.write(`echo-server ready: ${opts.pod} ${opts.ip} on ${list}\n`);
