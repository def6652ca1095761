/** minimesh-lb: LoadBalancer Services (MetalLB's controller and speaker, and a proxy load balancer). */
import { runApp } from '@minimesh/runtime';
import { startLbApp } from './app.js';
import { LB_FLAGS, validateLbOptions } from './options.js';

runApp({
  name: 'minimesh-lb',
  description:
    'The minimesh load balancer (MetalLB\'s role): --role controller hands LoadBalancer Services addresses from\n' +
    'IPAddressPools (metallb.io/v1beta1) and writes them to status.loadBalancer.ingress; several replicas may run,\n' +
    'a Lease in kube-system elects the one that writes. --role speaker runs on every node and announces, in layer 2,\n' +
    'the addresses this node wins (one node per address; another takes over within seconds when it dies). --role proxy\n' +
    'runs outside the nodes, a cloud load balancer\'s role: it owns the addresses and forwards each packet, unchanged, to a\n' +
    'node passing its health check (kube-proxy\'s /healthz, or the Service\'s healthCheckNodePort with externalTrafficPolicy Local).',
  flags: LB_FLAGS,
  validate: validateLbOptions,
  start: (o, log) => startLbApp(o, log),
});
