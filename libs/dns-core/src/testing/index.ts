export * from './fixtures.js';
export * from './deep-freeze.js';
