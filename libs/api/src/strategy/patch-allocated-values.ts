/**
 * patchAllocatedValues (service storage): on update, values the server allocated and the client
 * left out are copied from the stored Service, so re-applying the original YAML is a no-op
 * rather than an attempt to release them.
 */
import type { Service } from '../types/core.js';
import { isRecord, list, num, rec, str, strings } from '../validation/json-access.js';
import { needsHealthCheck, serviceNeedsClusterIP, serviceTypeHasNodePorts } from '../helpers/service.js';
import { cloneObject } from '../util/clone-object.js';

function nodePortsOf(spec: Record<string, unknown>): Set<number> {
  return new Set(list(spec.ports).map((p) => num(rec(p).nodePort)).filter((n) => n !== 0));
}

/**
 * clusterIP / clusterIPs when omitted (and both objects need one); nodePorts of ports that omit
 * theirs, matched by port name, unless that nodePort is already used by another port of the new
 * object; healthCheckNodePort when both need a health check. Returns a copy.
 */
export function patchAllocatedValues<T extends Service>(svc: T, old: Service): T {
  const copy = cloneObject(svc);
  const spec = rec(copy).spec;
  if (!isRecord(spec)) return copy;
  const oldSpec = rec(rec(old).spec);

  if (serviceNeedsClusterIP(old) && serviceNeedsClusterIP(copy)) {
    if (!str(spec.clusterIP) && str(oldSpec.clusterIP)) spec.clusterIP = str(oldSpec.clusterIP);
    if (strings(spec.clusterIPs).length === 0 && strings(oldSpec.clusterIPs).length > 0) spec.clusterIPs = [...strings(oldSpec.clusterIPs)];
  }

  if (serviceTypeHasNodePorts(old) && serviceTypeHasNodePorts(copy)) {
    const newPorts = nodePortsOf(spec);
    const used = new Set([...nodePortsOf(oldSpec)].filter((n) => newPorts.has(n)));
    const byName = new Map<string, number>();
    for (const p of list(oldSpec.ports)) byName.set(str(rec(p).name), num(rec(p).nodePort));
    for (const p of list(spec.ports)) {
      if (!isRecord(p) || num(p.nodePort) !== 0) continue;
      const oldValue = byName.get(str(p.name)) ?? 0;
      if (oldValue !== 0 && !used.has(oldValue)) p.nodePort = oldValue;
    }
  }

  if (needsHealthCheck(old) && needsHealthCheck(copy) && num(spec.healthCheckNodePort) === 0 && num(oldSpec.healthCheckNodePort) !== 0) {
    spec.healthCheckNodePort = num(oldSpec.healthCheckNodePort);
  }
  return copy;
}
