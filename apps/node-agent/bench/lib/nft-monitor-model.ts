/**
 * The part of the kube-proxy nftables table the latency benchmark looks at — the service-ips
 * map's elements and one chain's rules — kept from the lines of `nft -a monitor` instead of
 * dumped after every commit. The monitor prints each change of a transaction on a line:
 *   add element ip kube-proxy service-ips { 10.96.1.9 . tcp . 80 comment "ns/svc:http" : goto service-… }
 *   delete element ip kube-proxy service-ips { … the same text … }
 *   add rule ip kube-proxy <chain> <rule> # handle 87
 *   delete rule ip kube-proxy <chain> handle 87     (a flushed chain: one per rule)
 *   delete chain ip kube-proxy <chain>
 *   delete table ip kube-proxy
 * and "# new generation N …" when the transaction committed; the caller reads `text()` then.
 */
export class NftMonitorModel {
  private readonly elements = new Set<string>();
  /** The chain's rules by handle. */
  private readonly rules = new Map<string, string>();

  constructor(
    private readonly table: string,
    private readonly chain?: string,
  ) {}

  apply(line: string): void {
    const t = `ip ${this.table}`;
    const element = /^(add|delete) element (\S+ \S+) service-ips \{ (.*) \}$/.exec(line);
    if (element !== null) {
      if (element[2] !== t) return;
      // Several elements in one line start each with their address.
      for (const e of element[3]!.split(/, (?=\d+\.\d+\.\d+\.\d+ \. )/)) {
        if (element[1] === 'add') this.elements.add(e);
        else this.elements.delete(e);
      }
      return;
    }
    if (line === `delete table ${t}`) {
      this.elements.clear();
      this.rules.clear();
      return;
    }
    if (this.chain === undefined) return;
    const add = `add rule ${t} ${this.chain} `;
    if (line.startsWith(add)) {
      const handle = / # handle (\d+)$/.exec(line);
      if (handle !== null) this.rules.set(handle[1]!, line.slice(add.length, handle.index));
      return;
    }
    const del = `delete rule ${t} ${this.chain} handle `;
    if (line.startsWith(del)) this.rules.delete(line.slice(del.length).trim());
    else if (line === `delete chain ${t} ${this.chain}`) this.rules.clear();
  }

  /** The elements, one per line, then the chain's rules. */
  text(): string {
    return [...this.elements, ...this.rules.values()].join('\n');
  }
}
