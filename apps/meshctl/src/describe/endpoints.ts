/** describe endpoints and describe endpointslice (kubectl describe.go describeEndpoints / describeEndpointSliceV1). */
import type { Endpoints, EndpointSlice } from '@minimesh/api';
import { describe, printAnnotationsMultiline, printLabelsMultiline, printNoEvents } from './writer.js';

export function describeEndpoints(ep: Endpoints): string {
  return describe((w) => {
    w.write(0, `Name:\t${ep.metadata.name ?? ''}\n`);
    w.write(0, `Namespace:\t${ep.metadata.namespace ?? ''}\n`);
    printLabelsMultiline(w, 'Labels', ep.metadata.labels);
    printAnnotationsMultiline(w, 'Annotations', ep.metadata.annotations);
    w.write(0, 'Subsets:\n');
    for (const subset of ep.subsets ?? []) {
      const ready = (subset.addresses ?? []).map((a) => a.ip).join(',');
      w.write(1, `Addresses:\t${ready || '<none>'}\n`);
      const notReady = (subset.notReadyAddresses ?? []).map((a) => a.ip).join(',');
      w.write(1, `NotReadyAddresses:\t${notReady || '<none>'}\n`);
      if (subset.ports && subset.ports.length > 0) {
        w.write(1, 'Ports:\n');
        w.write(2, 'Name\tPort\tProtocol\n');
        w.write(2, '----\t----\t--------\n');
        for (const p of subset.ports) w.write(2, `${p.name || '<unset>'}\t${p.port}\t${p.protocol ?? ''}\n`);
      }
      w.write(0, '\n');
    }
    printNoEvents(w);
  });
}

export function describeEndpointSlice(eps: EndpointSlice): string {
  return describe((w) => {
    w.write(0, `Name:\t${eps.metadata.name ?? ''}\n`);
    w.write(0, `Namespace:\t${eps.metadata.namespace ?? ''}\n`);
    printLabelsMultiline(w, 'Labels', eps.metadata.labels);
    printAnnotationsMultiline(w, 'Annotations', eps.metadata.annotations);
    w.write(0, `AddressType:\t${eps.addressType ?? ''}\n`);
    if (!eps.ports || eps.ports.length === 0) {
      w.write(0, 'Ports: <unset>\n');
    } else {
      w.write(0, 'Ports:\n');
      w.write(1, 'Name\tPort\tProtocol\n');
      w.write(1, '----\t----\t--------\n');
      for (const p of eps.ports) {
        const port = p.port !== undefined && p.port !== null ? String(p.port) : '<unset>';
        w.write(1, `${p.name || '<unset>'}\t${port}\t${p.protocol ?? ''}\n`);
      }
    }
    if (!eps.endpoints || eps.endpoints.length === 0) {
      w.write(0, 'Endpoints: <none>\n');
    } else {
      w.write(0, 'Endpoints:\n');
      for (const ep of eps.endpoints) {
        w.write(1, `- Addresses:\t${ep.addresses.join(', ') || '<none>'}\n`);
        w.write(2, 'Conditions:\n');
        const ready = ep.conditions?.ready;
        w.write(3, `Ready:\t${ready === undefined || ready === null ? '<unset>' : String(ready)}\n`);
        w.write(2, `Hostname:\t${ep.hostname ?? '<unset>'}\n`);
        if (ep.targetRef) w.write(2, `TargetRef:\t${ep.targetRef.kind ?? ''}/${ep.targetRef.name ?? ''}\n`);
        w.write(2, `NodeName:\t${ep.nodeName ?? '<unset>'}\n`);
        w.write(2, `Zone:\t${ep.zone ?? '<unset>'}\n`);
      }
    }
    printNoEvents(w);
  });
}
