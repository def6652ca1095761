export * from './age.js';
export * from './endpoints-format.js';
export * from './rows.js';
