/**
 * The plugin chain (CoreDNS plugin/plugin.go and core/dnsserver): a request goes down an ordered
 * array of plugins; each answers or hands the request to the next one. The chain is built back
 * to front from one array, so the order in that array is the order of execution. A request that
 * falls off the end is SERVFAIL (plugin.NextOrFailure).
 */
import { Rcode, reply, type Question, type ReplyMessage, type ResourceRecord } from './message.js';

export interface Edns {
  /** The client's advertised UDP payload size. */
  udpSize: number;
  version: number;
  dnssecOk: boolean;
}

export interface Remote {
  address: string;
  port: number;
  family: 4 | 6;
}

export interface DnsRequest {
  id: number;
  opcode: number;
  recursionDesired: boolean;
  checkingDisabled: boolean;
  question: Question;
  edns?: Edns;
  proto: 'udp' | 'tcp';
  remote: Remote;
  /** The query as it arrived: forwarding sends it on, the cache keys responses to it. */
  wire: Uint8Array;
  /** Made by the server itself (an ExternalName target lookup, the loop probe). */
  internal: boolean;
  /**
   * An internal request made for a client's query (an ExternalName target): `remote` is that
   * client, and access control applies to it as to the client (CoreDNS's upstream lookups run the
   * whole chain with the client's address). Unset for the server's own probes.
   */
  forClient?: boolean;
}

/**
 * A reply as sections (written by a plugin), or a whole upstream message (forward, cache).
 * `reuse`: the same query may get the same answer again while the cluster snapshot stays the
 * same (and before `until`, ms since the epoch), so the server may keep its bytes; `recount`
 * counts what the plugin counts when it answers (its metrics).
 */
export type DnsResponse =
  | { plugin: string; rcode: number; message: ReplyMessage; wire?: undefined; reuse?: Reuse }
  | { plugin: string; rcode: number; wire: Uint8Array; message?: undefined; reuse?: Reuse };

export interface Reuse {
  until?: number;
  recount?: () => void;
}

export type Handler = (req: DnsRequest) => Promise<DnsResponse>;

/** The rcode of a response that must not be sent at all (CoreDNS acl's `drop`). */
export const NO_REPLY = -1;

/** What plugins may ask of the whole chain. */
export interface ChainContext {
  /**
   * Resolves a name through the chain from its start (CoreDNS's upstream.Lookup), e.g. the
   * target of an ExternalName CNAME; undefined when the lookup failed.
   */
  lookup(name: string, type: 'A' | 'AAAA', parent: DnsRequest): Promise<LookupResult | undefined>;
}

export interface LookupResult {
  rcode: number;
  truncated: boolean;
  answer: ResourceRecord[];
}

export interface Plugin {
  readonly name: string;
  setup(next: Handler, chain: ChainContext): Handler;
}

export function messageResponse(plugin: string, message: ReplyMessage): DnsResponse {
  return { plugin, rcode: message.rcode, message };
}

/** What runs when no plugin answered. */
export const noHandler: Handler = async () => messageResponse('', reply(Rcode.SERVFAIL));

export function buildChain(plugins: readonly Plugin[], chain: ChainContext): Handler {
  let next = noHandler;
  for (let i = plugins.length - 1; i >= 0; i--) next = plugins[i]!.setup(next, chain);
  return next;
}
