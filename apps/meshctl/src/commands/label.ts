/**
 * `meshctl label` and `meshctl annotate`: `KEY=VALUE` sets, `KEY-` removes; changing an existing
 * value needs `--overwrite`. The change goes as a JSON merge patch of metadata, as kubectl sends it,
 * to one named object or to every object `-l` / `--all` selects.
 */
import { pushAll, createMergePatch, type Kind, type KubeObject } from '@minimesh/api';
import type { Command, GlobalContext } from '../cli/command.js';
import { ALL_NAMESPACES_FLAG, SELECTOR_FLAG } from '../cli/command.js';
import { CliError, throwCollected } from '../cli/errors.js';
import type { CommandLine } from '@minimesh/runtime';
import type { CommandIO } from '../cli/io.js';
import { byNamespaceAndName, isNamespaced, objectRef } from '../resources.js';
import { parseResourceArgs } from './resource-args.js';

type Field = 'labels' | 'annotations';

interface Changes {
  set: Map<string, string>;
  remove: string[];
}

function parseChanges(args: readonly string[], what: string): Changes {
  const set = new Map<string, string>();
  const remove: string[] = [];
  for (const a of args) {
    if (a.endsWith('-') && !a.includes('=')) remove.push(a.slice(0, -1));
    else if (a.includes('=')) set.set(a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1));
    else throw new CliError(`invalid ${what} spec: ${a}`);
  }
  for (const k of remove) if (set.has(k)) throw new CliError(`can not both modify and remove ${what}s in the same command`);
  if (set.size === 0 && remove.length === 0) throw new CliError(`at least one ${what} update is required`);
  return { set, remove };
}

/** The resource arguments come first; the `key=value` / `key-` arguments after them. */
function splitArgs(positionals: readonly string[]): { resources: string[]; changes: string[] } {
  const i = positionals.findIndex((a) => a.includes('=') || (a.endsWith('-') && !a.includes('/')));
  return i === -1 ? { resources: [...positionals], changes: [] } : { resources: positionals.slice(0, i), changes: positionals.slice(i) };
}

async function targetsOf(resources: string[], flags: CommandLine, io: CommandIO, ctx: GlobalContext): Promise<KubeObject[]> {
  const args = parseResourceArgs(resources);
  const selector = flags.string('selector');
  if (args.kinds.length === 0) throw new CliError('one or more resources must be specified as <resource> <name> or <resource>/<name>');
  if (args.named.length > 0) {
    if (selector || flags.bool('all')) throw new CliError('name cannot be provided when a selector is specified');
    return Promise.all(args.named.map(({ kind, name }) => io.client.get(kind, isNamespaced(kind) ? ctx.namespace : '', name)));
  }
  if (!selector && !flags.bool('all')) throw new CliError('resource(s) were provided, but no name was specified');
  const out: KubeObject[] = [];
  for (const kind of args.kinds) {
    const namespace = isNamespaced(kind) && !flags.bool('all-namespaces') ? ctx.namespace : '';
    pushAll(out, (await io.client.list(kind, { namespace, labelSelector: selector || undefined })).items.sort(byNamespaceAndName));
  }
  return out;
}

function edit(field: Field, what: string, verb: string) {
  return async (flags: CommandLine, io: CommandIO, ctx: GlobalContext): Promise<number> => {
    const { resources, changes } = splitArgs(flags.positionals);
    const wanted = parseChanges(changes, what);
    const targets = await targetsOf(resources, flags, io, ctx);
    const errors: unknown[] = [];
    for (const obj of targets) {
      const before = { ...(obj.metadata[field] ?? {}) };
      const after = { ...before };
      try {
        for (const [k, v] of wanted.set) {
          if (!flags.bool('overwrite') && k in before && before[k] !== v) {
            throw new CliError(`'${k}' already has a value (${before[k]}), and --overwrite is false`);
          }
          after[k] = v;
        }
        for (const k of wanted.remove) delete after[k];
        const ref = objectRef(obj.kind as Kind, obj.metadata.name ?? '');
        const patch = createMergePatch({ metadata: { [field]: before } }, { metadata: { [field]: after } });
        if (Object.keys(patch as object).length === 0) {
          io.stdout.write(`${ref} not ${verb}\n`);
          continue;
        }
        const metadata: Record<string, unknown> = { ...(patch as { metadata: Record<string, unknown> }).metadata };
        if (flags.string('resource-version')) metadata.resourceVersion = flags.string('resource-version');
        await io.client.patch(obj.kind as Kind, obj.metadata.namespace ?? '', obj.metadata.name ?? '', 'merge', { metadata });
        const onlyRemoved = wanted.set.size === 0;
        io.stdout.write(`${ref} ${onlyRemoved && field === 'labels' ? 'unlabeled' : verb}\n`);
      } catch (e) {
        errors.push(e);
      }
    }
    throwCollected(errors);
    return 0;
  };
}

const commonFlags = [
  SELECTOR_FLAG,
  ALL_NAMESPACES_FLAG,
  { name: 'all', type: 'bool' as const, defaultText: 'false', help: 'Select all resources, in the namespace of the specified resource types' },
  { name: 'overwrite', type: 'bool' as const, defaultText: 'false', help: 'If true, allow values to be overwritten, otherwise reject updates that overwrite existing values.' },
  { name: 'resource-version', type: 'string' as const, defaultText: "''", help: 'If non-empty, the update will only succeed if this is the current resource-version for the object.' },
];

export const labelCommand: Command = {
  name: 'label',
  summary: 'Update the labels on a resource',
  description:
    'Update the labels on a resource.\n\n' +
    ' A label key and value must begin with a letter or number, and may contain letters, numbers, hyphens, dots, and underscores, up to 63 characters each.\n' +
    " If --overwrite is true, then existing labels can be overwritten, otherwise attempting to overwrite a label will result in an error.",
  usage: 'meshctl label [--overwrite] (-f FILENAME | TYPE NAME) KEY_1=VAL_1 ... KEY_N=VAL_N [--resource-version=version] [options]',
  examples:
    "  # Update service 'web' with the label 'tier' and the value 'frontend'\n  meshctl label svc web tier=frontend\n\n" +
    "  # Update service 'web' with the label 'app' and the value 'web2', overwriting any existing value\n  meshctl label --overwrite svc web app=web2\n\n" +
    "  # Remove a label named 'tier' if it exists\n  meshctl label svc web tier-\n",
  flags: commonFlags,
  run: edit('labels', 'label', 'labeled'),
};

export const annotateCommand: Command = {
  name: 'annotate',
  summary: 'Update the annotations on a resource',
  description:
    'Update the annotations on one or more resources.\n\n' +
    ' Annotations are key/value pairs that can be larger than labels and include arbitrary string values such as structured JSON.\n' +
    " If --overwrite is true, then existing annotations can be overwritten, otherwise attempting to overwrite an annotation will result in an error.",
  usage: 'meshctl annotate [--overwrite] (-f FILENAME | TYPE NAME) KEY_1=VAL_1 ... KEY_N=VAL_N [--resource-version=version] [options]',
  examples:
    "  # Update service 'web' with the annotation 'description' and the value 'my frontend'\n  meshctl annotate svc web description='my frontend'\n\n" +
    "  # Remove an annotation named 'description' if it exists\n  meshctl annotate svc web description-\n",
  flags: commonFlags,
  run: edit('annotations', 'annotation', 'annotated'),
};
