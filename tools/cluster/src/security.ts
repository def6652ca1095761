/** What the cluster tool issues, for suites that check it against real servers: identities and NATS' configuration. */
export { clusterPki, issueIdentities, rotateTokens, tokenFileOf, tokenHolders, type ClusterPki } from './identities.js';
export { EVENT_STREAM, NATS_PUBLISHER, natsConfigFile, natsPasswordFile, readerPermissions, writeNatsConfig } from './nats-config.js';
export { stateLayout } from './state.js';
