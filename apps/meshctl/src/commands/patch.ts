/**
 * `meshctl patch TYPE NAME -p PATCH [--type strategic|merge|json] [--subresource status]`: sends
 * the patch as kubectl does (strategic by default) and prints `service/web patched`, or
 * `patched (no change)` when the object did not change.
 */
import { applyPatch, type Kind, type PatchType } from '@minimesh/api';
import type { Command, GlobalContext } from '../cli/command.js';
import { CliError } from '../cli/errors.js';
import type { CommandLine } from '@minimesh/runtime';
import type { CommandIO } from '../cli/io.js';
import { isNamespaced, objectRef } from '../resources.js';
import { parseResourceArgs } from './resource-args.js';

const TYPES: Record<string, PatchType> = { json: 'json', merge: 'merge', strategic: 'strategic' };

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
  const body = flags.string('patch');
  if (!body) throw new CliError('must specify -p to patch');
  try {
    JSON.parse(body);
  } catch {
    throw new CliError(`unable to parse "${body}": yaml: did not find expected node content`);
  }
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
    ' JSON and YAML formats are accepted (the patch itself is JSON).',
  usage: 'meshctl patch TYPE NAME -p PATCH [--type strategic|merge|json] [options]',
  examples:
    '  # Partially update a service using a strategic merge patch (ports merge by port and protocol)\n' +
    '  meshctl patch svc web -p \'{"spec":{"ports":[{"port":80,"targetPort":8080}]}}\'\n\n' +
    '  # Replace a label with a JSON patch\n' +
    '  meshctl patch svc web --type=json -p=\'[{"op":"replace","path":"/metadata/labels/app","value":"web2"}]\'\n\n' +
    '  # Set a condition through the status subresource\n' +
    '  meshctl patch svc web --subresource=status --type=merge -p \'{"status":{"conditions":[...]}}\'\n',
  flags: [
    { name: 'patch', short: 'p', type: 'string', defaultText: "''", help: 'The patch to be applied to the resource JSON file.' },
    { name: 'type', type: 'string', defaultText: "'strategic'", help: 'The type of patch being provided; one of [json merge strategic]' },
    { name: 'subresource', type: 'string', defaultText: "''", help: "If specified, patch will operate on the subresource of the requested object. Must be one of [status]." },
    { name: 'dry-run', type: 'string', defaultText: "'none'", help: 'Must be "none" or "client". If client strategy, only check the patch applies, without sending it.' },
  ],
  run: runPatch,
};
