/** describe namespace (kubectl describe.go describeNamespace; minimesh has no quotas or limit ranges). */
import type { Namespace } from '@minimesh/api';
import { describe, printAnnotationsMultiline, printLabelsMultiline } from './writer.js';

export function describeNamespace(ns: Namespace): string {
  return describe((w) => {
    w.write(0, `Name:\t${ns.metadata.name ?? ''}\n`);
    printLabelsMultiline(w, 'Labels', ns.metadata.labels);
    printAnnotationsMultiline(w, 'Annotations', ns.metadata.annotations);
    w.write(0, `Status:\t${ns.status?.phase ?? ''}\n`);
    w.write(0, '\n');
    w.write(0, 'No resource quota.\n');
    w.write(0, '\n');
    w.write(0, 'No LimitRange resource.\n');
  });
}
