/** `kubectl get` tables: header, one row per object, aligned the way kubectl's tabwriter aligns them. */
import { COLUMNS, columnHeaders, formatLabels, type Kind, type KubeObject } from '@minimesh/api';
import { TABLE_LAYOUT, tabwrite, type RememberedWidths } from './tabwriter.js';

export interface TableOptions {
  wide?: boolean;
  now: number;
  /** `-A`: a NAMESPACE column first. */
  withNamespace?: boolean;
  /** Several kinds in one listing: names are printed as `service/foo`. */
  namePrefix?: string;
  noHeaders?: boolean;
  /** `--show-labels`: a LABELS column last. */
  showLabels?: boolean;
  /** `--output-watch-events`: an EVENT column first, with one event type per object. */
  eventTypes?: string[];
  /** Column widths kept from earlier output (watch rows line up with the table above). */
  remembered?: RememberedWidths;
}

export function tableHeaders(kind: Kind, opts: TableOptions): string[] {
  const cols = COLUMNS[kind];
  const headers = [...columnHeaders(cols, !!opts.wide)];
  if (opts.withNamespace) headers.unshift('NAMESPACE');
  if (opts.eventTypes) headers.unshift('EVENT');
  if (opts.showLabels) headers.push('LABELS');
  return headers;
}

export function tableRow(kind: Kind, obj: KubeObject, opts: TableOptions, eventType?: string): string[] {
  const cells = COLUMNS[kind].cells(obj, { wide: !!opts.wide, now: opts.now });
  if (opts.namePrefix) cells[0] = `${opts.namePrefix}${cells[0]}`;
  if (opts.withNamespace) cells.unshift(obj.metadata.namespace ?? '');
  if (opts.eventTypes) cells.unshift(eventType ?? '');
  if (opts.showLabels) cells.push(formatLabels(obj.metadata.labels));
  return cells;
}

/** The table as kubectl prints it (header unless noHeaders), ending with a newline. */
export function renderTable(kind: Kind, objects: readonly KubeObject[], opts: TableOptions): string {
  const lines: string[][] = [];
  if (!opts.noHeaders) lines.push(tableHeaders(kind, opts));
  objects.forEach((o, i) => lines.push(tableRow(kind, o, opts, opts.eventTypes?.[i])));
  if (lines.length === 0) return '';
  return tabwrite(lines.map((cells) => `${cells.join('\t')}\n`).join(''), TABLE_LAYOUT, opts.remembered);
}
