export * from './test-apiserver.js';
