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

export function parseResourceArgs(args: readonly string[]): ResourceArgs {
  if (args.length === 0) return { kinds: [], named: [], multipleKinds: false };
  if (args[0]!.includes('/')) {
    const named = args.map((a) => {
      const slash = a.indexOf('/');
      if (slash < 0) {
        throw new CliError(
          "there is no need to specify a resource type as a separate argument when passing arguments in resource/name form (e.g. 'meshctl get resource/<resource_name>' instead of 'meshctl get resource resource/<resource_name>'",
        );
      }
      const kind = resolveKind(a.slice(0, slash));
      return { kind, name: a.slice(slash + 1) };
    });
    const kinds = [...new Set(named.map((n) => n.kind))];
    return { kinds, named, multipleKinds: kinds.length > 1 };
  }
  const [typeArg, ...names] = args;
  if (names.some((n) => n.includes('/'))) {
    throw new CliError(
      "there is no need to specify a resource type as a separate argument when passing arguments in resource/name form (e.g. 'meshctl get resource/<resource_name>' instead of 'meshctl get resource resource/<resource_name>'",
    );
  }
  const kinds = kindsOf(typeArg!);
  const named = kinds.flatMap((kind) => names.map((name) => ({ kind, name })));
  return { kinds, named, multipleKinds: kinds.length > 1 || typeArg === 'all' };
}
