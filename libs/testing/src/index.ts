export * from './nats-server.js';
export * from './net.js';
export * from './wait.js';
