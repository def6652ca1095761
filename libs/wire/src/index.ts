export * from './convert.js';
export * from './grpc-status.js';
