/**
 * describe node (kubectl describe.go describeNode), for minimesh's nodes: no leases, capacity or
 * system info; the pods placed on the node are listed by name.
 */
import { nodeRoles, translateTimestampSince, type Node, type Pod } from '@minimesh/api';
import { describe, printAnnotationsMultiline, printLabelsMultiline, printNoEvents, rfc1123z } from './writer.js';

export function describeNode(node: Node, pods: readonly Pod[], now: number): string {
  const spec = node.spec ?? {};
  return describe((w) => {
    w.write(0, `Name:\t${node.metadata.name ?? ''}\n`);
    const roles = nodeRoles(node);
    w.write(0, `Roles:\t${roles.length > 0 ? roles.join(',') : '<none>'}\n`);
    printLabelsMultiline(w, 'Labels', node.metadata.labels);
    printAnnotationsMultiline(w, 'Annotations', node.metadata.annotations);
    w.write(0, `CreationTimestamp:\t${rfc1123z(node.metadata.creationTimestamp)}\n`);
    w.write(0, 'Taints:\t<none>\n');
    w.write(0, `Unschedulable:\t${spec.unschedulable ? 'true' : 'false'}\n`);
    const conditions = node.status?.conditions ?? [];
    if (conditions.length > 0) {
      w.write(0, 'Conditions:\n  Type\tStatus\tLastHeartbeatTime\tLastTransitionTime\tReason\tMessage\n');
      w.write(1, '----\t------\t-----------------\t------------------\t------\t-------\n');
      for (const c of conditions) {
        w.write(
          1,
          `${c.type} \t${c.status} \t${rfc1123z(c.lastHeartbeatTime)} \t${rfc1123z(c.lastTransitionTime)} \t${c.reason ?? ''} \t${c.message ?? ''}\n`,
        );
      }
    }
    w.write(0, 'Addresses:\n');
    for (const a of node.status?.addresses ?? []) w.write(1, `${a.type}:\t${a.address}\n`);
    if (spec.podCIDR) w.write(0, `PodCIDR:\t${spec.podCIDR}\n`);
    if (spec.podCIDRs && spec.podCIDRs.length > 0) w.write(0, `PodCIDRs:\t${spec.podCIDRs.join(',')}\n`);
    if (spec.providerID) w.write(0, `ProviderID:\t${spec.providerID}\n`);
    w.write(0, `Non-terminated Pods:\t(${pods.length} in total)\n`);
    if (pods.length > 0) {
      w.write(1, 'Namespace\tName\tAge\n');
      w.write(1, '---------\t----\t---\n');
      for (const p of pods) w.write(1, `${p.metadata.namespace ?? ''}\t${p.metadata.name ?? ''}\t${translateTimestampSince(p.metadata.creationTimestamp, now)}\n`);
    }
    printNoEvents(w);
  });
}
