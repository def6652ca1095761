export * from './ip.js';
export * from './ipv4.js';
export * from './address-range.js';
