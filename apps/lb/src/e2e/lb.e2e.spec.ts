/** LoadBalancer Services end to end: the layer 2 speakers, then the proxy load balancer. */
import { lbSuite } from './lb-suite.js';

lbSuite('l2', `lb2${process.pid % 100000}`);
lbSuite('proxy', `lbp${process.pid % 100000}`);
