export * from './ip.js';
export * from './ipv4.js';
