/**
 * The kernel side of nftables mode: one atomic transaction per apply (a failing one changes
 * nothing). Small transactions — the partial syncs — go through a long-lived `nft -i` session
 * (nft-session.ts), which saves a process start and a netlink socket close per sync; large ones
 * (the first sync, full resyncs) through `nft -f -` with the script on stdin. If the session's
 * process keeps dying (an nft built without its CLI), the agent says so once and uses `nft -f -`
 * for everything. The agent runs inside its node's network namespace, so `nft` programs that
 * namespace only. Errors carry nft's stderr.
 */
import { CommandError, type Exec, type Logger } from '@minimesh/runtime';
import { nftErrorSummary } from './nft-errors.js';
import { NftSession, NftSessionError } from './nft-session.js';

export interface NftOptions {
  bin?: string;
  /**
   * The `nft -i` session, started with `prefix` before the command (e.g. ip netns exec NS, to
   * run where `exec` runs its commands); unset: every transaction through `exec`.
   */
  session?: { prefix: readonly string[]; maxBytes?: number };
  log?: Logger;
}

const GIVE_UP_AFTER = 3;

export class Nft {
  private readonly bin: string;
  private session: NftSession | undefined;
  private readonly sessionMaxBytes: number;
  private sessionFailures = 0;

  constructor(
    private readonly exec: Exec,
    private readonly o: NftOptions = {},
  ) {
    this.bin = o.bin ?? 'nft';
    // Scripts up to this size go through the session (partial syncs); larger ones through `nft -f -`.
    this.sessionMaxBytes = o.session?.maxBytes ?? 1 << 20;
    if (o.session !== undefined) this.session = new NftSession({ bin: this.bin, prefix: o.session.prefix });
  }

  async apply(script: string): Promise<void> {
    if (this.session !== undefined && script.length <= this.sessionMaxBytes) {
      try {
        await this.session.apply(script);
        this.sessionFailures = 0;
        return;
      } catch (e) {
        // The session died: the transaction's fate is unknown, so it is not sent again (a
        // rule added twice would stay twice); the failure makes the proxier rebuild the table.
        if (e instanceof NftSessionError && ++this.sessionFailures >= GIVE_UP_AFTER) {
          this.o.log?.warn(`\`${this.bin} -i\` failed ${GIVE_UP_AFTER} times in a row; using \`${this.bin} -f -\` for every sync`, { err: e.message });
          this.session.close();
          this.session = undefined;
        }
        throw e;
      }
    }
    const r = await this.exec(this.bin, ['-f', '-'], script);
    if (r.code !== 0) throw new CommandError(`${this.bin} -f -`, r.code, nftErrorSummary(r.stderr));
  }

  /** Ends the `nft -i` session. */
  close(): void {
    this.session?.close();
  }

  /** `nft --version` works (the binary is there). */
  async available(): Promise<boolean> {
    try {
      return (await this.exec(this.bin, ['--version'])).code === 0;
    } catch {
      return false;
    }
  }
}
