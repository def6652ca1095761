/** The walkthrough end to end, with the node agents in iptables mode, then in nftables mode. */
import { walkthrough } from './walkthrough-suite.js';

walkthrough('iptables', `e2e${process.pid % 100000}`);
walkthrough('nftables', `e2n${process.pid % 100000}`);
