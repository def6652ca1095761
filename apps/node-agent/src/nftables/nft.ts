/**
 * The kernel side of nftables mode: `nft -f -` with the script on stdin, one atomic
 * transaction (a failing script changes nothing). The agent runs inside its node's network
 * namespace, so `nft` programs that namespace only. Errors carry nft's stderr.
 */
import { CommandError, type Exec } from '@minimesh/runtime';

export class Nft {
  constructor(
    private readonly exec: Exec,
    private readonly bin = 'nft',
  ) {}

  async apply(script: string): Promise<void> {
    const r = await this.exec(this.bin, ['-f', '-'], script);
    if (r.code !== 0) throw new CommandError(`${this.bin} -f -`, r.code, r.stderr);
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
