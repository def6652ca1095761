/**
 * aliasProblem: what Go's YAML reader (and so kubectl) says about a document's aliases, where the
 * `yaml` package would do worse:
 * - an alias to an anchor not set before it: `unknown anchor 'b' referenced` (the package throws a
 *   bare ReferenceError);
 * - an anchor whose value holds an alias to itself (`a: &a {b: *a}`, `a: &a {<<: *a}`), which has
 *   no finite JSON form: `anchor 'a' value contains itself` (the package builds a cyclic object or
 *   recurses until the stack ends).
 * Walked with an explicit stack, so a deep document cannot overflow it.
 */
import YAML from 'yaml';

type Visit = { node: unknown; leave: boolean };

function childrenOf(node: unknown): unknown[] {
  if (YAML.isCollection(node)) return [...(node.items as unknown[])];
  if (YAML.isPair(node)) return [node.key, node.value];
  return [];
}

export function aliasProblem(doc: YAML.Document.Parsed): string | undefined {
  const open = new Set<unknown>(); // the nodes enclosing the current one
  const stack: Visit[] = [{ node: doc.contents, leave: false }];
  while (stack.length > 0) {
    const { node, leave } = stack.pop()!;
    if (leave) {
      open.delete(node);
      continue;
    }
    if (YAML.isAlias(node)) {
      const target = node.resolve(doc);
      if (target === undefined) return `unknown anchor '${node.source}' referenced`;
      if (open.has(target)) return `anchor '${node.source}' value contains itself`;
      continue;
    }
    open.add(node);
    stack.push({ node, leave: true });
    for (const child of childrenOf(node).reverse()) stack.push({ node: child, leave: false });
  }
  return undefined;
}
