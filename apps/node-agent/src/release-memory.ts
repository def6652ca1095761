/**
 * One full garbage collection, for after a one-off burst of allocation: a first sync at 10,000
 * Services builds and drops ~100 MB of text and parse garbage within a second, and an idle agent
 * may keep that heap (and its RSS) for minutes, since V8 starts its memory reducer only after a
 * full collection of its own. It pauses the event loop for one collection of the live heap
 * (~0.1 s at that size).
 *
 * Node exposes gc() only with --expose-gc; the flag is set here, at the first call, and the
 * function taken from a new context (where V8 installs it once the flag is on). It is called
 * without options: on Node 20's V8, gc({ type: 'major', … }) returned without collecting this
 * garbage (measured), the plain call collects it.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { Logger } from '@minimesh/runtime';

let gc: (() => void) | undefined;

export function releaseMemory(): void {
  if (gc === undefined) {
    setFlagsFromString('--expose-gc');
    gc = runInNewContext('gc') as () => void;
  }
  gc();
}

/** A write to the kernel this large (a first or full sync of some thousand Services) is followed by releaseMemory(). */
export const LARGE_WRITE_BYTES = 8 << 20;
const RELEASE_MEMORY_DELAY_MS = 1000;

/**
 * releaseMemory() a second after a large write to the kernel (an nf_tables batch, an
 * iptables-restore input): by then the sync that made it has returned, and its transaction is
 * garbage the collection takes too. Several large writes within that second share one collection.
 * A failure is logged once and not tried again.
 */
export class MemoryReleaser {
  private failed = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly log?: Pick<Logger, 'warn'>,
    private readonly release: () => void = releaseMemory,
    private readonly delayMs = RELEASE_MEMORY_DELAY_MS,
  ) {}

  /** `bytes` were just written: a collection follows if that is a large write. */
  wrote(bytes: number): void {
    if (bytes <= LARGE_WRITE_BYTES || this.failed || this.timer !== undefined) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.collect();
    }, this.delayMs);
    this.timer.unref();
  }

  /** Drops a collection still to come. */
  cancel(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private collect(): void {
    if (this.failed) return;
    try {
      this.release();
    } catch (e) {
      this.failed = true;
      this.log?.warn('could not run a garbage collection after a large sync; memory is left to V8', { err: (e as Error).message });
    }
  }
}
