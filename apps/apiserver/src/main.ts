/** minimesh-apiserver: owns every object, allocates ClusterIPs and NodePorts, publishes events. */
import { runApp } from '@minimesh/runtime';
import { startApiServer } from './app.js';
import { APISERVER_FLAGS } from './options.js';

runApp({
  name: 'minimesh-apiserver',
  description:
    'The minimesh apiserver: serves Namespaces, Nodes, Pods, Services, Endpoints and EndpointSlices over gRPC\n' +
    '(minimesh.v1.ApiService), stores them durably in SQLite, allocates ClusterIPs and NodePorts, and publishes\n' +
    'every committed change to NATS JetStream (subjects minimesh.v1.events.<Kind>.<namespace>.<name>).',
  flags: APISERVER_FLAGS,
  async start(o, log) {
    const server = await startApiServer(o, log);
    return () => server.stop();
  },
});
