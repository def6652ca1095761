/**
 * `meshctl get -w`: list, print, then watch from the list's resourceVersion and print each change
 * as it comes, in the same format, without repeating the header (each row is laid out on its own,
 * as kubectl flushes its tabwriter after every event).
 */
import type { Kind, KubeObject } from '@minimesh/api';
import type { GlobalContext } from '../cli/command.js';
import type { CommandLine } from '@minimesh/runtime';
import { nowOf, type CommandIO } from '../cli/io.js';
import { kubeOrder, toJSON, toYAML, type OutputFormat } from '../print/output.js';
import { renderTable } from '../print/table.js';
import type { RememberedWidths } from '../print/tabwriter.js';
import { byNamespaceAndName, isNamespaced, objectRef } from '../resources.js';
import { noResourcesMessage } from './no-resources.js';

export interface WatchRequest {
  names: string[];
  /** '' for all namespaces or cluster-scoped kinds. */
  namespace: string;
  labelSelector: string;
  format: OutputFormat;
  flags: CommandLine;
  io: CommandIO;
  ctx: GlobalContext;
}

class WatchPrinter {
  private printedHeader = false;
  private printedObjects = 0;
  private readonly remembered: RememberedWidths = { maxwidths: [] };

  constructor(
    private readonly kind: Kind,
    private readonly req: WatchRequest,
  ) {}

  print(objects: readonly KubeObject[], eventType: string): void {
    const { format, flags, io } = this.req;
    if (objects.length === 0) return;
    if (format === 'json' || format === 'yaml' || format === 'name') {
      for (const o of objects) {
        if (format === 'name') io.stdout.write(`${objectRef(this.kind, o.metadata.name ?? '')}\n`);
        else if (format === 'json') io.stdout.write(toJSON(kubeOrder(o)));
        else io.stdout.write(`${this.printedObjects > 0 ? '---\n' : ''}${toYAML(kubeOrder(o))}`);
        this.printedObjects++;
      }
      return;
    }
    const withEvents = flags.bool('output-watch-events');
    io.stdout.write(
      renderTable(this.kind, objects, {
        wide: format === 'wide',
        now: nowOf(io),
        withNamespace: flags.bool('all-namespaces') && isNamespaced(this.kind),
        noHeaders: this.printedHeader || flags.bool('no-headers'),
        showLabels: flags.bool('show-labels'),
        eventTypes: withEvents ? objects.map(() => eventType) : undefined,
        remembered: this.remembered,
      }),
    );
    this.printedHeader = true;
    this.printedObjects += objects.length;
  }
}

function isAbort(e: unknown): boolean {
  return e instanceof Error && (e.name === 'AbortError' || (e as { code?: unknown }).code === 'ABORT_ERR');
}

export async function runWatch(kind: Kind, req: WatchRequest): Promise<number> {
  const { io, flags } = req;
  const printer = new WatchPrinter(kind, req);
  const wanted = (o: KubeObject): boolean => req.names.length === 0 || req.names.includes(o.metadata.name ?? '');

  for (const name of req.names) {
    // A named object that does not exist is an error before anything is watched.
    await io.client.get(kind, isNamespaced(kind) ? req.ctx.namespace : '', name);
  }
  const list = await io.client.list(kind, { namespace: req.namespace, labelSelector: req.labelSelector || undefined });
  if (!flags.bool('watch-only')) {
    const initial = [...list.items].filter(wanted).sort(byNamespaceAndName);
    if (initial.length === 0 && req.names.length === 0 && (req.format === 'table' || req.format === 'wide')) {
      io.stderr.write(noResourcesMessage([kind], flags.bool('all-namespaces'), req.ctx.namespace));
    }
    printer.print(initial, 'ADDED');
  }
  if (io.signal?.aborted) return 0;
  try {
    const events = io.client.watch(kind, {
      namespace: req.namespace,
      labelSelector: req.labelSelector || undefined,
      resourceVersion: list.resourceVersion,
      signal: io.signal,
    });
    for await (const ev of events) {
      if (ev.type === 'BOOKMARK' || !ev.object || !wanted(ev.object)) continue;
      printer.print([ev.object], ev.type);
    }
  } catch (e) {
    if (io.signal?.aborted || isAbort(e)) return 0;
    throw e;
  }
  return 0;
}
