/** minimesh-pod: the kubelet's part for a container (a node's or a pod's), for the docker compose mesh. */
import { runApp } from '@minimesh/runtime';
import { POD_FLAGS, start, validate } from './container-kubelet.js';

runApp({
  name: 'minimesh-pod',
  description:
    "The kubelet's part for a container: with --register-node, registers the Node --node with the container's\n" +
    "address; with --pod, registers that Pod (Running, Ready, podIP = the container's address) on node --node,\n" +
    'serves the echo server on its ports, and deletes the Pod when stopped.',
  flags: POD_FLAGS,
  validate,
  start,
});
