/**
 * Service conformance on the local cluster, in iptables mode, then in nftables mode: the behaviours
 * Kubernetes' own Service e2e suite (test/e2e/network/service.go) checks, one theme per file in
 * ./conformance, all on one shared cluster per mode.
 */
import { affinityTheme } from './conformance/affinity.js';
import { apiVerbsTheme } from './conformance/api-verbs.js';
import { endpointsTheme } from './conformance/endpoints.js';
import { conformance } from './conformance/harness.js';
import { lifecycleTheme } from './conformance/lifecycle.js';
import { protocolsTheme } from './conformance/protocols.js';
import { proxyHealthTheme } from './conformance/proxy-health.js';
import { terminatingTheme } from './conformance/terminating.js';
import { trafficPolicyTheme } from './conformance/traffic-policy.js';
import { typeChangesTheme } from './conformance/type-changes.js';

const themes = [endpointsTheme, lifecycleTheme, typeChangesTheme, affinityTheme, trafficPolicyTheme, terminatingTheme, protocolsTheme, proxyHealthTheme, apiVerbsTheme];

conformance('iptables', `cf${process.pid % 100000}`, themes);
conformance('nftables', `cn${process.pid % 100000}`, themes);
