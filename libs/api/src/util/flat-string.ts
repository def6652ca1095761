/**
 * `s` itself, flattened. A string built by concatenation is a rope in V8 (a tree of pieces, about
 * 32 bytes per piece on top of the text) and stays one while it is only stored or hashed as a map
 * key; reading a character flattens it in place, and the next young-generation collection drops
 * the tree. For the strings a process keeps for long (service port keys and names, endpoint
 * addresses, nftables element keys, chain names, informer cache keys): at 10,000 Services ropes
 * were ~10 MiB of the node agent's heap.
 * Semantically a no-op.
 */
export function flat(s: string): string {
  s.charCodeAt(0);
  return s;
}
