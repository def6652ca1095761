export * from './convert.js';
export * from './grpc-status.js';
export * from './event-stream.js';
