/**
 * The walkthrough end to end, with the node agents in iptables mode, then nftables, then
 * userspace, then ebpf; then iptables again with the node agents, DNS, the endpoints controller and the lb
 * reading the Kubernetes REST API through --kubeconfig, as they would on a real cluster.
 */
import { walkthrough } from './walkthrough-suite.js';

walkthrough('iptables', `e2e${process.pid % 100000}`);
walkthrough('nftables', `e2n${process.pid % 100000}`);
walkthrough('userspace', `e2u${process.pid % 100000}`);
walkthrough('ebpf', `e2b${process.pid % 100000}`);
walkthrough('iptables', `e2r${process.pid % 100000}`, { api: 'rest' });
