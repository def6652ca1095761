/**
 * The one gate between object names and the kernel. Names reach iptables-restore input (rule
 * comments, `-m comment --comment ns/svc:port`), nft scripts (chain and set names built from
 * `ns/svc/proto/port`, comments) and the userspace portal rules. Those grammars are line- and
 * token-based: a `"`, a newline or a `;` in a name would end the comment and start a rule of the
 * writer's choosing. The apiserver never accepts such names, but the node agent does not rely on
 * that (objects can arrive over NATS, or from a buggy writer):
 *
 * - `serviceNameProblem` checks a service port's names the way the apiserver validates them
 *   (namespace: DNS-1123 label; Service name: DNS-1035 label; port name: DNS-1123 label, as
 *   ValidateService in kubernetes/kubernetes pkg/apis/core/validation/validation.go does). A
 *   Service that fails is not proxied at all (servicePortsFromService leaves it out).
 * - `kernelComment` quotes a comment for iptables or nft whatever it holds: anything but
 *   printable ASCII other than `"` and `\` becomes `_`, and it is cut to the kernel's length
 *   (iptables' xt_comment: 256 bytes with the NUL; nft: 128 bytes), so a comment is always one
 *   token on one line; `kernelWord` is the unquoted form (`--comment ns/svc:port`), letters,
 *   digits and `._/:-` only.
 */
import { isDNS1035Label, isDNS1123Label } from '@minimesh/api';

export interface ServiceNames {
  namespace: string;
  name: string;
  port: string;
}

/** Why these names may not reach the kernel, or undefined when they may. */
export function serviceNameProblem(n: ServiceNames): string | undefined {
  const problems = [
    ...isDNS1123Label(n.namespace).map((m) => `namespace ${JSON.stringify(n.namespace)}: ${m}`),
    ...isDNS1035Label(n.name).map((m) => `name ${JSON.stringify(n.name)}: ${m}`),
    ...(n.port === '' ? [] : isDNS1123Label(n.port).map((m) => `port name ${JSON.stringify(n.port)}: ${m}`)),
  ];
  return problems.length ? problems.join('; ') : undefined;
}

export const IPTABLES_COMMENT_MAX = 255;
export const NFT_COMMENT_MAX = 127;

/** `"text"`, safe as one iptables or nft token: printable ASCII only, no quote or backslash, cut to `max`. */
export function kernelComment(text: string, max = IPTABLES_COMMENT_MAX): string {
  const safe = text.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return `"${safe.length > max ? safe.slice(0, max) : safe}"`;
}

/** An unquoted token: letters, digits and `._/:-`; anything else becomes `_`. */
export function kernelWord(text: string, max = IPTABLES_COMMENT_MAX): string {
  const safe = text.replace(/[^A-Za-z0-9._/:-]/g, '_');
  return safe.length > max ? safe.slice(0, max) : safe;
}
