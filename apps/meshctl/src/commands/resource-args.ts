/** `TYPE[,TYPE...] [NAME...]` or `TYPE/NAME...`, as kubectl's resource builder reads its arguments. */
import type { Kind } from '@minimesh/api';
import { CliError } from '../cli/errors.js';
import { resolveKind } from '../resources.js';

export interface ResourceArgs {
  /** The kinds, in the order given. */
  kinds: Kind[];
  /** Named objects; empty for a listing of `kinds`. */
  named: { kind: Kind; name: string }[];
  /** True when more than one kind was involved (names are then printed with their kind). */
  multipleKinds: boolean;
}

/** `all` means every kind a workload listing shows in minimesh. */
const ALL: Kind[] = ['Pod', 'Service'];

function kindsOf(spec: string): Kind[] {
  const out: Kind[] = [];
  for (const part of spec.split(',')) {
    if (part === '') continue;
    for (const k of part === 'all' ? ALL : [resolveKind(part)]) if (!out.includes(k)) out.push(k);
  }
  return out;
}

const NO_NEED_FOR_TYPE =
  "there is no need to specify a resource type as a separate argument when passing arguments in resource/name form (e.g. 'meshctl get resource/<resource_name>' instead of 'meshctl get resource resource/<resource_name>'";

/** Throws kubectl's error for an empty name: nothing is requested for "" (it would mean every object). */
function checkName(name: string): string {
  if (name === '') throw new CliError('resource name may not be empty');
  return name;
}

export function parseResourceArgs(args: readonly string[]): ResourceArgs {
  if (args.length === 0) return { kinds: [], named: [], multipleKinds: false };
  if (args[0]!.includes('/')) {
    if (args.some((a) => !a.includes('/'))) throw new CliError(NO_NEED_FOR_TYPE);
    const named = args.map((a) => {
      const parts = a.split('/');
      if (parts.length > 2) throw new CliError('arguments in resource/name form may not have more than one slash');
      const [type, name] = parts as [string, string];
      if (type === '' || name === '') throw new CliError('arguments in resource/name form must have a single resource and name');
      return { kind: resolveKind(type), name };
    });
    const kinds = [...new Set(named.map((n) => n.kind))];
    return { kinds, named, multipleKinds: kinds.length > 1 };
  }
  const [typeArg, ...names] = args;
  if (names.some((n) => n.includes('/'))) throw new CliError(NO_NEED_FOR_TYPE);
  names.forEach(checkName);
  const kinds = kindsOf(typeArg!);
  const named = kinds.flatMap((kind) => names.map((name) => ({ kind, name })));
  return { kinds, named, multipleKinds: kinds.length > 1 || typeArg === 'all' };
}
