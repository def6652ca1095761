/**
 * Several informers started, synced and stopped together: what a controller needs before it
 * starts its workers (client-go's WaitForCacheSync over a SharedInformerFactory).
 */
export interface Runnable {
  start(): void;
  stop(): Promise<void>;
  hasSynced(): boolean;
  waitForSync(signal?: AbortSignal): Promise<void>;
}

export interface InformerSet {
  readonly informers: readonly Runnable[];
  start(): void;
  /** Resolves once every informer has synced; rejects like Informer.waitForSync. */
  waitForSync(signal?: AbortSignal): Promise<void>;
  hasSynced(): boolean;
  stop(): Promise<void>;
}

export function informerSet(...informers: Runnable[]): InformerSet {
  return {
    informers,
    start: () => informers.forEach((i) => i.start()),
    waitForSync: async (signal) => {
      await Promise.all(informers.map((i) => i.waitForSync(signal)));
    },
    hasSynced: () => informers.every((i) => i.hasSynced()),
    stop: async () => {
      await Promise.all(informers.map((i) => i.stop()));
    },
  };
}
