/**
 * The desired nftables state of one node as one fresh `nft -f -` script, in kube-proxy's
 * nftables layout: a pure function of the Services, endpoints, node and options (the same
 * input gives the same text). The node agent keeps an NftablesRuleset instead, which sends
 * only differences after the first sync; this is its first transaction.
 */
import type { EndpointsMap } from '../endpoint-info.js';
import type { RenderNode } from '../render-options.js';
import type { ServicePortMap } from '../service-port.js';
import { NftablesRuleset, type NftRenderOptions, type NftTransaction } from './nftables-ruleset.js';

export interface NftRenderInput {
  services: ServicePortMap;
  endpoints: EndpointsMap;
  node: RenderNode;
  opts?: NftRenderOptions;
}

export function renderNftables(input: NftRenderInput): NftTransaction {
  return new NftablesRuleset(input.opts).transaction({ services: input.services, endpoints: input.endpoints, node: input.node, now: 0 });
}
