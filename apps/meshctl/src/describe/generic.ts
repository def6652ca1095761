/**
 * kubectl's generic describer, for kinds without a dedicated one (Lease): name, namespace, labels,
 * annotations, then every other field, sorted, with "smart" labels (`holderIdentity` → `Holder Identity`).
 */
import type { KubeObject } from '@minimesh/api';
import { describe, printAnnotationsMultiline, printLabelsMultiline, printNoEvents, type PrefixWriter } from './writer.js';

const ACRONYMS = ['API', 'URL', 'UID', 'OSB', 'GUID'];

/** Splits camelCase the way github.com/fatih/camelcase does for plain identifiers. */
function camelSplit(s: string): string[] {
  return s.match(/[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+/g) ?? [s];
}

export function smartLabelFor(field: string): string {
  if (/[^A-Za-z-]/.test(field)) return field;
  return camelSplit(field)
    .map((part) => (ACRONYMS.includes(part.toUpperCase()) ? part.toUpperCase() : part.charAt(0).toUpperCase() + part.slice(1)))
    .join(' ');
}

const SKIPPED = new Set(['.metadata.managedFields', '.metadata.name', '.metadata.namespace', '.metadata.labels', '.metadata.annotations']);

function printContent(w: PrefixWriter, level: number, content: Record<string, unknown>, prefix: string): void {
  for (const field of Object.keys(content).sort()) {
    const path = `${prefix}.${field}`;
    if (SKIPPED.has(path)) continue;
    const value = content[field];
    if (value === undefined || value === null) continue;
    if (Array.isArray(value)) {
      w.write(level, `${smartLabelFor(field)}:\n`);
      for (const item of value) {
        if (item && typeof item === 'object') printContent(w, level + 1, item as Record<string, unknown>, path);
        else w.write(level + 1, `${String(item)}\n`);
      }
    } else if (typeof value === 'object') {
      w.write(level, `${smartLabelFor(field)}:\n`);
      printContent(w, level + 1, value as Record<string, unknown>, path);
    } else {
      w.write(level, `${smartLabelFor(field)}:\t${String(value)}\n`);
    }
  }
}

export function describeGeneric(obj: KubeObject): string {
  return describe((w) => {
    w.write(0, `Name:\t${obj.metadata.name ?? ''}\n`);
    w.write(0, `Namespace:\t${obj.metadata.namespace ?? ''}\n`);
    printLabelsMultiline(w, 'Labels', obj.metadata.labels);
    printAnnotationsMultiline(w, 'Annotations', obj.metadata.annotations);
    printContent(w, 0, obj as unknown as Record<string, unknown>, '');
    printNoEvents(w);
  });
}
