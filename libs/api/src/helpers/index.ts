export * from './service.js';
export * from './pod.js';
