export { createInformer, Informer } from './informer.js';
export { informerSet, type InformerSet, type Runnable } from './informer-set.js';
export type { DeleteInfo, EventHandler, HandlerRegistration } from './event-handlers.js';
export { NAMESPACE_INDEX, cacheKey, labelIndexFunc, type IndexFunc } from './object-cache.js';
export {
  DEFAULT_BACKOFF_INITIAL_MS,
  DEFAULT_BACKOFF_MAX_MS,
  DEFAULT_RESYNC_PERIOD_MS,
  DEFAULT_TRANSPORT,
  TRANSPORTS,
  defaultInformerOptions,
  parseInformerOptions,
  type BackoffSettings,
  type InformerDefaults,
  type InformerLogger,
  type InformerOptions,
  type NatsTransportOptions,
  type NatsAuth,
  type ParsedInformerOptions,
  type Transport,
} from './options.js';
export { ConsumerFailureError, InformerStoppedError, InvalidArgumentError, RelistRequiredError, type RelistReason } from './errors.js';
export { INFORMER_FLAGS, apiClientOptions, connectFromFlags, natsTransportOptions } from './flags.js';
export { revisionOf } from './resource-version.js';
