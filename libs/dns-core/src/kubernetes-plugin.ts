/**
 * The `kubernetes` plugin: answers the cluster zones from the current snapshot with the pure
 * handler, passes everything else on, and completes answers that end in an out-of-zone CNAME
 * (ExternalName) by resolving the target through the chain, the way CoreDNS's upstream does.
 */
import type { ClusterSnapshot } from './cluster-snapshot.js';
import { serveKubernetes } from './kubernetes-handler.js';
import { Rcode, reply, type ReplyMessage } from './message.js';
import { messageResponse, type DnsResponse, type Plugin } from './plugin.js';
import type { KubernetesConfig } from './zone-config.js';
import { pushAll } from '@minimesh/api';

export const KUBERNETES_PLUGIN = 'kubernetes';

/** An answer made from the snapshot alone: the same while it is current (DnsResponse.reuse). */
function fromSnapshot(message: ReplyMessage): DnsResponse {
  return { plugin: KUBERNETES_PLUGIN, rcode: message.rcode, message, reuse: {} };
}

export function kubernetesPlugin(config: KubernetesConfig, snapshot: () => ClusterSnapshot): Plugin {
  return {
    name: KUBERNETES_PLUGIN,
    setup: (next, chain) => async (req) => {
      const out = serveKubernetes(snapshot(), config, req.question);
      if (out.kind === 'next') return next(req);
      if (out.kind === 'refused') return fromSnapshot(reply(Rcode.REFUSED));
      const { message, chase } = out;
      if (!chase) return fromSnapshot(message);
      // Completed through the chain: depends on more than the snapshot.
      const found = await chain.lookup(chase.name, chase.type, req);
      if (found) {
        pushAll(message.answer, found.answer);
        if (found.truncated) message.truncated = true;
      }
      return messageResponse(KUBERNETES_PLUGIN, message);
    },
  };
}
