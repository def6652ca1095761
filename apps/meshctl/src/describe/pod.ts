/**
 * describe pod (kubectl describe.go describePod), for minimesh's registered pods: no container
 * statuses, volumes or QoS, so those sections are left out.
 */
import type { Container, Pod } from '@minimesh/api';
import { describe, printAnnotationsMultiline, printLabelsMultiline, printNoEvents, rfc1123z, type PrefixWriter } from './writer.js';

function portsString(c: Container, host: boolean): string {
  return (c.ports ?? [])
    .map((p) => {
      const num = host ? (p.hostPort ?? 0) : p.containerPort;
      const base = `${num}/${p.protocol ?? 'TCP'}`;
      return !host && p.name ? `${base} (${p.name})` : base;
    })
    .join(', ');
}

function describeContainers(w: PrefixWriter, title: string, containers: readonly Container[]): void {
  w.write(0, `${title}:\n`);
  for (const c of containers) {
    w.write(1, `${c.name}:\n`);
    w.write(2, `Image:\t${c.image ?? ''}\n`);
    const ports = portsString(c, false);
    w.write(2, ports.includes(',') ? `Ports:\t${ports}\n` : `Port:\t${ports || '<none>'}\n`);
    const hostPorts = portsString(c, true);
    w.write(2, hostPorts.includes(',') ? `Host Ports:\t${hostPorts}\n` : `Host Port:\t${hostPorts || '<none>'}\n`);
    if (c.command && c.command.length > 0) {
      w.write(2, 'Command:\n');
      for (const part of c.command) w.write(3, `${part}\n`);
    }
    if (c.args && c.args.length > 0) {
      w.write(2, 'Args:\n');
      for (const part of c.args) w.write(3, `${part}\n`);
    }
  }
}

export function describePod(pod: Pod): string {
  const spec = pod.spec ?? {};
  const status = pod.status ?? {};
  return describe((w) => {
    w.write(0, `Name:\t${pod.metadata.name ?? ''}\n`);
    w.write(0, `Namespace:\t${pod.metadata.namespace ?? ''}\n`);
    w.write(0, spec.nodeName ? `Node:\t${spec.nodeName}/${status.hostIP ?? ''}\n` : 'Node:\t<none>\n');
    if (status.startTime) w.write(0, `Start Time:\t${rfc1123z(status.startTime)}\n`);
    printLabelsMultiline(w, 'Labels', pod.metadata.labels);
    printAnnotationsMultiline(w, 'Annotations', pod.metadata.annotations);
    if (pod.metadata.deletionTimestamp && status.phase !== 'Failed' && status.phase !== 'Succeeded') {
      w.write(0, 'Status:\tTerminating\n');
    } else {
      w.write(0, `Status:\t${status.phase ?? ''}\n`);
    }
    w.write(0, `IP:\t${status.podIP ?? ''}\n`);
    const ips = status.podIPs ?? [];
    if (ips.length === 0) {
      w.write(0, 'IPs:\t<none>\n');
    } else {
      w.write(0, 'IPs:\n');
      for (const ip of ips) w.write(1, `IP:\t${ip.ip}\n`);
    }
    if (spec.initContainers && spec.initContainers.length > 0) describeContainers(w, 'Init Containers', spec.initContainers);
    describeContainers(w, 'Containers', spec.containers ?? []);
    if (status.conditions && status.conditions.length > 0) {
      w.write(0, 'Conditions:\n  Type\tStatus\n');
      for (const c of status.conditions) w.write(1, `${c.type} \t${c.status} \n`);
    }
    printNoEvents(w);
  });
}
