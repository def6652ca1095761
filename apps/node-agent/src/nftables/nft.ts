/**
 * The kernel side of nftables mode: one atomic transaction per apply (a failing one changes
 * nothing), but for a fresh load on a node without the table, which goes in stages that traffic
 * sees only once all are in (a failing one leaves a table that acts on nothing; the proxier then
 * rebuilds it in one transaction). Transactions whose every line nft-netlink-batch.ts knows (those NftablesRuleset
 * writes, but for a few option combinations) go to the kernel as one netlink batch through a
 * long-lived helper (nft-netlink-session.ts), without nft's parsing and cache fill, or as the
 * stages of nft-staged-load.ts; other small
 * transactions go through a long-lived `nft -i` session (nft-session.ts), which saves a process
 * start and a netlink socket close per sync; other large ones through `nft -f -` with the script
 * on stdin. If a helper process keeps dying (an nft built
 * without its CLI), the agent says so once and stops using it. The agent runs inside its node's
 * network namespace, so what it starts programs that namespace only. Errors carry nft's stderr,
 * or the kernel's refusal with the command it concerns.
 */
import { CommandError, type Exec, type Logger } from '@minimesh/runtime';
import { nftScript } from '@minimesh/proxy-core';
import { MemoryReleaser } from '../release-memory.js';
import { nftErrorSummary } from './nft-errors.js';
import { nftNetlinkBatch, nftNetlinkBatchFrom, type NftNetlinkBatch } from './nft-netlink-batch.js';
import { NftNetlinkRefusedError, NftNetlinkSession, NftNetlinkSessionError, NftNetlinkStartError } from './nft-netlink-session.js';
import { STAGE_BYTES, stagedLoad, type StagedLoad } from './nft-staged-load.js';
import { NftSession, NftSessionError } from './nft-session.js';

export interface NftOptions {
  bin?: string;
  /**
   * The `nft -i` session, started with `prefix` before the command (e.g. ip netns exec NS, to
   * run where `exec` runs its commands); unset: every transaction through `exec`.
   */
  session?: { prefix: readonly string[]; maxBytes?: number };
  /**
   * The netlink helper, started like the session; unset: none. Without the built helper, or
   * one that cannot run, the agent says so once and uses nft.
   */
  netlink?: { prefix: readonly string[]; helper?: string };
  log?: Logger;
}

const GIVE_UP_AFTER = 3;

export class Nft {
  private readonly bin: string;
  private session: NftSession | undefined;
  private readonly sessionMaxBytes: number;
  private sessionFailures = 0;
  private netlink: NftNetlinkSession | undefined;
  private netlinkFailures = 0;
  private readonly memory: MemoryReleaser;

  constructor(
    private readonly exec: Exec,
    private readonly o: NftOptions = {},
  ) {
    this.bin = o.bin ?? 'nft';
    this.memory = new MemoryReleaser(o.log);
    // Scripts up to this size go through the session (partial syncs); larger ones through `nft -f -`.
    this.sessionMaxBytes = o.session?.maxBytes ?? 1 << 20;
    if (o.session !== undefined) this.session = new NftSession({ bin: this.bin, prefix: o.session.prefix });
    if (o.netlink !== undefined) {
      const netlink = new NftNetlinkSession({ prefix: o.netlink.prefix, helper: o.netlink.helper });
      if (netlink.available()) this.netlink = netlink;
      else o.log?.warn(`${netlink.helper} is not built (tools/setup.sh builds it): every sync goes through \`${this.bin}\`, which parses it and reads every chain first`);
    }
  }

  /** Transactions the kernel took as netlink batches (`staged`: of them, fresh loads in stages), and through nft. */
  readonly applied = { netlink: 0, staged: 0, nft: 0 };

