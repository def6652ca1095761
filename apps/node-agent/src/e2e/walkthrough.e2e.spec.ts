/** The walkthrough end to end, with the node agents in iptables mode, then nftables, then userspace. */
import { walkthrough } from './walkthrough-suite.js';

walkthrough('iptables', `e2e${process.pid % 100000}`);
walkthrough('nftables', `e2n${process.pid % 100000}`);
walkthrough('userspace', `e2u${process.pid % 100000}`);
