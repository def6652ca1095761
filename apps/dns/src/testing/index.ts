/**
 * For tests: minimesh-dns in-process on loopback with free ports, a small DNS client, and a fake
 * upstream server on loopback (tests never reach a real resolver).
 */
export * from './test-dns.js';
export * from './dns-client.js';
export * from './fake-upstream.js';
export * from './chain-server.js';
