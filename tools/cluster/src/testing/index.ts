export * from './cluster-driver.js';
// For benchmarks that start a node agent themselves: the V8 flags it runs with everywhere.
export { NODE_AGENT_NODE_FLAGS } from '../apps.js';
