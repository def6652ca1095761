export * from './handlers.js';
export * from './health.js';
export * from './reflection.js';
export * from './server.js';
