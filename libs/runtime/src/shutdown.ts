/** Graceful shutdown: the first SIGTERM/SIGINT runs `stop`, a second one exits at once. */
import type { Logger } from './logger.js';

export function onShutdown(log: Logger, stop: () => Promise<void>): void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) {
      log.warn('second signal, exiting now', { signal });
      process.exit(1);
    }
    stopping = true;
    log.info('shutting down', { signal });
    stop()
      .then(() => process.exit(0))
      .catch((e: Error) => {
        log.error('shutdown failed', { err: e.message });
        process.exit(1);
      });
  };
  process.on('SIGTERM', handler);
  process.on('SIGINT', handler);
}
