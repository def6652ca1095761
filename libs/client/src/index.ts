export * from './api-client.js';
export * from './grpc-api-client.js';
