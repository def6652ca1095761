export * from './command-line.js';
export * from './flags.js';
export * from './logger.js';
export * from './http-endpoint.js';
export * from './shutdown.js';
export * from './run-app.js';
export * from './net.js';
export * from './exec.js';
