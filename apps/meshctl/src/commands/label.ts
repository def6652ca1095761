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

const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** kubectl's client-side check of a label value (apimachinery's IsValidLabelValue, in its words). */
function labelValueProblems(value: string): string[] {
  const out: string[] = [];
  if (value.length > 63) out.push('must be no more than 63 characters');
  if (!LABEL_VALUE.test(value)) {
    out.push(
      "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character " +
        "(e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
    );
  }
  return out;
}

function parseChanges(args: readonly string[], what: string): Changes {
  const set = new Map<string, string>();
  const remove: string[] = [];
  for (const a of args) {
    if (a.endsWith('-') && !a.includes('=')) {
      remove.push(a.slice(0, -1));
      continue;
    }
    if (!a.includes('=')) throw new CliError(`invalid ${what} spec: ${a}`);
    const key = a.slice(0, a.indexOf('='));
    const value = a.slice(a.indexOf('=') + 1);
    if (what === 'label') {
      // A label is exactly KEY=VALUE, and its value is checked before anything is sent.
      if (value.includes('=')) throw new CliError(`invalid label spec: ${a}`);
      const problems = labelValueProblems(value);
      if (problems.length) throw new CliError(`invalid label value: "${a}": ${problems.join('; ')}`);
    }
    set.set(key, value);
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

/** An object to edit, or why it could not be read (reported at the end while the others are edited). */
type Target = { object: KubeObject } | { error: unknown };

async function targetsOf(resources: string[], flags: CommandLine, io: CommandIO, ctx: GlobalContext): Promise<Target[]> {
  const args = parseResourceArgs(resources);
  const selector = flags.string('selector');
  if (args.kinds.length === 0) throw new CliError('one or more resources must be specified as <resource> <name> or <resource>/<name>');
  if (args.named.length > 0) {
    if (selector || flags.bool('all')) throw new CliError('name cannot be provided when a selector is specified');
    const out: Target[] = [];
    for (const { kind, name } of args.named) {
      try {
        out.push({ object: await io.client.get(kind, isNamespaced(kind) ? ctx.namespace : '', name) });
      } catch (error) {
        out.push({ error });
      }
    }
    return out;
  }
  if (!selector && !flags.bool('all')) throw new CliError('resource(s) were provided, but no name was specified');
  const out: KubeObject[] = [];
  for (const kind of args.kinds) {
    const namespace = isNamespaced(kind) && !flags.bool('all-namespaces') ? ctx.namespace : '';
    pushAll(out, (await io.client.list(kind, { namespace, labelSelector: selector || undefined })).items.sort(byNamespaceAndName));
  }
  return out.map((object) => ({ object }));
}

/** kubectl's refusal to change values without --overwrite: the first label, or every annotation. */
function overwriteError(field: Field, before: Record<string, string>, set: Map<string, string>): CliError | undefined {
  const clashes = [...set].filter(([k, v]) => k in before && before[k] !== v).map(([k]) => `'${k}' already has a value (${before[k]})`);
  if (clashes.length === 0) return undefined;
  if (field === 'labels') return new CliError(`${clashes[0]}, and --overwrite is false`);
  return new CliError(`--overwrite is false but found the following declared annotation(s): ${clashes.join('; ')}`);
}

function edit(field: Field, what: string, verb: string) {
  return async (flags: CommandLine, io: CommandIO, ctx: GlobalContext): Promise<number> => {
    const { resources, changes } = splitArgs(flags.positionals);
    const wanted = parseChanges(changes, what);
    const targets = await targetsOf(resources, flags, io, ctx);
    const errors: unknown[] = [];
    for (const target of targets) {
      if ('error' in target) {
        errors.push(target.error);
        continue;
      }
      const obj = target.object;
      const before = { ...(obj.metadata[field] ?? {}) };
      const after = { ...before };
      try {
        const clash = flags.bool('overwrite') ? undefined : overwriteError(field, before, wanted.set);
        if (clash) throw clash;
        for (const [k, v] of wanted.set) after[k] = v;
        for (const k of wanted.remove) {
          if (field === 'labels' && !(k in before)) io.stdout.write(`label "${k}" not found.\n`);
          delete after[k];
        }
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
