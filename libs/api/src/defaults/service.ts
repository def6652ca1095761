/** SetDefaults_Service (pkg/apis/core/v1/defaults.go), on a mutable copy. */
import type { Service } from '../types/core.js';
import { isExternallyAccessible } from '../helpers/service.js';
import { isRecord, isSet, type JsonRecord } from '../validation/json-access.js';
import { zeroNullEntries } from './null-entries.js';

/** v1.DefaultClientIPServiceAffinitySeconds: 3 hours. */
export const DEFAULT_CLIENT_IP_AFFINITY_SECONDS = 10800;

function defaultPorts(spec: JsonRecord): void {
  for (const sp of zeroNullEntries(spec.ports)) {
    if (!isSet(sp.protocol) || sp.protocol === '') sp.protocol = 'TCP';
    const tp = sp.targetPort;
    if (!isSet(tp) || tp === 0 || tp === '') {
      if (Number.isInteger(sp.port)) sp.targetPort = sp.port;
      else if (!isSet(sp.port)) sp.targetPort = 0;
    }
  }
}

function defaultSessionAffinity(spec: JsonRecord): void {
  if (!isSet(spec.sessionAffinity) || spec.sessionAffinity === '') spec.sessionAffinity = 'None';
  if (spec.sessionAffinity === 'None') delete spec.sessionAffinityConfig;
  if (spec.sessionAffinity === 'ClientIP') {
    const config = spec.sessionAffinityConfig;
    const clientIP = isRecord(config) ? config.clientIP : undefined;
    const timeout = isRecord(clientIP) ? clientIP.timeoutSeconds : undefined;
    if (!isSet(config) || !isSet(clientIP) || !isSet(timeout)) {
      spec.sessionAffinityConfig = { clientIP: { timeoutSeconds: DEFAULT_CLIENT_IP_AFFINITY_SECONDS } };
    }
  }
}

/** Applies SetDefaults_Service to `svc` in place (svc is already a private copy). */
export function defaultServiceInPlace(svc: JsonRecord): void {
  if (!isSet(svc.spec)) svc.spec = {};
  const spec = svc.spec;
  if (!isRecord(spec)) return;
  defaultSessionAffinity(spec);
  if (!isSet(spec.type) || spec.type === '') spec.type = 'ClusterIP';
  defaultPorts(spec);
  const service = svc as unknown as Service;
  if (isExternallyAccessible(service) && (!isSet(spec.externalTrafficPolicy) || spec.externalTrafficPolicy === '')) {
    spec.externalTrafficPolicy = 'Cluster';
  }
  if (!isSet(spec.internalTrafficPolicy) && ['NodePort', 'LoadBalancer', 'ClusterIP'].includes(spec.type as string)) {
    spec.internalTrafficPolicy = 'Cluster';
  }
  if (spec.type === 'LoadBalancer') {
    if (!isSet(spec.allocateLoadBalancerNodePorts)) spec.allocateLoadBalancerNodePorts = true;
    const status = svc.status;
    const lb = isRecord(status) ? status.loadBalancer : undefined;
    for (const ing of isRecord(lb) ? zeroNullEntries(lb.ingress) : []) {
      if (typeof ing.ip === 'string' && ing.ip !== '' && !isSet(ing.ipMode)) ing.ipMode = 'VIP';
    }
  }
}