  /** One transaction: its script, or its lines (joined only if nft must read them). */
  async apply(transaction: string | readonly string[]): Promise<void> {
    const lines = typeof transaction === 'string' ? transaction.split('\n') : transaction;
    if (this.netlink !== undefined) {
      try {
        if (await this.viaNetlink(this.netlink, lines)) {
          this.netlinkFailures = 0;
          this.applied.netlink++;
          return;
        }
      } catch (e) {
        if (e instanceof NftNetlinkStartError) {
          // It cannot run here: this transaction and every later one go through nft. (Nothing
          // was sent, or stages of a fresh load that hook nothing: nft's transaction deletes
          // the table and builds it again.)
          this.o.log?.warn(`minimesh-nft-batch cannot run; sending every sync through \`${this.bin}\``, { err: e.message });
          this.netlink.close();
          this.netlink = undefined;
        } else {
          if (e instanceof NftNetlinkSessionError && ++this.netlinkFailures >= GIVE_UP_AFTER) {
            this.o.log?.warn(`minimesh-nft-batch failed ${GIVE_UP_AFTER} times in a row; sending every sync through \`${this.bin}\``, { err: e.message });
            this.netlink.close();
            this.netlink = undefined;
          }
          throw e;
        }
      }
    }
    this.applied.nft++;
    const script = typeof transaction === 'string' ? transaction : nftScript(lines);
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

  /** The transaction as netlink batches; false when a line is not one the encoder knows (nft sends it). */
  private async viaNetlink(netlink: NftNetlinkSession, lines: readonly string[]): Promise<boolean> {
    const plan = stagedLoad(lines);
    if (plan !== undefined) {
      const staged = await this.loadInStages(netlink, plan);
      if (staged !== 'table-exists') return staged === 'loaded';
    }
    const batch = nftNetlinkBatch(lines, 1);
    if (batch === undefined) return false;
    await netlink.apply(batch);
    this.memory.wrote(batch.bytes.length);
    return true;
  }

  /**
   * A fresh load in stages (nft-staged-load.ts): 'table-exists' when the kernel has the table
   * (nothing was sent: the caller sends one batch), 'unknown-line' when a line is not one the
   * encoder knows (what was sent hooks nothing; nft's transaction deletes it with the table).
   */
  private async loadInStages(netlink: NftNetlinkSession, plan: StagedLoad): Promise<'loaded' | 'table-exists' | 'unknown-line'> {
    // Made before anything is sent: a line the encoder does not know in them sends nothing.
    const create = nftNetlinkBatch(plan.body.slice(0, 1), 1);
    const first = nftNetlinkBatchFrom(plan.body, 1, 1, STAGE_BYTES);
    const hooks = nftNetlinkBatch(plan.hooks, 1);
    if (create === undefined || first === undefined || hooks === undefined) return 'unknown-line';
    // The table alone first: if it is there, the kernel refuses just that.
    try {
      await netlink.apply(create);
    } catch (e) {
      if (e instanceof NftNetlinkRefusedError && e.errno === 'EEXIST' && e.line === plan.body[0]) return 'table-exists';
      throw e;
    }
    let bytes = 0;
    let unknown = false;
    const firstStage: { batch: NftNetlinkBatch; next: number } = first;
    function* stages(): Generator<NftNetlinkBatch> {
      for (let stage = firstStage; ; ) {
        bytes += stage.batch.bytes.length;
        yield stage.batch;
        if (stage.next >= plan.body.length) return;
        const next = nftNetlinkBatchFrom(plan.body, stage.next, 1, STAGE_BYTES);
        if (next === undefined) {
          unknown = true;
          return;
        }
        stage = next;
      }
    }
    await netlink.applyEach(stages());
    if (unknown) return 'unknown-line';
    // Every stage is in: now the table acts on packets.
    await netlink.apply(hooks);
    this.applied.staged++;
    this.memory.wrote(bytes);
    return 'loaded';
  }

  /** Ends the `nft -i` session and the netlink helper. */
  close(): void {
    this.session?.close();
    this.netlink?.close();
    this.memory.cancel();
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
