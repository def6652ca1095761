/**
 * Server-side printing: `Accept: application/json;as=Table;v=v1;g=meta.k8s.io` turns a get or a
 * list into a meta.k8s.io/v1 Table with the columns `kubectl get` shows (the printers of
 * kubernetes/pkg/printers/internalversion, shared with meshctl); `-o wide` columns come with
 * priority 1. Each row carries the object as PartialObjectMetadata (`includeObject=Metadata`,
 * the default), the whole object (`Object`) or nothing (`None`).
 */
import { COLUMNS, columnHeaders, type Kind, type KubeObject } from '@minimesh/api';
import { BadRequestError } from '@minimesh/api';

export type IncludeObject = 'None' | 'Metadata' | 'Object';

export interface TableColumnDefinition {
  name: string;
  type: 'string';
  format: string;
  description: string;
  priority: number;
}

export interface TableRow {
  cells: string[];
  object?: unknown;
}

export interface Table {
  kind: 'Table';
  apiVersion: 'meta.k8s.io/v1';
  metadata: { resourceVersion?: string; continue?: string; remainingItemCount?: number };
  columnDefinitions: TableColumnDefinition[];
  rows: TableRow[];
}

/** Whether an Accept header asks for a Table (the first acceptable type kubectl lists). */
export function wantsTable(accept: string | undefined): boolean {
  if (!accept) return false;
  return accept.split(',').some((t) => {
    const params = new Map(t.split(';').slice(1).map((p) => p.trim().split('=') as [string, string]));
    return params.get('as') === 'Table' && params.get('g') === 'meta.k8s.io' && (params.get('v') === 'v1' || params.get('v') === 'v1beta1');
  });
}

export function parseIncludeObject(raw: string | null): IncludeObject {
  if (raw === null || raw === '') return 'Metadata';
  if (raw === 'None' || raw === 'Metadata' || raw === 'Object') return raw;
  throw new BadRequestError(`includeObject: Unsupported value: "${raw}": supported values: "None", "Metadata", "Object"`);
}

/** Kubernetes' column names where title case of kubectl's header is not it. */
const COLUMN_NAMES: Record<string, string> = {
  ADDRESSTYPE: 'AddressType',
  IPADDRESSPOOLS: 'IPAddressPools',
  'IPADDRESSPOOL SELECTORS': 'IPAddressPool Selectors',
  'AUTO ASSIGN': 'Auto Assign',
  'AVOID BUGGY IPS': 'Avoid Buggy IPs',
};

/** `CLUSTER-IP` → `Cluster-IP`, `PORT(S)` → `Port(s)`: kubectl prints column names upper-cased. */
export function columnName(header: string): string {
  if (COLUMN_NAMES[header]) return COLUMN_NAMES[header];
  return header.replace(/[A-Z()]+/g, (w) => (['IP', 'IPS', 'OS', 'UID'].includes(w) ? (w === 'IPS' ? 'IPs' : w) : w[0] + w.slice(1).toLowerCase()));
}

function definitions(kind: Kind): TableColumnDefinition[] {
  const cols = COLUMNS[kind];
  const def = (h: string, priority: number, i: number): TableColumnDefinition => ({ name: columnName(h), type: 'string', format: i === 0 && priority === 0 ? 'name' : '', description: '', priority });
  return columnHeaders(cols, true).map((h, i) => def(h, cols.headers.includes(h) ? 0 : 1, i));
}

function rowObject(obj: KubeObject, include: IncludeObject): unknown {
  if (include === 'None') return undefined;
  if (include === 'Object') return obj;
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: obj.metadata };
}

export interface TableOptions {
  include: IncludeObject;
  now: number;
  /** Leave out the column definitions (every watch event after the first). */
  noHeaders?: boolean;
}

export function toTable(kind: Kind, objects: readonly KubeObject[], meta: Table['metadata'], opts: TableOptions): Table {
  const rows = objects.map((o) => {
    const row: TableRow = { cells: COLUMNS[kind].cells(o, { wide: true, now: opts.now }) };
    const object = rowObject(o, opts.include);
    if (object !== undefined) row.object = object;
    return row;
  });
  return { kind: 'Table', apiVersion: 'meta.k8s.io/v1', metadata: meta, columnDefinitions: opts.noHeaders ? [] : definitions(kind), rows };
}
