/**
 * Test helpers every project's tests share (`@minimesh/runtime/testing`): a real nats-server on a
 * free port, waiting for ports and conditions, temporary directories, and a TCP proxy a test can
 * cut. Test code only: nothing outside `*.spec.ts` files and `src/testing/` folders imports it.
 */
export * from './nats-server.js';
export * from './net.js';
export * from './wait.js';
export * from './tcp-proxy.js';
