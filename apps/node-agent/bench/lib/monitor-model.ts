/**
 * The rules the latency benchmark looks at, kept from the lines of `nft -a monitor` instead of
 * dumped after every commit. The monitor prints each change of a transaction on a line, for
 * nft's own tables and for iptables-nft's alike:
 *   add element ip kube-proxy service-ips { 10.96.1.9 . tcp . 80 comment "ns/svc:http" : goto service-… }
 *   delete element ip kube-proxy service-ips { … the same text … }
 *   add rule ip nat KUBE-SERVICES <rule> # handle 87        (also `insert rule`, and `… <chain> handle N <rule>`)
 *   delete rule ip nat KUBE-SERVICES handle 87              (a flushed chain: one per rule)
 *   delete chain ip nat KUBE-SVC-…
 *   delete map ip kube-proxy service-ips # handle 12
 *   delete table ip nat # handle 3
 * and "# new generation N …" once the transaction committed; the caller reads `text()` then. (A
 * line nft wraps, as it does for several elements of a concatenated map, is joined by the caller.)
 * (iptables-nft's `-m comment` text is not printed: the iptables predicates go by chain names.)
 */
export interface MonitorModelOptions {
  /** The table, as the monitor names it: `ip kube-proxy`, `ip nat`. */
  table: string;
  /** A map or set whose elements to keep (nftables' service-ips). */
  elementsOf?: string;
  /** Which rules to keep: by chain, and by the rule's text. */
  keepRule: (chain: string, rule: string) => boolean;
}

const ELEMENT = /^(add|delete) element (\S+ \S+) (\S+) \{ (.*) \}$/;
const ADD_RULE = /^(?:add|insert) rule (\S+ \S+) (\S+) (?:handle \d+ +)?(.*?) +# handle (\d+)$/;
const DELETE_RULE = /^delete rule (\S+ \S+) (\S+) handle (\d+)$/;
const DELETE_CHAIN = /^delete chain (\S+ \S+) (\S+)$/;
const DELETE_SET = /^delete (?:map|set) (\S+ \S+) (\S+)$/;
const HANDLE = / # handle \d+$/;

export class MonitorModel {
  private readonly elements = new Set<string>();
  /** Rules kept, by handle: `<chain> <rule>`. */
  private readonly rules = new Map<string, string>();

  constructor(private readonly o: MonitorModelOptions) {}

  /** Takes one line of the monitor's; true if what `text()` gives changed. */
  apply(printed: string): boolean {
    let m: RegExpExecArray | null;
    // Rules keep their handle; other lines do not need it.
    const line = printed.startsWith('add rule ') || printed.startsWith('insert rule ') ? printed : printed.replace(HANDLE, '');
    if ((m = ELEMENT.exec(line)) !== null) {
      if (m[2] !== this.o.table || m[3] !== this.o.elementsOf) return false;
      // Several elements in one line start each with their address.
      for (const e of m[4]!.split(/,\s+(?=\d+\.\d+\.\d+\.\d+ \. )/)) {
        if (m[1] === 'add') this.elements.add(e);
        else this.elements.delete(e);
      }
      return true;
    }
    if ((m = ADD_RULE.exec(line)) !== null) {
      if (m[1] !== this.o.table || !this.o.keepRule(m[2]!, m[3]!)) return false;
      this.rules.set(m[4]!, `${m[2]} ${m[3]}`);
      return true;
    }
    if ((m = DELETE_RULE.exec(line)) !== null) return m[1] === this.o.table && this.rules.delete(m[3]!);
    if ((m = DELETE_CHAIN.exec(line)) !== null) {
      // Its rules were deleted first (the kernel refuses to delete a chain with rules).
      if (m[1] !== this.o.table) return false;
      let changed = false;
      for (const [handle, rule] of this.rules) if (rule.startsWith(`${m[2]} `)) changed = this.rules.delete(handle) || changed;
      return changed;
    }
    if ((m = DELETE_SET.exec(line)) !== null) {
      if (m[1] !== this.o.table || m[2] !== this.o.elementsOf) return false;
      this.elements.clear();
      return true;
    }
    if (line !== `delete table ${this.o.table}`) return false;
    this.elements.clear();
    this.rules.clear();
    return true;
  }

  /** The elements, one per line, then the rules kept, each as `<chain> <rule>`. */
  text(): string {
    return [...this.elements, ...this.rules.values()].join('\n');
  }
}
