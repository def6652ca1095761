/**
 * `meshctl patch TYPE NAME (-p PATCH | --patch-file FILE) [--type strategic|merge|json] [--subresource status]`: sends
 * the patch as kubectl does (strategic by default) and prints `service/web patched`, or
 * `patched (no change)` when the object did not change.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { applyPatch, type Kind, type PatchType } from '@minimesh/api';
import type { Command, GlobalContext } from '../cli/command.js';
import { CliError } from '../cli/errors.js';
import type { CommandLine } from '@minimesh/runtime';
import type { CommandIO } from '../cli/io.js';
import { isNamespaced, objectRef } from '../resources.js';
import { parseResourceArgs } from './resource-args.js';

const TYPES: Record<string, PatchType> = { json: 'json', merge: 'merge', strategic: 'strategic' };

/** The patch text of `-p` or `--patch-file`, exactly one of them, as kubectl takes it. */
function readPatch(flags: CommandLine, io: CommandIO): string {
  const inline = flags.string('patch');
  const file = flags.string('patch-file');
  if (inline && file) throw new CliError('cannot specify --patch and --patch-file together');
  let text = inline;
  if (file) {
    try {
      text = readFileSync(path.resolve(io.cwd ?? process.cwd(), file), 'utf8');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new CliError(`unable to read patch file: open ${file}: ${code === 'ENOENT' ? 'no such file or directory' : code === 'EISDIR' ? 'is a directory' : (e as Error).message}`);
    }
  }
  if (!text) throw new CliError('must specify --patch or --patch-file containing the contents of the patch');
  return text;
}

/**
 * The patch as JSON: kubectl takes YAML too, converting it; a patch starting with `{` goes as it
 * is (the apiserver reports it if it is not JSON).
 */
function patchBody(text: string): string {
  if (text.trimStart().startsWith('{')) return text;
  const doc = YAML.parseDocument(text, { version: '1.1' });
  const err = doc.errors[0];
  if (err) {
    const line = err.linePos?.[0]?.line;
    const msg = err.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
    throw new CliError(`unable to parse "${text}": yaml: ${line ? `line ${line}: ` : ''}${msg}`);
  }
  return JSON.stringify(doc.toJS() ?? null);
}

/** The one object a `TYPE NAME` or `TYPE/NAME` argument names. */
export function singleTarget(positionals: readonly string[], ctx: GlobalContext, verb: string): { kind: Kind; namespace: string; name: string } {
  const args = parseResourceArgs(positionals);
  if (args.named.length !== 1) throw new CliError(`${verb} requires exactly one resource and name`, `See 'meshctl ${verb} -h' for help and examples`);
  const { kind, name } = args.named[0]!;
  return { kind, name, namespace: isNamespaced(kind) ? ctx.namespace : '' };
}

export async function runPatch(flags: CommandLine, io: CommandIO, ctx: GlobalContext): Promise<number> {
  const type = TYPES[flags.string('type', 'strategic')];
  if (!type) throw new CliError(`--type must be one of [json merge strategic], not "${flags.string('type')}"`);
  const body = patchBody(readPatch(flags, io));
  const target = singleTarget(flags.positionals, ctx, 'patch');
  const subresource = flags.string('subresource');
  if (subresource && subresource !== 'status') throw new CliError(`invalid subresource value: "${subresource}". Must be one of [status]`);
  if (flags.string('dry-run', 'none') === 'client') {
    const live = await io.client.get(target.kind, target.namespace, target.name);
    applyPatch(target.kind, live, type, body);
    io.stdout.write(`${objectRef(target.kind, target.name)} patched (dry run)\n`);
    return 0;
  }
  const before = await io.client.get(target.kind, target.namespace, target.name);
  const after = await io.client.patch(target.kind, target.namespace, target.name, type, body, subresource ? { subresource: 'status' } : {});
  const changed = after.metadata.resourceVersion !== before.metadata.resourceVersion;
  io.stdout.write(`${objectRef(target.kind, target.name)} patched${changed ? '' : ' (no change)'}\n`);
  return 0;
}

export const patchCommand: Command = {
  name: 'patch',
  summary: 'Update fields of a resource',
  description:
    'Update fields of a resource using strategic merge patch, a JSON merge patch, or a JSON patch.\n\n' +
    ' JSON and YAML formats are accepted, for the patch too (-p or --patch-file).',
  usage: 'meshctl patch TYPE NAME (-p PATCH | --patch-file FILE) [--type strategic|merge|json] [options]',
  examples:
    '  # Partially update a service using a strategic merge patch (ports merge by port and protocol)\n' +
    '  meshctl patch svc web -p \'{"spec":{"ports":[{"port":80,"targetPort":8080}]}}\'\n\n' +
    '  # Replace a label with a JSON patch\n' +
    '  meshctl patch svc web --type=json -p=\'[{"op":"replace","path":"/metadata/labels/app","value":"web2"}]\'\n\n' +
    '  # Set a condition through the status subresource\n' +
    '  meshctl patch svc web --subresource=status --type=merge -p \'{"status":{"conditions":[...]}}\'\n',
  flags: [
    { name: 'patch', short: 'p', type: 'string', defaultText: "''", help: 'The patch to be applied to the resource JSON file.' },
    { name: 'patch-file', type: 'string', defaultText: "''", help: 'A file containing a patch to be applied to the resource.' },
    { name: 'type', type: 'string', defaultText: "'strategic'", help: 'The type of patch being provided; one of [json merge strategic]' },
    { name: 'subresource', type: 'string', defaultText: "''", help: "If specified, patch will operate on the subresource of the requested object. Must be one of [status]." },
    { name: 'dry-run', type: 'string', defaultText: "'none'", help: 'Must be "none" or "client". If client strategy, only check the patch applies, without sending it.' },
  ],
  run: runPatch,
};
