/** `meshctl get`: tables like kubectl's, `-o wide|yaml|json|name`, `-A`, `-l`, and `-w` (see watch.ts). */
import type { Kind, KubeObject } from '@minimesh/api';
import type { Command, GlobalContext } from '../cli/command.js';
import { ALL_NAMESPACES_FLAG, SELECTOR_FLAG } from '../cli/command.js';
import { CliError, isNotFound, throwCollected } from '../cli/errors.js';
import type { CommandLine } from '@minimesh/runtime';
import { nowOf, type CommandIO } from '../cli/io.js';
import { parseOutputFormat, renderObjects, type OutputFormat } from '../print/output.js';
import { renderTable } from '../print/table.js';
import { byNamespaceAndName, isNamespaced, kindString } from '../resources.js';
import { noResourcesMessage } from './no-resources.js';
import { parseResourceArgs } from './resource-args.js';
import { runGetIpvs } from './get-ipvs.js';
import { runWatch } from './watch.js';

interface Found {
  kind: Kind;
  object: KubeObject;
}

function renderTables(found: readonly Found[], kinds: readonly Kind[], format: OutputFormat, flags: CommandLine, io: CommandIO, multipleKinds: boolean): string {
  const allNs = flags.bool('all-namespaces');
  const tables: string[] = [];
  for (const kind of kinds) {
    const objects = found.filter((f) => f.kind === kind).map((f) => f.object);
    if (objects.length === 0) continue;
    tables.push(
      renderTable(kind, objects, {
        wide: format === 'wide',
        now: nowOf(io),
        withNamespace: allNs && isNamespaced(kind),
        namePrefix: multipleKinds ? `${kindString(kind)}/` : undefined,
        noHeaders: flags.bool('no-headers'),
        showLabels: flags.bool('show-labels'),
      }),
    );
  }
  return tables.join('\n');
}

export async function runGet(flags: CommandLine, io: CommandIO, ctx: GlobalContext): Promise<number> {
  if (flags.positionals[0] === 'ipvs') return runGetIpvs(flags, io, ctx);
  if (flags.string('node') || flags.string('scheduler')) throw new CliError('--node and --scheduler apply to "meshctl get ipvs" only');
  const args = parseResourceArgs(flags.positionals);
  if (args.kinds.length === 0) {
    io.stderr.write(
      'You must specify the type of resource to get. Use "meshctl api-resources" for a complete list of supported resources.\n\n',
    );
    throw new CliError('Required resource not specified.', "See 'meshctl get -h' for help and examples");
  }
  const format = parseOutputFormat(flags.string('output'));
  const allNs = flags.bool('all-namespaces');
  const selector = flags.string('selector');
  if (args.named.length > 0 && selector) throw new CliError('name cannot be provided when a selector is specified');
  if (args.named.length > 0 && allNs) throw new CliError('a resource cannot be retrieved by name across all namespaces');
  const nsFor = (kind: Kind): string => (isNamespaced(kind) && !allNs ? ctx.namespace : '');

  if (flags.bool('watch') || flags.bool('watch-only')) {
    if (args.kinds.length > 1) throw new CliError('you may only specify a single resource type');
    const kind = args.kinds[0]!;
    return runWatch(kind, { names: args.named.map((n) => n.name), namespace: nsFor(kind), labelSelector: selector, format, flags, io, ctx });
  }

  const found: Found[] = [];
  const errors: unknown[] = [];
  if (args.named.length > 0) {
    for (const { kind, name } of args.named) {
      try {
        found.push({ kind, object: await io.client.get(kind, isNamespaced(kind) ? ctx.namespace : '', name) });
      } catch (e) {
        if (!(isNotFound(e) && flags.bool('ignore-not-found'))) errors.push(e);
      }
    }
  } else {
    for (const kind of args.kinds) {
      const list = await io.client.list(kind, { namespace: nsFor(kind), labelSelector: selector || undefined });
      for (const object of [...list.items].sort(byNamespaceAndName)) found.push({ kind, object });
    }
  }

  if (format === 'table' || format === 'wide') {
    if (found.length > 0) io.stdout.write(renderTables(found, args.kinds, format, flags, io, args.multipleKinds));
    else if (args.named.length === 0) io.stderr.write(noResourcesMessage(args.kinds, allNs, ctx.namespace));
  } else if (found.length > 0 || args.named.length === 0) {
    const single = args.named.length === 1;
    io.stdout.write(renderObjects(format, (o) => found.find((f) => f.object === o)!.kind, found.map((f) => f.object), single));
  }
  throwCollected(errors);
  return 0;
}

export const getCommand: Command = {
  name: 'get',
  summary: 'Display one or many resources',
  description:
    'Display one or many resources.\n\n Prints a table of the most important information about the specified resources. You can filter the list using a label selector and the --selector flag. If the desired resource type is namespaced you will only see results in the current namespace unless you pass --all-namespaces.\n\n' +
    ' Resource types: namespaces (ns), nodes (no), pods (po), services (svc), endpoints (ep), endpointslices, leases. "all" lists pods and services.',
  usage: 'meshctl get [(-o|--output=)json|yaml|name|wide] (TYPE[.VERSION][.GROUP] [NAME | -l label] | TYPE[.VERSION][.GROUP]/NAME ...) [flags] [options]',
  examples:
    '  # List all services in ps output format\n  meshctl get services\n\n' +
    '  # List services with their selectors\n  meshctl get svc -o wide\n\n' +
    '  # List endpoints in all namespaces\n  meshctl get ep -A\n\n' +
    '  # Get a single service in YAML\n  meshctl get service my-service -o yaml\n\n' +
    '  # Watch services as they change\n  meshctl get svc -w\n\n' +
    '  # The IPVS table of node1, as ipvsadm -Ln prints it\n  meshctl get ipvs --node node1\n',
  flags: [
    ALL_NAMESPACES_FLAG,
    SELECTOR_FLAG,
    { name: 'output', short: 'o', type: 'string', defaultText: "''", help: 'Output format. One of: (json, yaml, name, wide).' },
    { name: 'watch', short: 'w', type: 'bool', defaultText: 'false', help: 'After listing/getting the requested object, watch for changes.' },
    { name: 'watch-only', type: 'bool', defaultText: 'false', help: 'Watch for changes to the requested object(s), without listing/getting first.' },
    { name: 'output-watch-events', type: 'bool', defaultText: 'false', help: 'Output watch event objects when --watch or --watch-only is used. Existing objects are output as initial ADDED events.' },
    { name: 'show-labels', type: 'bool', defaultText: 'false', help: 'When printing, show all labels as the last column (default hide labels column).' },
    { name: 'no-headers', type: 'bool', defaultText: 'false', help: 'When using the default or custom-column output format, don\'t print headers (default print headers).' },
    { name: 'node', type: 'string', defaultText: "''", help: 'get ipvs: the node whose IPVS table to print.' },
    { name: 'scheduler', type: 'string', defaultText: "''", help: 'get ipvs: the node agent\'s --ipvs-scheduler (default rr).' },
    { name: 'ignore-not-found', type: 'bool', defaultText: 'false', help: 'If the requested object does not exist the command will return exit code 0.' },
  ],
  run: runGet,
};
