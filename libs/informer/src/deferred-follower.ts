/**
 * A follower made on first use by an async factory, so the module it needs (the NATS client) is
 * loaded only by the informers that use it.
 */
import type { ChangeSink, Follower } from './follower.js';

export class DeferredFollower implements Follower {
  private made?: Promise<Follower>;

  constructor(private readonly make: () => Promise<Follower>) {}

  async follow(sink: ChangeSink, signal: AbortSignal): Promise<void> {
    // A factory that failed is tried again by the reflector's next follow().
    this.made ??= this.make().catch((e: unknown) => {
      this.made = undefined;
      throw e;
    });
    const follower = await this.made;
    if (signal.aborted) return;
    await follower.follow(sink, signal);
  }

  async close(): Promise<void> {
    // A factory that failed made nothing to close; follow() reported its error.
    const follower = await this.made?.catch(() => undefined);
    await follower?.close();
  }
}
