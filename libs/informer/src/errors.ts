/**
 * The informer's named errors, in the nats.js style: one class per failure mode, `cause` kept,
 * `name` set, a static `format` for the field-naming message.
 */

/** An option has a value the informer cannot use; the message names the field. */
export class InvalidArgumentError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'InvalidArgumentError';
  }

  /** `format('resyncPeriodMs', 'must be >= 0')` → `'resyncPeriodMs' must be >= 0`. */
  static format(field: string | string[], message: string, options?: ErrorOptions): InvalidArgumentError {
    const fields = (Array.isArray(field) ? field : [field]).map((f) => `'${f}'`).join(',');
    return new InvalidArgumentError(`${fields} ${message}`, options);
  }
}

/** Why a follower gave up on its stream and the cache must be rebuilt from a fresh list. */
export type RelistReason = 'initial' | 'expired' | 'gap' | 'store-changed' | 'too-large' | 'invalid-event';

/**
 * Thrown by a follower when the history after the cache's revision cannot be proven complete
 * (the events are gone, or they came from another store): the informer relists.
 */
export class RelistRequiredError extends Error {
  readonly reason: RelistReason;
  constructor(reason: RelistReason, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'RelistRequiredError';
    this.reason = reason;
  }
}

/** The JetStream consumer stopped delivering (disconnect, missed heartbeats, stream or consumer gone). */
export class ConsumerFailureError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ConsumerFailureError';
  }
}

/** `waitForSync` on an informer that was stopped before it synced. */
export class InformerStoppedError extends Error {
  constructor(message = 'informer stopped before it synced') {
    super(message);
    this.name = 'InformerStoppedError';
  }
}
