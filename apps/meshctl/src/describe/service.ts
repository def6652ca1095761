/** describe service (kubectl describe.go describeService). */
import { formatEndpoints, formatEndpointSlices, formatLabels, type Endpoints, type EndpointSlice, type Service } from '@minimesh/api';
import { describe, printAnnotationsMultiline, printLabelsMultiline, printNoEvents } from './writer.js';

function ingressString(svc: Service): string {
  return (svc.status?.loadBalancer?.ingress ?? [])
    .map((ing) => (ing.ip ? `${ing.ip}${ing.ipMode ? ` (${ing.ipMode})` : ''}` : (ing.hostname ?? '')))
    .join(', ');
}

/**
 * The Endpoints line of each port comes from the Service's EndpointSlices, as in current kubectl;
 * when there are none (a selector-less Service with hand-written Endpoints and no mirroring), from
 * its Endpoints object.
 */
export function describeService(svc: Service, slices: readonly EndpointSlice[], endpoints?: Endpoints): string {
  const spec = svc.spec ?? {};
  return describe((w) => {
    w.write(0, `Name:\t${svc.metadata.name ?? ''}\n`);
    w.write(0, `Namespace:\t${svc.metadata.namespace ?? ''}\n`);
    printLabelsMultiline(w, 'Labels', svc.metadata.labels);
    printAnnotationsMultiline(w, 'Annotations', svc.metadata.annotations);
    w.write(0, `Selector:\t${formatLabels(spec.selector)}\n`);
    w.write(0, `Type:\t${spec.type ?? ''}\n`);
    if (spec.ipFamilyPolicy) w.write(0, `IP Family Policy:\t${spec.ipFamilyPolicy}\n`);
    w.write(0, `IP Families:\t${spec.ipFamilies && spec.ipFamilies.length > 0 ? spec.ipFamilies.join(',') : '<none>'}\n`);
    w.write(0, `IP:\t${spec.clusterIP ?? ''}\n`);
    w.write(0, `IPs:\t${spec.clusterIPs && spec.clusterIPs.length > 0 ? spec.clusterIPs.join(',') : '<none>'}\n`);
    if (spec.externalIPs && spec.externalIPs.length > 0) w.write(0, `External IPs:\t${spec.externalIPs.join(',')}\n`);
    if (spec.loadBalancerIP) w.write(0, `Desired LoadBalancer IP:\t${spec.loadBalancerIP}\n`);
    if (spec.externalName) w.write(0, `External Name:\t${spec.externalName}\n`);
    if ((svc.status?.loadBalancer?.ingress ?? []).length > 0) w.write(0, `LoadBalancer Ingress:\t${ingressString(svc)}\n`);
    for (const sp of spec.ports ?? []) {
      const name = sp.name || '<unset>';
      const protocol = sp.protocol ?? '';
      w.write(0, `Port:\t${name}\t${sp.port}/${protocol}\n`);
      const target = sp.targetPort ?? 0;
      w.write(0, `TargetPort:\t${target}/${protocol}\n`);
      if (sp.appProtocol) w.write(0, `AppProtocol:\t${sp.appProtocol}\n`);
      if (sp.nodePort) w.write(0, `NodePort:\t${name}\t${sp.nodePort}/${protocol}\n`);
      const ports = new Set([sp.name ?? '']);
      const eps = slices.length === 0 && endpoints ? formatEndpoints(endpoints, ports) : formatEndpointSlices(slices, ports);
      w.write(0, `Endpoints:\t${eps}\n`);
    }
    w.write(0, `Session Affinity:\t${spec.sessionAffinity ?? ''}\n`);
    if (spec.externalTrafficPolicy) w.write(0, `External Traffic Policy:\t${spec.externalTrafficPolicy}\n`);
    if (spec.internalTrafficPolicy) w.write(0, `Internal Traffic Policy:\t${spec.internalTrafficPolicy}\n`);
    if (spec.healthCheckNodePort) w.write(0, `HealthCheck NodePort:\t${spec.healthCheckNodePort}\n`);
    if (spec.loadBalancerSourceRanges && spec.loadBalancerSourceRanges.length > 0) {
      w.write(0, `LoadBalancer Source Ranges:\t${spec.loadBalancerSourceRanges.join(',')}\n`);
    }
    printNoEvents(w);
  });
}
