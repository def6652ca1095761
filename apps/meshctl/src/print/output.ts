/**
 * `-o json`, `-o yaml` and `-o name`, shaped like kubectl's: json indented by four spaces with
 * apiVersion, kind and metadata first; yaml with keys sorted (it goes through a map, as
 * sigs.k8s.io/yaml does) and lists not indented under their key; several objects in a `List`.
 */
import { sortKeysDeep, type Kind, type KubeObject } from '@minimesh/api';
import YAML from 'yaml';
import { CliError } from '../cli/errors.js';
import { objectRef } from '../resources.js';

export type OutputFormat = 'table' | 'wide' | 'json' | 'yaml' | 'name';

export function parseOutputFormat(value: string, allowed: readonly OutputFormat[] = ['table', 'wide', 'json', 'yaml', 'name']): OutputFormat {
  if (value === '') return 'table';
  const v = value as OutputFormat;
  if (v !== 'table' && allowed.includes(v)) return v;
  const shown = allowed.filter((f) => f !== 'table');
  throw new CliError(
    `unable to match a printer suitable for the output format "${value}", allowed formats are: ${shown.join(',')}`,
  );
}

const METADATA_ORDER = [
  'name',
  'generateName',
  'namespace',
  'uid',
  'resourceVersion',
  'creationTimestamp',
  'deletionTimestamp',
  'labels',
  'annotations',
  'ownerReferences',
];

function ordered(obj: Record<string, unknown>, first: readonly string[], last: readonly string[] = []): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of first) if (k in obj) out[k] = obj[k];
  for (const k of Object.keys(obj)) if (!first.includes(k) && !last.includes(k)) out[k] = obj[k];
  for (const k of last) if (k in obj) out[k] = obj[k];
  return out;
}

/** An object in kubectl's JSON field order (apiVersion, kind, metadata, ..., status). */
export function kubeOrder(obj: KubeObject): Record<string, unknown> {
  const o = obj as unknown as Record<string, unknown>;
  const top = ordered(o, ['apiVersion', 'kind', 'metadata'], ['status']);
  if (top.metadata && typeof top.metadata === 'object') {
    top.metadata = ordered(top.metadata as Record<string, unknown>, METADATA_ORDER);
  }
  return top;
}

/** kubectl's List wrapper for several objects. */
export function listOf(objects: readonly KubeObject[]): Record<string, unknown> {
  return { apiVersion: 'v1', items: objects.map(kubeOrder), kind: 'List', metadata: { resourceVersion: '' } };
}

export function toJSON(value: unknown): string {
  return `${JSON.stringify(value, null, 4)}\n`;
}

export function toYAML(value: unknown): string {
  return YAML.stringify(sortKeysDeep(value), { indentSeq: false, lineWidth: 0, version: '1.1' });
}

/**
 * Objects in a machine format. `single` is true when one named object was asked for: it is printed
 * alone; otherwise (a listing, several names) they are wrapped in a List.
 */
export function renderObjects(format: 'json' | 'yaml' | 'name', kindOf: (o: KubeObject) => Kind, objects: readonly KubeObject[], single: boolean): string {
  if (format === 'name') return objects.map((o) => `${objectRef(kindOf(o), o.metadata.name ?? '')}\n`).join('');
  const value = single && objects.length === 1 ? kubeOrder(objects[0]!) : listOf(objects);
  return format === 'json' ? toJSON(value) : toYAML(value);
}
