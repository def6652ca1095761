/**
 * The Node and Pod objects the cluster tool registers with the apiserver, in the shape a kubelet
 * would report them (pure builders). Also the `--port P[/PROTO][:name]` syntax of `pod add`.
 */
import { isPodReady, type ContainerPort, type Node, type Pod, type PodCondition } from '@minimesh/api';
import type { NodePlan } from './topology.js';

/** RFC 3339 at seconds precision, as Kubernetes prints times. */
export function kubeTime(d: Date = new Date()): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function nodeObject(node: NodePlan, cluster: string, now: string): Node {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: node.name,
      labels: {
        'kubernetes.io/hostname': node.name,
        'kubernetes.io/os': 'linux',
        'minimesh.io/cluster': cluster,
      },
    },
    spec: { podCIDR: node.podCIDR, podCIDRs: [node.podCIDR] },
    status: {
      addresses: [
        { type: 'InternalIP', address: node.ip },
        { type: 'Hostname', address: node.name },
      ],
      conditions: [
        {
          type: 'Ready',
          status: 'True',
          reason: 'KubeletReady',
          message: 'minimesh-cluster is posting ready status',
          lastHeartbeatTime: now,
          lastTransitionTime: now,
        },
      ],
    },
  };
}

const ECHO_PORT_NAME_RE = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;

/** `80`, `53/udp`, `8080/tcp:http`, `53/UDP:dns` → a ContainerPort. SCTP ports are declared but not served (Node has no SCTP sockets). */
export function parsePortSpec(spec: string): ContainerPort {
  const m = /^(\d+)(?:\/([A-Za-z]+))?(?::(.+))?$/.exec(spec.trim());
  if (!m) throw new Error(`invalid --port "${spec}": expected PORT[/PROTOCOL][:NAME], e.g. 80, 53/udp, 8080/tcp:http`);
  const port = Number(m[1]);
  if (port < 1 || port > 65535) throw new Error(`invalid --port "${spec}": port must be between 1 and 65535`);
  const protocol = (m[2] ?? 'TCP').toUpperCase();
  if (protocol !== 'TCP' && protocol !== 'UDP' && protocol !== 'SCTP') throw new Error(`invalid --port "${spec}": protocol must be tcp, udp or sctp, not ${m[2]}`);
  const out: ContainerPort = { containerPort: port, protocol };
  if (m[3] !== undefined) {
    if (!ECHO_PORT_NAME_RE.test(m[3])) throw new Error(`invalid --port "${spec}": port name "${m[3]}" must be lowercase letters, digits and '-'`);
    out.name = m[3];
  }
  return out;
}

export function readyConditions(ready: boolean, now: string): PodCondition[] {
  const status = ready ? 'True' : 'False';
  return [
    { type: 'PodScheduled', status: 'True', lastTransitionTime: now },
    { type: 'Initialized', status: 'True', lastTransitionTime: now },
    { type: 'ContainersReady', status, lastTransitionTime: now, ...(ready ? {} : { reason: 'ContainersNotReady' }) },
    { type: 'Ready', status, lastTransitionTime: now, ...(ready ? {} : { reason: 'ContainersNotReady' }) },
  ];
}

export interface PodInput {
  name: string;
  namespace: string;
  node: NodePlan;
  ip: string;
  labels: Record<string, string>;
  ports: ContainerPort[];
  hostname?: string;
  subdomain?: string;
  ready: boolean;
  now: string;
  /** The pod runs in its node's network namespace (its IP is the node's). */
  hostNetwork?: boolean;
}

export function podObject(p: PodInput): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: p.name, namespace: p.namespace, ...(Object.keys(p.labels).length ? { labels: p.labels } : {}) },
    spec: {
      nodeName: p.node.name,
      ...(p.hostname ? { hostname: p.hostname } : {}),
      ...(p.subdomain ? { subdomain: p.subdomain } : {}),
      ...(p.hostNetwork ? { hostNetwork: true } : {}),
      // A hostNetwork pod's ports are its node's: hostPort = containerPort, as Kubernetes defaults them.
      containers: [{ name: 'echo', image: 'minimesh/echo-server', ports: p.hostNetwork ? p.ports.map((x) => ({ ...x, hostPort: x.hostPort || x.containerPort })) : p.ports }],
    },
    status: {
      phase: 'Running',
      podIP: p.ip,
      podIPs: [{ ip: p.ip }],
      hostIP: p.node.ip,
      startTime: p.now,
      conditions: readyConditions(p.ready, p.now),
    },
  };
}

/**
 * The pod with its Ready and ContainersReady conditions set (a new lastTransitionTime only when the
 * status changes, as the kubelet does). Returns undefined when nothing changes.
 */
export function withReadiness(pod: Pod, ready: boolean, now: string): Pod | undefined {
  if (isPodReady(pod) === ready) return undefined;
  const status = ready ? 'True' : 'False';
  const conditions = [...(pod.status?.conditions ?? [])];
  for (const type of ['ContainersReady', 'Ready']) {
    const i = conditions.findIndex((c) => c.type === type);
    const next: PodCondition = { type, status, lastTransitionTime: now, ...(ready ? {} : { reason: 'ContainersNotReady' }) };
    if (i === -1) conditions.push(next);
    else conditions[i] = next;
  }
  return { ...pod, status: { ...pod.status, conditions } };
}
